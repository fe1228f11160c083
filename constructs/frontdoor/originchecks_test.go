package frontdoor_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/assertions"
	"github.com/blueprints-cdk/blueprints/constructs/frontdoor"
)

// synthesize builds a us-east-1 stack and synthesizes its app (without
// bundling the rotation Lambda): refusals of what can change after the front
// door is built come at synth.
func synthesize(build func(stack awscdk.Stack)) func() {
	return func() {
		app := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{"aws:cdk:bundling-stacks": []any{}}})
		build(awscdk.NewStack(app, jsii.String("Checked"), usEast1))
		app.Synth(nil)
	}
}

// regionalAPI is a REST API with a GET on /, whose stage has the options.
func regionalAPI(stack awscdk.Stack, stage *awsapigateway.StageOptions, get *awsapigateway.MethodOptions) awsapigateway.RestApi {
	api := awsapigateway.NewRestApi(stack, jsii.String("Api"), &awsapigateway.RestApiProps{
		EndpointTypes: &[]awsapigateway.EndpointType{awsapigateway.EndpointType_REGIONAL}, DeployOptions: stage,
	})
	api.Root().AddMethod(jsii.String("GET"), awsapigateway.NewMockIntegration(nil), get)
	return api
}

var iam = &awsapigateway.MethodOptions{AuthorizationType: awsapigateway.AuthorizationType_IAM}

// SigV4 cannot verify through CloudFront, and the origin refuses direct
// calls: an IAM route behind the front door could never be called.
func TestIAMRoutesAreRefusedAtSynth(t *testing.T) {
	want := []string{`[Checked/FrontDoor] frontdoor.NewFrontDoor "FrontDoor": Props.RestApi's GET / is authorized with AWS_IAM`,
		"SigV4 signs the Host and the path", "another authorizer"}
	// A method there before the front door, in either mode.
	for _, mode := range []frontdoor.Mode{frontdoor.ModeHeader, frontdoor.ModeApiKey} {
		assertions.PanicsWith(t, synthesize(func(s awscdk.Stack) {
			frontdoor.NewFrontDoor(s, "FrontDoor", &frontdoor.Props{RestApi: regionalAPI(s, nil, iam), Mode: mode})
		}), want...)
	}
	// A method added after it.
	assertions.PanicsWith(t, synthesize(func(s awscdk.Stack) {
		api := regionalAPI(s, nil, nil)
		frontdoor.NewFrontDoor(s, "FrontDoor", &frontdoor.Props{RestApi: api})
		api.Root().AddResource(jsii.String("admin"), nil).AddMethod(jsii.String("POST"), awsapigateway.NewMockIntegration(nil), iam)
	}), `Props.RestApi's POST /admin is authorized with AWS_IAM`)
}

// Data tracing logs the request headers, X-Origin-Verify with them, and API
// Gateway redacts only the headers it knows (x-api-key among them).
func TestDataTracingIsRefusedInHeaderMode(t *testing.T) {
	want := []string{`frontdoor.NewFrontDoor "FrontDoor": Props.RestApi's deployment stage sets DataTraceEnabled for * /*`,
		"origin key in X-Origin-Verify", "StageOptions.DataTraceEnabled"}
	traced := &awsapigateway.StageOptions{DataTraceEnabled: jsii.Bool(true)}
	assertions.PanicsWith(t, synthesize(func(s awscdk.Stack) {
		frontdoor.NewFrontDoor(s, "FrontDoor", &frontdoor.Props{RestApi: regionalAPI(s, traced, nil)})
	}), want...)
	// Turned on through the stage after the front door was built.
	assertions.PanicsWith(t, synthesize(func(s awscdk.Stack) {
		api := regionalAPI(s, nil, nil)
		frontdoor.NewFrontDoor(s, "FrontDoor", &frontdoor.Props{RestApi: api})
		api.DeploymentStage().Node().DefaultChild().(awsapigateway.CfnStage).SetMethodSettings(&[]any{
			&awsapigateway.CfnStage_MethodSettingProperty{HttpMethod: jsii.String("POST"), ResourcePath: jsii.String("/~1admin"), DataTraceEnabled: jsii.Bool(true)},
		})
	}), "sets DataTraceEnabled for POST /~1admin")
	// ApiKey mode's x-api-key is redacted: allowed.
	assertions.PanicsWith(t, func() {
		synthesize(func(s awscdk.Stack) {
			frontdoor.NewFrontDoor(s, "FrontDoor", &frontdoor.Props{RestApi: regionalAPI(s, traced, nil), Mode: frontdoor.ModeApiKey})
		})()
		panic("synthesized")
	}, "synthesized")
}

// WAF's sampled requests keep the headers, the origin key with them.
func TestTheOriginKeyRuleKeepsNoSampledRequests(t *testing.T) {
	for _, r := range []*assertions.Result{header(t), alb(t)} {
		acl := assertions.OnlyProperties(t, r, "AWS::WAFv2::WebACL", map[string]any{"Scope": "REGIONAL"})
		if v := rule(t, acl, "OriginKey")["VisibilityConfig"].(map[string]any); v["SampledRequestsEnabled"] != false || v["CloudWatchMetricsEnabled"] != true {
			t.Errorf("%s: origin-key rule visibility %v", r.ID, v)
		}
	}
}
