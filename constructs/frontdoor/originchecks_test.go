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
