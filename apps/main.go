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
	"github.com/blueprints-cdk/blueprints/apps/emailstack"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	env := environment()

	apistack.NewApiStack(app, "ApiStack", &apistack.Props{StackProps: awscdk.StackProps{Env: env}})
	emailstack.NewEmailStack(app, "EmailStack", &emailstack.Props{StackProps: awscdk.StackProps{Env: env}})

	// Every synth runs the AwsSolutions rules; an unsuppressed error fails it.
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	app.Synth(nil)
}

// environment targets the account and region of the caller's credentials
// when the CLI found some, and is environment-agnostic otherwise (synth needs
// no credentials).
func environment() *awscdk.Environment {
	account, region := os.Getenv("CDK_DEFAULT_ACCOUNT"), os.Getenv("CDK_DEFAULT_REGION")
	if account == "" || region == "" {
		return nil
	}
	return &awscdk.Environment{Account: jsii.String(account), Region: jsii.String(region)}
}
