// Package apistack is the ApiStack sample: one REST API that hosts the
// Comments API (dynamoproxy) and the cookie routes (cookieapi), with the
// secured front door (frontdoor) joining when its construct lands.
package apistack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/constructs/cookieapi"
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
	// Cookies are GET /cookie and GET, POST /profile on the same API.
	Cookies *cookieapi.CookieApi
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
	s.Cookies = cookieapi.NewCookieApi(stack, "Cookies", &cookieapi.Props{ExistingRestApi: s.Comments.RestApi})
	awscdk.NewCfnOutput(stack, jsii.String("ApiUrl"), &awscdk.CfnOutputProps{
		Description: jsii.String("The REST API's stage URL (direct, without the front door)"),
		Value:       s.Comments.CreatedRestApi.Url(),
	})
	return s
}
