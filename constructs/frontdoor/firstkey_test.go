package frontdoor_test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/assertions"
	"github.com/blueprints-cdk/blueprints/constructs/frontdoor"
)

// The first API key and its usage plan key as every ModeApiKey front door
// has deployed them. Any change to them is an update of deployed keys, which
// fails after a rotation (see pinFirstApiKey): do not edit these to make a
// test pass.
const (
	firstApiKey = `{"Properties":{"Description":"First origin key (the secret's value at the first deployment); ` +
		`rotation disables it, never deletes it","Enabled":true,"Value":{"Fn::Join":["",["{{resolve:secretsmanager:",` +
		`{"Ref":"FrontDoorOriginKey2EF9E694"},":SecretString:::}}"]]}},"Type":"AWS::ApiGateway::ApiKey"}`
	firstUsagePlanKey = `{"Properties":{"KeyId":{"Ref":"FrontDoorApiKey20319C26"},"KeyType":"API_KEY",` +
		`"UsagePlanId":{"Ref":"FrontDoorUsagePlan346E1A23"}},"Type":"AWS::ApiGateway::UsagePlanKey"}`
)

// keyedStack is a ModeApiKey front door in front of the Comments API, after
// change, which may change its props, the API and the stack.
func keyedStack(change func(stack awscdk.Stack, api awsapigateway.RestApi, p *frontdoor.Props)) func(awscdk.App) awscdk.Stack {
	return func(app awscdk.App) awscdk.Stack {
		stack := awscdk.NewStack(app, jsii.String("FrontDoorFirstKey"), usEast1)
		api := commentsAPI(stack)
		p := &frontdoor.Props{RestApi: api, Mode: frontdoor.ModeApiKey}
		change(stack, api, p)
		doors[*stack.StackName()] = frontdoor.NewFrontDoor(stack, "FrontDoor", p)
		return stack
	}
}

// firstKeys are the logical ids and whole resources of the first key and its
// usage plan key, from the constructs.
func firstKeys(t *testing.T, r *assertions.Result) map[string]string {
	t.Helper()
	door := doors[r.ID]
	out := map[string]string{}
	for _, k := range []awscdk.CfnResource{door.ApiKey, door.UsagePlanKey} {
		id := assertions.LogicalID(k)
		res, ok := r.JSON["Resources"].(map[string]any)[id]
		if !ok {
			t.Fatalf("no resource %s", id)
		}
		out[id] = assertions.JSON(res)
	}
	return out
}

func TestTheFirstApiKeyIsTheSameWhateverElseChanges(t *testing.T) {
	synth := func(change func(awscdk.Stack, awsapigateway.RestApi, *frontdoor.Props)) *assertions.Result {
		t.Helper()
		r, err := assertions.Synth(keyedStack(change))
		if err != nil {
			t.Fatalf("synthesizing: %v", err)
		}
		return r
	}
	base := synth(func(awscdk.Stack, awsapigateway.RestApi, *frontdoor.Props) {})
	want := firstKeys(t, base)
	pinned := map[string]string{"FrontDoorApiKey20319C26": firstApiKey, "FrontDoorUsagePlanKey5E5145FC": firstUsagePlanKey}
	if assertions.JSON(want) != assertions.JSON(pinned) {
		t.Fatalf("the first key's resources changed, which updates every deployed first key:\n%v\nwant\n%v", want, pinned)
	}

	changes := []struct {
		name   string
		change func(awscdk.Stack, awsapigateway.RestApi, *frontdoor.Props)
	}{
		{"schedule, rate limit and body limit", func(_ awscdk.Stack, _ awsapigateway.RestApi, p *frontdoor.Props) {
			p.RotationSchedule, p.RateLimit, p.MaxBodyBytes = frontdoor.Daily, jsii.Number(100), jsii.Number(1024)
		}},
		{"a route added to the API", func(_ awscdk.Stack, api awsapigateway.RestApi, _ *frontdoor.Props) {
			api.Root().AddResource(jsii.String("extra"), nil).AddMethod(jsii.String("GET"), awsapigateway.NewMockIntegration(nil), nil)
		}},
		// CDK renders these as the resources' Tags; see pinFirstApiKey for the stack's own tags.
		{"tags on the stack's resources", func(stack awscdk.Stack, _ awsapigateway.RestApi, _ *frontdoor.Props) {
			awscdk.Tags_Of(stack).Add(jsii.String("team"), jsii.String("payments"), nil)
		}},
		{"domain names and a certificate", func(stack awscdk.Stack, _ awsapigateway.RestApi, p *frontdoor.Props) {
			p.DomainNames = jsii.Strings("api.example.com")
			p.Certificate = awscertificatemanager.Certificate_FromCertificateArn(stack, jsii.String("Cert"),
				jsii.String("arn:aws:acm:us-east-1:111111111111:certificate/11111111-2222-3333-4444-555555555555"))
		}},
		{"an existing alarm topic and a removal policy", func(stack awscdk.Stack, _ awsapigateway.RestApi, p *frontdoor.Props) {
			p.ExistingAlarmTopic = awssns.Topic_FromTopicArn(stack, jsii.String("Ops"), jsii.String("arn:aws:sns:us-east-1:111111111111:ops"))
			destroy := awscdk.RemovalPolicy_DESTROY
			p.RemovalPolicy = &destroy
		}},
	}
	for _, c := range changes {
		t.Run(c.name, func(t *testing.T) {
			r := synth(c.change)
			if assertions.JSON(r.JSON) == assertions.JSON(base.JSON) {
				t.Fatal("the change changed nothing in the template: the test proves nothing")
			}
			if got := firstKeys(t, r); assertions.JSON(got) != assertions.JSON(want) {
				t.Errorf("the first key's resources changed:\n%v\nwant\n%v", got, want)
			}
		})
	}
}
