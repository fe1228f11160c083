package apistack_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/apps/apistack"
	"github.com/blueprints-cdk/blueprints/assertions"
)

var usEast1 = &apistack.Props{StackProps: awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("us-east-1")}}}

var apiStack = assertions.Cached(func(app awscdk.App) awscdk.Stack {
	return apistack.NewApiStack(app, "ApiStack", usEast1).Stack
})

var apiStackWithRole = assertions.Cached(func(app awscdk.App) awscdk.Stack {
	return apistack.NewApiStack(app, "ApiStackWithCloudWatchRole", usEast1).Stack
}, assertions.WithContext(apistack.CloudWatchRoleContext, "true"))

// In another region, the edge web ACL comes from the us-east-1 companion.
var europe = &awscdk.Environment{Region: jsii.String("eu-west-1"), Account: jsii.String("111111111111")}

func inEurope(app awscdk.App) (*apistack.EdgeStack, *apistack.ApiStack) {
	edge := apistack.NewEdgeStack(app, "ApiEdgeStack", europe)
	return edge, apistack.NewApiStack(app, "ApiStackEurope", &apistack.Props{
		StackProps:    awscdk.StackProps{Env: europe, CrossRegionReferences: jsii.Bool(true)},
		EdgeWebAclArn: edge.WebAcl.Arn,
	})
}

var apiStackInEurope = assertions.Cached(func(app awscdk.App) awscdk.Stack {
	_, api := inEurope(app)
	return api.Stack
})

var edgeStack = assertions.Cached(func(app awscdk.App) awscdk.Stack {
	edge, _ := inEurope(app)
	return edge.Stack
})

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
	// The role is scoped to API Gateway's execution and access logs, with no managed policy.
	assertions.HasResourceProperties(t, r, "AWS::IAM::Role", map[string]any{
		"AssumeRolePolicyDocument": assertions.ObjectLike(map[string]any{"Statement": []any{map[string]any{
			"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": map[string]any{"Service": "apigateway.amazonaws.com"},
		}}}),
		"ManagedPolicyArns": assertions.Absent(),
		"Policies":          assertions.ArrayWith(assertions.ObjectLike(map[string]any{"PolicyName": "ExecutionAndAccessLogs"})),
	})
	// The stage waits for the account setting, or its logging fails to deploy.
	stage := assertions.Find(r, "AWS::ApiGateway::Stage", nil)
	for id, s := range stage {
		deps, _ := s["DependsOn"].([]any)
		found := false
		for _, d := range deps {
			found = found || d == assertions.OnlyLogicalID(t, r, "AWS::ApiGateway::Account", nil)
		}
		if !found {
			t.Errorf("stage %s does not depend on the account setting: %v", id, deps)
		}
	}
}

func TestTheAPIIsBehindTheFrontDoor(t *testing.T) {
	for _, r := range []*assertions.Result{apiStack(t), apiStackInEurope(t)} {
		assertions.ResourceCountIs(t, r, "AWS::CloudFront::Distribution", 1)
		// Header mode: the regional web ACL on the stage, no API keys.
		assertions.HasResourceProperties(t, r, "AWS::WAFv2::WebACL", map[string]any{"Scope": "REGIONAL"})
		assertions.HasResourceProperties(t, r, "AWS::WAFv2::WebACLAssociation", map[string]any{
			"ResourceArn": assertions.ObjectLike(map[string]any{"Fn::Join": assertions.AnyValue()}),
		})
		assertions.ResourceCountIs(t, r, "AWS::ApiGateway::UsagePlan", 0)
		assertions.HasOutput(t, r, "DistributionUrl", map[string]any{"Value": map[string]any{"Fn::Join": []any{"", []any{
			"https://", map[string]any{"Fn::GetAtt": []any{assertions.OnlyLogicalID(t, r, "AWS::CloudFront::Distribution", nil), "DomainName"}}, "/",
		}}}})
		assertions.HasOutput(t, r, "ApiUrl", map[string]any{"Value": assertions.AnyValue()})
		// Rotation failures go to a topic of the front door's, to subscribe to.
		assertions.HasOutput(t, r, "RotationAlarmsTopicArn", map[string]any{"Value": map[string]any{
			"Ref": assertions.OnlyLogicalID(t, r, "AWS::SNS::Topic", nil),
		}})
	}
	// In us-east-1 the stack holds its edge web ACL.
	assertions.HasResourceProperties(t, apiStack(t), "AWS::WAFv2::WebACL", map[string]any{"Scope": "CLOUDFRONT"})
}

func TestOutsideUsEast1TheEdgeWebAclComesFromTheCompanionStack(t *testing.T) {
	r := apiStackInEurope(t)
	assertions.ResourceCountIs(t, r, "AWS::WAFv2::WebACL", 1) // the regional one only
	d := assertions.OnlyProperties(t, r, "AWS::CloudFront::Distribution", nil)["DistributionConfig"].(map[string]any)
	// CDK's cross-region reference: the companion's output, read by CloudFormation.
	ref, _ := d["WebACLId"].(map[string]any)["Fn::GetStackOutput"].(map[string]any)
	if ref["Region"] != "us-east-1" || ref["StackName"] != "ApiEdgeStack" || ref["OutputName"] == nil {
		t.Errorf("WebACLId %s", assertions.JSON(d["WebACLId"]))
	}
	e := edgeStack(t)
	assertions.ResourceCountIs(t, e, "AWS::WAFv2::WebACL", 1)
	assertions.HasResourceProperties(t, e, "AWS::WAFv2::WebACL", map[string]any{"Scope": "CLOUDFRONT"})
	assertions.HasOutput(t, e, ref["OutputName"].(string), map[string]any{
		"Value": map[string]any{"Fn::GetAtt": []any{assertions.OnlyLogicalID(t, e, "AWS::WAFv2::WebACL", nil), "Arn"}},
	})
	if e.Stack.Region() == nil || *e.Stack.Region() != "us-east-1" {
		t.Errorf("the edge stack is in %v", e.Stack.Region())
	}
}

// largestValidBody is the largest body that a model of the API accepts, in
// its worst JSON spelling: every field at its maxLength, every character a
// surrogate pair escape (12 bytes), every name escaped (6 bytes a character).
func largestValidBody(t *testing.T, r *assertions.Result) string {
	t.Helper()
	esc := func(s string) string {
		var b strings.Builder
		for _, c := range s {
			fmt.Fprintf(&b, `\u%04x`, c)
		}
		return b.String()
	}
	largest := ""
	for id, m := range assertions.Find(r, "AWS::ApiGateway::Model", nil) {
		var fields []string
		for name, p := range m["Properties"].(map[string]any)["Schema"].(map[string]any)["properties"].(map[string]any) {
			n := int(p.(map[string]any)["maxLength"].(float64))
			fields = append(fields, `"`+esc(name)+`":"`+strings.Repeat(`\ud83d\ude00`, n)+`"`)
		}
		body := "{" + strings.Join(fields, ",") + "}"
		if !json.Valid([]byte(body)) {
			t.Fatalf("model %s: the worst-case body is not JSON", id)
		}
		if len(body) > len(largest) {
			largest = body
		}
	}
	return largest
}

// The edge web ACL lets the API's largest valid body through, inspected
// whole, and blocks one byte more.
func TestTheEdgeWebAclPassesTheLargestValidBodyAndBlocksOneByteMore(t *testing.T) {
	n := float64(len(largestValidBody(t, apiStack(t))))
	if n < 50000 {
		t.Fatalf("the largest valid comment is %v bytes: far above WAF's 8 KB default", n)
	}
	limits := map[string]float64{"KB_16": 16384, "KB_32": 32768, "KB_48": 49152, "KB_64": 65536}
	for _, r := range []*assertions.Result{apiStack(t), edgeStack(t)} {
		acl := assertions.OnlyProperties(t, r, "AWS::WAFv2::WebACL", map[string]any{"Scope": "CLOUDFRONT"})
		body := acl["AssociationConfig"].(map[string]any)["RequestBody"].(map[string]any)["CLOUDFRONT"].(map[string]any)
		limit := limits[body["DefaultSizeInspectionLimit"].(string)]
		var size map[string]any
		for _, rule := range acl["Rules"].([]any) {
			if s, ok := rule.(map[string]any)["Statement"].(map[string]any)["SizeConstraintStatement"].(map[string]any); ok {
				size = s
			}
		}
		if size["ComparisonOperator"] != "GT" || assertions.JSON(size["FieldToMatch"]) != `{"Body":{"OversizeHandling":"MATCH"}}` {
			t.Fatalf("%s: size rule %s", r.ID, assertions.JSON(size))
		}
		// What WAF does with a body of b bytes: over the inspection limit,
		// MATCH blocks it; within it, the rule compares its size.
		blocked := func(b float64) bool { return b > limit || b > size["Size"].(float64) }
		if blocked(n) || !blocked(n+1) || limit != 65536 {
			t.Errorf("%s: a %v-byte body: blocked %v, one more byte: blocked %v (size rule %v, inspection limit %v)",
				r.ID, n, blocked(n), blocked(n+1), size["Size"], limit)
		}
	}
}

func TestSuite(t *testing.T) {
	assertions.Suite(t, apiStack(t))
}

func TestSuiteInEurope(t *testing.T) {
	assertions.Suite(t, apiStackInEurope(t))
	assertions.Suite(t, edgeStack(t))
}

func TestSuiteWithCloudWatchRole(t *testing.T) {
	assertions.Suite(t, apiStackWithRole(t))
}

// The next deployment replaces no resource after a new handler build, a new
// tag on every resource, or the account's CloudWatch role turned on.
func TestUpdateSafety(t *testing.T) {
	before := apiStack(t)
	synth := func(tag bool, opts ...assertions.Option) *assertions.Result {
		r, err := assertions.Synth(func(app awscdk.App) awscdk.Stack {
			if tag {
				awscdk.Tags_Of(app).Add(jsii.String("cost-center"), jsii.String("api"), nil)
			}
			return apistack.NewApiStack(app, "ApiStack", usEast1).Stack
		}, append(opts, assertions.WithoutValidation())...)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	for name, after := range map[string]*assertions.Result{
		"new handler build":         assertions.NextBuild(before),
		"new tag":                   synth(true),
		"CloudWatch role turned on": synth(false, assertions.WithContext(apistack.CloudWatchRoleContext, "true")),
	} {
		t.Run(name, func(t *testing.T) { assertions.UpdateSafe(t, before, after, nil) })
	}
}

// The page's architecture diagram is this stack's (make diagrams).
func TestDiagram(t *testing.T) { assertions.Diagram(t, apiStack(t), "README.md") }
