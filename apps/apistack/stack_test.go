package apistack_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/blueprints-cdk/blueprints/apps/apistack"
	"github.com/blueprints-cdk/blueprints/assertions"
)

var apiStack = assertions.Cached(func(app awscdk.App) awscdk.Stack {
	return apistack.NewApiStack(app, "ApiStack", nil).Stack
})

var apiStackWithRole = assertions.Cached(func(app awscdk.App) awscdk.Stack {
	return apistack.NewApiStack(app, "ApiStackWithCloudWatchRole", nil).Stack
}, assertions.WithContext(apistack.CloudWatchRoleContext, "true"))

func TestCommentsAPIIsThere(t *testing.T) {
	r := apiStack(t)
	assertions.ResourceCountIs(t, r, "AWS::ApiGateway::RestApi", 1)
	assertions.HasResourceProperties(t, r, "AWS::ApiGateway::Resource", map[string]any{"PathPart": "comments"})
	assertions.HasResourceProperties(t, r, "AWS::ApiGateway::Resource", map[string]any{"PathPart": "{pageId}"})
	assertions.HasOutput(t, r, "ApiUrl", map[string]any{"Value": assertions.AnyValue()})
}

func TestTheAccountWideCloudWatchRoleIsOptIn(t *testing.T) {
	assertions.ResourceCountIs(t, apiStack(t), "AWS::ApiGateway::Account", 0)
	r := apiStackWithRole(t)
	assertions.ResourceCountIs(t, r, "AWS::ApiGateway::Account", 1)
	// The role is scoped to API Gateway's execution logs, with no managed policy.
	assertions.HasResourceProperties(t, r, "AWS::IAM::Role", map[string]any{
		"AssumeRolePolicyDocument": assertions.ObjectLike(map[string]any{"Statement": []any{map[string]any{
			"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": map[string]any{"Service": "apigateway.amazonaws.com"},
		}}}),
		"ManagedPolicyArns": assertions.Absent(),
		"Policies":          assertions.ArrayWith(assertions.ObjectLike(map[string]any{"PolicyName": "ExecutionLogs"})),
	})
	// The stage waits for the account setting, or its logging fails to deploy.
	stage := assertions.Find(r, "AWS::ApiGateway::Stage", nil)
	for id, s := range stage {
		deps, _ := s["DependsOn"].([]any)
		found := false
		for _, d := range deps {
			found = found || d == assertions.FirstID(t, r, "AWS::ApiGateway::Account", nil)
		}
		if !found {
			t.Errorf("stage %s does not depend on the account setting: %v", id, deps)
		}
	}
}

func TestSuite(t *testing.T) {
	assertions.Suite(t, apiStack(t))
}

func TestSuiteWithCloudWatchRole(t *testing.T) {
	assertions.Suite(t, apiStackWithRole(t))
}
