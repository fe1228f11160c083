package restapi_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/assertions"
	"github.com/blueprints-cdk/blueprints/constructs/restapi"
	"github.com/blueprints-cdk/blueprints/internal/nag"
)

var usEast1 = &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("us-east-1")}}

var withRole restapi.Mounted // built by roleStack

// roleStack is a new API that also creates the account-wide CloudWatch role,
// with one mock route so that the stage deploys.
var roleStack = assertions.Cached(func(app awscdk.App) awscdk.Stack {
	stack := awscdk.NewStack(app, jsii.String("RestApiWithCloudWatchRole"), usEast1)
	withRole = restapi.New(stack, "Api", nil, true)
	m := withRole.Parent.AddMethod(jsii.String("GET"), awsapigateway.NewMockIntegration(&awsapigateway.IntegrationOptions{
		RequestTemplates:     &map[string]*string{"application/json": jsii.String(`{"statusCode": 200}`)},
		IntegrationResponses: &[]*awsapigateway.IntegrationResponse{{StatusCode: jsii.String("200")}},
	}), &awsapigateway.MethodOptions{MethodResponses: &[]*awsapigateway.MethodResponse{{StatusCode: jsii.String("200")}}})
	nag.SuppressAuth(m, &awsapigateway.MethodOptions{})
	nag.Suppress(withRole.CreatedRestApi, "AwsSolutions-APIG2", "A test API whose one mock route takes no input")
	return stack
})

// The role must let API Gateway write execution logs and access logs to any
// log group of the account and region, with the actions of AWS's
// AmazonAPIGatewayPushToCloudWatchLogs, and nothing else.
func TestTheCloudWatchRoleHasThePushPolicysActionsOnThisRegionsLogGroups(t *testing.T) {
	r := roleStack(t)
	role := assertions.Find(r, "AWS::IAM::Role", nil)[assertions.LogicalID(withRole.CloudWatchRole)]["Properties"].(map[string]any)
	want := []any{map[string]any{
		"PolicyName": "ExecutionAndAccessLogs",
		"PolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
			"Effect": "Allow",
			"Action": []any{"logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogGroups", "logs:DescribeLogStreams",
				"logs:FilterLogEvents", "logs:GetLogEvents", "logs:PutLogEvents"},
			"Resource": []any{"arn:aws:logs:us-east-1:111111111111:log-group:*", "arn:aws:logs:us-east-1:111111111111:log-group:*:log-stream:*"},
		}}},
	}}
	if d := assertions.Diff(want, role["Policies"]); len(d) > 0 {
		t.Errorf("CloudWatch role policy: %v", d)
	}
	if role["ManagedPolicyArns"] != nil {
		t.Errorf("no managed policy: %v", role["ManagedPolicyArns"])
	}
	assertions.HasResourceProperties(t, r, "AWS::ApiGateway::Account", map[string]any{
		"CloudWatchRoleArn": map[string]any{"Fn::GetAtt": []any{assertions.LogicalID(withRole.CloudWatchRole), "Arn"}},
	})
}

func TestSuite(t *testing.T) {
	assertions.Suite(t, roleStack(t))
}
