// Command apps is the Blueprints sample CDK app: it builds every sample stack
// (see the README for what each one holds). Run it through the CDK CLI:
// `make synth`, or `make deploy STACK=ApiStack`.
package main

import (
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/blueprints-cdk/blueprints/apps/apistack"
	"github.com/blueprints-cdk/blueprints/apps/chatstack"
	"github.com/blueprints-cdk/blueprints/apps/containers"
	"github.com/blueprints-cdk/blueprints/apps/emailstack"
	"github.com/blueprints-cdk/blueprints/apps/fleetstack"
	"github.com/blueprints-cdk/blueprints/constructs/frontdoor"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	env := environment()

	apiProps := &apistack.Props{StackProps: awscdk.StackProps{Env: env}}
	if *env.Region != frontdoor.EdgeRegion {
		// The front door's edge web ACL must live in us-east-1.
		edge := apistack.NewEdgeStack(app, "ApiEdgeStack", env)
		apiProps.EdgeWebAclArn, apiProps.CrossRegionReferences = edge.WebAcl.Arn, jsii.Bool(true)
	}
	api := apistack.NewApiStack(app, "ApiStack", apiProps)
	emailstack.NewEmailStack(app, "EmailStack", &emailstack.Props{StackProps: awscdk.StackProps{Env: env}})
	containers.NewContainersStack(app, "ContainersStack", &containers.Props{StackProps: awscdk.StackProps{Env: env}})
	fleetstack.NewFleetStack(app, "FleetStack", &fleetstack.Props{StackProps: awscdk.StackProps{Env: env}})
	chat := chatstack.NewChatStack(app, "ChatStack", &chatstack.Props{StackProps: awscdk.StackProps{Env: env}})
	if api.Comments.CloudWatchRole != nil {
		// The chat stage's execution logs need the account's CloudWatch
		// role, which ApiStack creates with -c apiGatewayCloudWatchRole=true.
		chat.AddDependency(api.Stack, jsii.String("the account's API Gateway CloudWatch role"))
	}

	destroyOnIntegration(app)
	// Every synth runs the AwsSolutions rules; an unsuppressed error fails it.
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	app.Synth(nil)
}

// IntegContext is the context key `make integ` sets (-c integ=true): the
// deployment is a test's, so nothing in it may outlive it.
const IntegContext = "integ"

// destroyOnIntegration sets every resource's removal policy to DESTROY
// when the app runs for `make integ`: tables, keys, secrets and log groups
// that the constructs retain by default go with the stack. (A bucket with
// objects cannot be deleted: .ci/integ empties the stack's buckets first.)
func destroyOnIntegration(app awscdk.App) {
	if v := app.Node().TryGetContext(jsii.String(IntegContext)); v == "true" || v == true {
		// Account-wide resources stay as they are: the API Gateway account
		// settings and the CloudWatch role (the only role retained).
		awscdk.RemovalPolicies_Of(app).Destroy(&awscdk.RemovalPolicyProps{
			ExcludeResourceTypes: jsii.Strings("AWS::ApiGateway::Account", "AWS::IAM::Role"),
		})
	}
}

// DefaultRegion is the region stacks are synthesized for when the CLI found
// no credentials: ALB access logging needs a concrete region.
const DefaultRegion = "us-east-1"

// environment targets the account and region of the caller's credentials
// when the CLI found some (synth needs none: the account then stays
// unresolved and the region is DefaultRegion).
func environment() *awscdk.Environment {
	env := &awscdk.Environment{Region: jsii.String(DefaultRegion)}
	if region := os.Getenv("CDK_DEFAULT_REGION"); region != "" {
		env.Region = jsii.String(region)
	}
	if account := os.Getenv("CDK_DEFAULT_ACCOUNT"); account != "" {
		env.Account = jsii.String(account)
	}
	return env
}
