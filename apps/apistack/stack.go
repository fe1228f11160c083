// Package apistack is the ApiStack sample: one REST API with the library's API constructs, behind the front door.
//
// It is the ApiStack sample: one REST API that hosts the
// Comments API (dynamoproxy) and the cookie routes (cookieapi), behind the
// secured front door (frontdoor, Header mode): CloudFront with an edge web
// ACL, and a regional web ACL that lets only CloudFront reach the stage.
//
// CLOUDFRONT-scope web ACLs can only be created in us-east-1. When ApiStack
// is elsewhere, NewEdgeStack creates the edge web ACL in a small us-east-1
// stack, and ApiStack reads its ARN through CDK's cross-region references.
package apistack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/constructs/cookieapi"
	"github.com/blueprints-cdk/blueprints/constructs/dynamoproxy"
	"github.com/blueprints-cdk/blueprints/constructs/frontdoor"
	"github.com/blueprints-cdk/blueprints/constructs/jwtauth"
	"github.com/blueprints-cdk/blueprints/constructs/redirectapi"
	"github.com/blueprints-cdk/blueprints/constructs/restapi"
	"github.com/blueprints-cdk/blueprints/constructs/versionedapi"
)

// CloudWatchRoleContext is the context key that makes ApiStack create the
// region's account-wide API Gateway CloudWatch role (cdk deploy -c
// apiGatewayCloudWatchRole=true), for accounts that do not have one yet.
const CloudWatchRoleContext = "apiGatewayCloudWatchRole"

// Props configures the ApiStack sample.
type Props struct {
	awscdk.StackProps
	// EdgeWebAclArn is the front door's CLOUDFRONT-scope web ACL, from an
	// EdgeStack. Required when the stack's region is not us-east-1; in
	// us-east-1, nil makes the front door create its own.
	EdgeWebAclArn *string
}

// ApiStack is the sample API stack.
type ApiStack struct {
	awscdk.Stack
	// Comments is the post's Comments API; its REST API hosts every route.
	Comments *dynamoproxy.ApiGatewayToDynamoDB
	// Cookies are GET /cookie and GET, POST /profile on the same API.
	Cookies *cookieapi.CookieApi
	// FrontDoor is CloudFront and WAF in front of the API, in Header mode.
	FrontDoor *frontdoor.FrontDoor
	// Auth guards POST /comments with JWTs signed by its generated key.
	Auth *jwtauth.JwtAuthorizer
	// Links is GET /r/{slug}: redirects from a table.
	Links *redirectapi.RedirectApi
	// Orders is GET /v1/orders and /v2/orders: two versions, one back end.
	Orders *versionedapi.VersionedApi
}

// NewApiStack builds the sample API stack.
func NewApiStack(scope constructs.Construct, id string, props *Props) *ApiStack {
	if props == nil {
		props = &Props{}
	}
	stack := awscdk.NewStack(scope, jsii.String(id), &props.StackProps)
	s := &ApiStack{Stack: stack}
	createRole := stack.Node().TryGetContext(jsii.String(CloudWatchRoleContext))
	// POST /comments needs a token signed with the generated HMAC key
	// (apps/apistack/minttoken mints one); GET stays public, as in the post.
	// Admins may call everything; any other valid token may post comments.
	s.Auth = jwtauth.NewJwtAuthorizer(stack, "Auth", &jwtauth.Props{GenerateSecret: jsii.Bool(true), Rules: &[]jwtauth.Rule{
		{Scope: "admins", Allow: []string{"* /*"}},
		{Scope: "*", Allow: []string{"POST /comments"}},
	}})
	s.Comments = newComments(stack, createRole == true || createRole == "true", s.Auth.MethodOptions())
	s.Cookies = cookieapi.NewCookieApi(stack, "Cookies", &cookieapi.Props{Api: &restapi.Mount{ExistingRestApi: s.Comments.RestApi}})
	s.Links = redirectapi.NewRedirectApi(stack, "Links", &redirectapi.Props{Api: &restapi.Mount{ExistingRestApi: s.Comments.RestApi}})
	s.Orders = versionedapi.NewVersionedApi(stack, "Orders", &versionedapi.Props{Api: &restapi.Mount{ExistingRestApi: s.Comments.RestApi}})
	door := &frontdoor.Props{RestApi: s.Comments.CreatedRestApi, ExistingWebAclArn: props.EdgeWebAclArn}
	if door.ExistingWebAclArn == nil {
		// The largest body the API accepts is a comment's (cookieapi's
		// profile body is a language tag and a theme).
		door.MaxBodyBytes = jsii.Number(s.Comments.MaxCreateBodyBytes())
	}
	s.FrontDoor = frontdoor.NewFrontDoor(stack, "FrontDoor", door)
	awscdk.NewCfnOutput(stack, jsii.String("DistributionUrl"), &awscdk.CfnOutputProps{
		Description: jsii.String("The API through the front door (CloudFront and WAF): use this one"),
		Value:       awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("https://"), s.FrontDoor.Distribution.DistributionDomainName(), jsii.String("/")}),
	})
	awscdk.NewCfnOutput(stack, jsii.String("ApiUrl"), &awscdk.CfnOutputProps{
		Description: jsii.String("The REST API's stage URL, direct: its web ACL answers 403 to requests that did not come through CloudFront"),
		Value:       s.Comments.CreatedRestApi.Url(),
	})
	awscdk.NewCfnOutput(stack, jsii.String("TokenKeySecretArn"), &awscdk.CfnOutputProps{
		Description: jsii.String("The HMAC key that signs tokens for POST /comments (go run ./apps/apistack/minttoken; the root README, Deploying)"),
		Value:       s.Auth.Secret.SecretArn(),
	})
	awscdk.NewCfnOutput(stack, jsii.String("RotationAlarmsTopicArn"), &awscdk.CfnOutputProps{
		Description: jsii.String("Subscribe to this topic to hear of failed origin-key rotations"),
		Value:       s.FrontDoor.RotationAlarms.TopicArn(),
	})
	return s
}

// EdgeStack is the us-east-1 companion of an ApiStack in another region: it
// holds the front door's CLOUDFRONT-scope web ACL.
type EdgeStack struct {
	awscdk.Stack
	// WebAcl is the edge web ACL; pass WebAcl.Arn as Props.EdgeWebAclArn.
	WebAcl *frontdoor.EdgeWebAcl
}

// NewEdgeStack builds the companion stack in us-east-1 (in the account of
// env, which may be nil), with cross-region references turned on so that an
// ApiStack in another region can read the web ACL's ARN. That ApiStack needs
// CrossRegionReferences too.
func NewEdgeStack(scope constructs.Construct, id string, env *awscdk.Environment) *EdgeStack {
	edgeEnv := &awscdk.Environment{Region: jsii.String(frontdoor.EdgeRegion)}
	if env != nil {
		edgeEnv.Account = env.Account
	}
	stack := awscdk.NewStack(scope, jsii.String(id), &awscdk.StackProps{
		Env: edgeEnv, CrossRegionReferences: jsii.Bool(true),
		Description: jsii.String("The front door's edge web ACL (CLOUDFRONT scope lives in us-east-1)"),
	})
	return &EdgeStack{Stack: stack, WebAcl: frontdoor.NewEdgeWebAcl(stack, "EdgeWebAcl", &frontdoor.EdgeWebAclProps{
		MaxBodyBytes: jsii.Number(commentsMaxBodyBytes()),
	})}
}

// commentsProps are ApiStack's Comments API's props; create authorizes
// POST /comments.
func commentsProps(createRole bool, create *awsapigateway.MethodOptions) *dynamoproxy.Props {
	return &dynamoproxy.Props{Api: &restapi.Mount{CreateCloudWatchRole: jsii.Bool(createRole)}, CreateMethodOptions: create}
}

// newComments is ApiStack's Comments API.
func newComments(scope constructs.Construct, createRole bool, create *awsapigateway.MethodOptions) *dynamoproxy.ApiGatewayToDynamoDB {
	return dynamoproxy.NewApiGatewayToDynamoDB(scope, "Comments", commentsProps(createRole, create))
}

// commentsMaxBodyBytes is the MaxCreateBodyBytes of ApiStack's Comments API,
// for the edge web ACL of an EdgeStack, which is built before the ApiStack
// that reads its ARN.
func commentsMaxBodyBytes() int {
	n, err := dynamoproxy.MaxCreateBodyBytesFor(commentsProps(false, nil))
	if err != nil { // the sample's own props; a failure is a bug here
		panic(err)
	}
	return n
}
