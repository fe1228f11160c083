package emailstack_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"

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
