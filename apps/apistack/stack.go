// Package apistack is the ApiStack sample: one REST API that hosts the
// Comments API (dynamoproxy), with the cookie routes (cookieapi) and the
// secured front door (frontdoor) joining as their constructs land.
package apistack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/constructs/dynamoproxy"
)

// CloudWatchRoleContext is the context key that makes ApiStack create the
// region's account-wide API Gateway CloudWatch role (cdk deploy -c
// apiGatewayCloudWatchRole=true), for accounts that do not have one yet.
const CloudWatchRoleContext = "apiGatewayCloudWatchRole"

// Props configures the ApiStack sample.
type Props struct {
	awscdk.StackProps
}

// ApiStack is the sample API stack.
type ApiStack struct {
	awscdk.Stack
	// Comments is the post's Comments API; its REST API hosts every route.
	Comments *dynamoproxy.ApiGatewayToDynamoDB
}

// NewApiStack builds the sample API stack.
func NewApiStack(scope constructs.Construct, id string, props *Props) *ApiStack {
	if props == nil {
		props = &Props{}
	}
	stack := awscdk.NewStack(scope, jsii.String(id), &props.StackProps)
	s := &ApiStack{Stack: stack}
	createRole := stack.Node().TryGetContext(jsii.String(CloudWatchRoleContext))
	s.Comments = dynamoproxy.NewApiGatewayToDynamoDB(stack, "Comments", &dynamoproxy.Props{
		CreateCloudWatchRole: jsii.Bool(createRole == true || createRole == "true"),
	})
	awscdk.NewCfnOutput(stack, jsii.String("ApiUrl"), &awscdk.CfnOutputProps{
		Description: jsii.String("The REST API's stage URL (direct, without the front door)"),
		Value:       s.Comments.CreatedRestApi.Url(),
	})
	return s
}
