package main

import (
	"slices"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/apps/emailstack"
	"github.com/blueprints-cdk/blueprints/assertions"
	"github.com/blueprints-cdk/blueprints/constructs/restapi"
)

// With -c integ=true every resource is deleted with the stack, the table
// and the keys the email pipeline retains by default included; without it,
// they are retained. The account-wide CloudWatch role and API Gateway
// account settings are retained either way.
func TestAnIntegrationDeploymentLeavesNothingBehind(t *testing.T) {
	var accountWide []string
	policies := func(integ bool) map[string]int {
		r, err := assertions.Synth(func(app awscdk.App) awscdk.Stack {
			if integ {
				app.Node().SetContext(jsii.String(IntegContext), "true")
			}
			s := emailstack.NewEmailStack(app, "EmailStack", nil).Stack
			role, account := restapi.NewCloudWatchRole(s, "AccountRole")
			accountWide = []string{assertions.LogicalID(role), assertions.LogicalID(account)}
			destroyOnIntegration(app)
			return s
		}, assertions.WithoutValidation())
		if err != nil {
			t.Fatal(err)
		}
		count := map[string]int{}
		resources := r.JSON["Resources"].(map[string]any)
		for id, res := range resources {
			p, _ := res.(map[string]any)["DeletionPolicy"].(string)
			if slices.Contains(accountWide, id) {
				if p != "Retain" {
					t.Errorf("integ=%v: the account-wide %s is %q, want Retain", integ, id, p)
				}
				continue
			}
			count[p]++
		}
		return count
	}
	if got := policies(false); got["Retain"] < 3 {
		t.Errorf("a normal deployment retains %d resources, want the table and both keys at least: %v", got["Retain"], got)
	}
	if got := policies(true); got["Retain"] != 0 || got["Delete"] < 3 {
		t.Errorf("an integration deployment: %v, want nothing retained", got)
	}
}
