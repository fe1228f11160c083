package emailstack_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/apps/emailstack"
	"github.com/blueprints-cdk/blueprints/assertions"
)

var emailStack = assertions.Cached(func(app awscdk.App) awscdk.Stack {
	return emailstack.NewEmailStack(app, "EmailStack", nil).Stack
})

func TestThePipelineAndItsLookupAreThere(t *testing.T) {
	r := emailStack(t)
	for typ, n := range map[string]int{
		"AWS::SES::ConfigurationSet": 1, "AWS::SES::ConfigurationSetEventDestination": 1, "AWS::SNS::Topic": 2, "AWS::KMS::Key": 2,
		"AWS::Lambda::Function": 1, "AWS::DynamoDB::Table": 1, "AWS::SQS::Queue": 2, "AWS::CloudWatch::Alarm": 2, "AWS::ApiGateway::RestApi": 1,
	} {
		assertions.ResourceCountIs(t, r, typ, n)
	}
	for _, out := range []string{"ConfigurationSetName", "TableName", "LookupUrl", "AlarmTopicArn"} {
		assertions.HasOutput(t, r, out, map[string]any{"Value": assertions.AnyValue()})
	}
}

func TestSuite(t *testing.T) {
	assertions.Suite(t, emailStack(t))
}

// The next deployment replaces no resource after a new handler build or a
// new tag on every resource (the changes every deployment of this stack
// sees).
func TestUpdateSafety(t *testing.T) {
	before := emailStack(t)
	tagged, err := assertions.Synth(func(app awscdk.App) awscdk.Stack {
		awscdk.Tags_Of(app).Add(jsii.String("cost-center"), jsii.String("mail"), nil)
		return emailstack.NewEmailStack(app, "EmailStack", nil).Stack
	}, assertions.WithoutValidation())
	if err != nil {
		t.Fatal(err)
	}
	for name, after := range map[string]*assertions.Result{
		"new handler build": assertions.NextBuild(before),
		"new tag":           tagged,
	} {
		t.Run(name, func(t *testing.T) { assertions.UpdateSafe(t, before, after, nil) })
	}
}

// The page's architecture diagram is this stack's (make diagrams).
func TestDiagram(t *testing.T) { assertions.Diagram(t, emailStack(t), "README.md") }
