package frontdoor_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/constructs/frontdoor"
)

func ExampleNewFrontDoor() {
	app := awscdk.NewApp(nil)
	// The edge web ACL must be created in us-east-1; see EdgeWebAcl for
	// stacks in other regions.
	stack := awscdk.NewStack(app, jsii.String("Example"), &awscdk.StackProps{
		Env: &awscdk.Environment{Region: jsii.String("us-east-1")},
	})
	// CloudFront is the edge, so the APIs are regional.
	regional := &awsapigateway.RestApiProps{EndpointTypes: &[]awsapigateway.EndpointType{awsapigateway.EndpointType_REGIONAL}}
	api := awsapigateway.NewRestApi(stack, jsii.String("Api"), regional)
	api.Root().AddMethod(jsii.String("GET"), awsapigateway.NewMockIntegration(nil), nil)

	// Header mode, rotating monthly: the API answers only CloudFront.
	door := frontdoor.NewFrontDoor(stack, "FrontDoor", &frontdoor.Props{RestApi: api})

	// The post's ApiKey mode, rotating every 14 days, on a second API that
	// takes bodies up to 40 KB (the edge web ACL inspects them whole).
	other := awsapigateway.NewRestApi(stack, jsii.String("Other"), regional)
	other.Root().AddMethod(jsii.String("POST"), awsapigateway.NewMockIntegration(nil), nil)
	keyed := frontdoor.NewFrontDoor(stack, "KeyedFrontDoor", &frontdoor.Props{
		RestApi: other, Mode: frontdoor.ModeApiKey, RotationSchedule: frontdoor.Fortnightly,
		MaxBodyBytes: jsii.Number(40 * 1024),
	})

	fmt.Println(door.PatternSet != nil, door.UsagePlan == nil, door.EdgeWebAcl != nil)
	fmt.Println(keyed.PatternSet == nil, *keyed.UsagePlan.Node().Id(), frontdoor.Fortnightly.Days())
	// Output:
	// true true true
	// true UsagePlan 14
}
