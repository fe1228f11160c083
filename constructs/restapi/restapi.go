// Package restapi is the REST API that the API constructs of this module
// (dynamoproxy, cookieapi, emailhygiene) put their routes on. A construct's
// Props.Api, a Mount, says which API: one you bring, or a new one with the
// project's secure defaults (see New). The construct exposes what it used as
// a Mounted.
//
// One API can carry several constructs: create the first with a new API,
// then pass its RestApi as the others' Mount.ExistingRestApi.
package restapi

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/internal/defaults"
	"github.com/blueprints-cdk/blueprints/internal/nag"
	"github.com/blueprints-cdk/blueprints/internal/ptr"
)

// Defaults for every stage New creates.
const (
	StageName            = "prod"
	ThrottlingRateLimit  = 100 // requests per second, steady state
	ThrottlingBurstLimit = 200
)

// AccessLogFormat is the stage's JSON access log line: CDK's standard
// fields, plus why API Gateway refused a request (responseType, and the
// request validator's details, which the client's 400 body does not carry).
// API Gateway JSON-escapes the values it substitutes into a JSON format
// (undocumented; observed in DataBiosphere/azul#4348, "Quotes or
// backslashes in fields break API Gateway logs JSON", 2024), so a validation
// message with quotes keeps the line valid JSON.
const AccessLogFormat = `{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","caller":"$context.identity.caller",` +
	`"user":"$context.identity.user","requestTime":"$context.requestTime","httpMethod":"$context.httpMethod",` +
	`"resourcePath":"$context.resourcePath","status":"$context.status","protocol":"$context.protocol",` +
	`"responseLength":"$context.responseLength","errorType":"$context.error.responseType",` +
	`"validationError":"$context.error.validationErrorString"}`

// Mount says where a construct puts its routes. Nil, or the zero Mount, is a
// new REST API with New's defaults.
type Mount struct {
	// ExistingRestApi is an API to put the routes on instead of creating one.
	// Mutually exclusive with RestApiProps and CreateCloudWatchRole.
	ExistingRestApi awsapigateway.IRestApi
	// ParentResource is where the routes go on ExistingRestApi. Default: the
	// API's root.
	ParentResource awsapigateway.IResource
	// RestApiProps are applied over the new API's defaults (see New).
	// Default: none.
	RestApiProps *awsapigateway.RestApiProps
	// CreateCloudWatchRole creates the region's account-wide API Gateway
	// CloudWatch logging role (AWS::ApiGateway::Account), which stage
	// execution logging needs. Account-wide: enable it in one stack only.
	// Default: false.
	CreateCloudWatchRole *bool
}

// Check explains, in the props' own names, why m contradicts itself, or
// returns nil. field is where the caller's Props hold m, such as "Props.Api".
func (m *Mount) Check(field string) error {
	if m == nil {
		return nil
	}
	switch {
	case m.ExistingRestApi != nil && m.RestApiProps != nil:
		return fmt.Errorf("%[1]s.ExistingRestApi and %[1]s.RestApiProps are mutually exclusive: pass one or neither", field)
	case m.ExistingRestApi != nil && ptr.Or(m.CreateCloudWatchRole, false):
		return fmt.Errorf("%[1]s.CreateCloudWatchRole applies to a new API, not to %[1]s.ExistingRestApi", field)
	case m.ParentResource != nil && m.ExistingRestApi == nil:
		return fmt.Errorf("%[1]s.ParentResource needs %[1]s.ExistingRestApi, the API it belongs to", field)
	}
	return nil
}

// Mounted is the REST API a construct's routes are on.
type Mounted struct {
	// RestApi is the API, created or existing.
	RestApi awsapigateway.IRestApi
	// Parent is the resource the construct's routes hang from.
	Parent awsapigateway.IResource
	// CreatedRestApi is the API the construct created, or nil; its Url() is
	// the stage URL.
	CreatedRestApi awsapigateway.RestApi
	// AccessLogs receives the created API's JSON access logs, or is nil.
	AccessLogs awslogs.LogGroup
	// CloudWatchRole and Account exist with Mount.CreateCloudWatchRole.
	CloudWatchRole awsiam.Role
	Account        awsapigateway.CfnAccount
}

// Url is the created API's stage URL, or nil on an existing API.
func (m Mounted) Url() *string {
	if m.CreatedRestApi == nil {
		return nil
	}
	return m.CreatedRestApi.Url()
}

// Attach uses m's existing API (and parent, default its root), or creates
// one with New under the id "RestApi". Call m.Check first.
func Attach(scope constructs.Construct, m *Mount) Mounted {
	if m == nil {
		m = &Mount{}
	}
	if m.ExistingRestApi == nil {
		return New(scope, "RestApi", m.RestApiProps, ptr.Or(m.CreateCloudWatchRole, false))
	}
	parent := m.ParentResource
	if parent == nil {
		parent = m.ExistingRestApi.Root()
	}
	return Mounted{RestApi: m.ExistingRestApi, Parent: parent}
}

// New creates a REST API. The defaults are applied first, then the caller's
// props, then what the project enforces:
//   - a regional endpoint;
//   - a stage with JSON access logs, X-Ray tracing, INFO execution logs
//     without request data, metrics and throttling limits;
//   - JSON bodies for API Gateway's own 4XX and 5XX answers, with the
//     validation error for a rejected body.
//
// CloudWatch execution logging needs the region's account-wide API Gateway
// CloudWatch role. With createCloudWatchRole, New creates it
// (AWS::ApiGateway::Account and a role scoped to API Gateway's log groups);
// the setting is account-wide, so only one stack per account and region
// should do that.
func New(scope constructs.Construct, id string, props *awsapigateway.RestApiProps, createCloudWatchRole bool) Mounted {
	p := awsapigateway.RestApiProps{}
	if props != nil {
		p = *props
	}
	var a Mounted
	c := constructs.NewConstruct(scope, jsii.String(id))
	if p.DeployOptions == nil {
		p.DeployOptions = &awsapigateway.StageOptions{}
	}
	stage := *p.DeployOptions
	if stage.AccessLogDestination == nil {
		a.AccessLogs = awslogs.NewLogGroup(c, jsii.String("AccessLogs"), &awslogs.LogGroupProps{Retention: defaults.LogRetention()})
		stage.AccessLogDestination = awsapigateway.NewLogGroupLogDestination(a.AccessLogs)
	}
	if stage.AccessLogFormat == nil {
		stage.AccessLogFormat = awsapigateway.AccessLogFormat_Custom(jsii.String(AccessLogFormat))
	}
	setDefault(c, &stage.StageName, StageName, "StageName")
	setDefault(c, &stage.TracingEnabled, true, "TracingEnabled")
	setDefault(c, &stage.MetricsEnabled, true, "MetricsEnabled")
	setDefault(c, &stage.DataTraceEnabled, false, "DataTraceEnabled")
	setDefault(c, &stage.ThrottlingRateLimit, float64(ThrottlingRateLimit), "ThrottlingRateLimit")
	setDefault(c, &stage.ThrottlingBurstLimit, float64(ThrottlingBurstLimit), "ThrottlingBurstLimit")
	if stage.LoggingLevel == "" {
		stage.LoggingLevel = awsapigateway.MethodLoggingLevel_INFO
	}
	p.DeployOptions = &stage
	if p.EndpointConfiguration == nil && p.EndpointTypes == nil {
		p.EndpointConfiguration = &awsapigateway.EndpointConfiguration{Types: &[]awsapigateway.EndpointType{awsapigateway.EndpointType_REGIONAL}}
	}
	// Enforced: CDK's own CloudWatch role carries an AWS-managed policy; ours is scoped.
	p.CloudWatchRole = jsii.Bool(false)
	api := awsapigateway.NewRestApi(c, jsii.String("Api"), &p)
	a.RestApi, a.CreatedRestApi, a.Parent = api, api, api.Root()

	if createCloudWatchRole {
		a.CloudWatchRole, a.Account = cloudWatchRole(c)
		api.DeploymentStage().Node().AddDependency(a.Account)
	}
	jsonGatewayResponses(api)
	// The stage's web ACL is the caller's choice: constructs/frontdoor, or their own.
	nag.Suppress(api, "AwsSolutions-APIG3",
		"A web ACL is attached by the caller (constructs/frontdoor puts CloudFront and WAF in front of this API)")
	return a
}

// setDefault fills a nil field with the default, and records (as an info
// annotation) that the caller changed a security default.
func setDefault[T comparable](c constructs.Construct, field **T, def T, name string) {
	if *field == nil {
		v := def
		*field = &v
		return
	}
	if **field != def {
		awscdk.Annotations_Of(c).AddInfo(jsii.String(fmt.Sprintf("stage %s overridden: %v (default %v)", name, **field, def)))
	}
}

// CloudWatchRoleActions are the actions of AWS's managed policy
// AmazonAPIGatewayPushToCloudWatchLogs, which the API Gateway developer
// guide ("Set up CloudWatch logging for REST APIs in API Gateway",
// permissions) gives the account's CloudWatch role.
var CloudWatchRoleActions = []string{
	"logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogGroups", "logs:DescribeLogStreams",
	"logs:PutLogEvents", "logs:GetLogEvents", "logs:FilterLogEvents",
}

// NewCloudWatchRole creates the account-wide API Gateway logging role and
// sets it on the account (AWS::ApiGateway::Account), as New does with
// createCloudWatchRole; REST and WebSocket APIs share that setting. Only
// one stack per account and region should create it.
func NewCloudWatchRole(scope constructs.Construct, id string) (awsiam.Role, awsapigateway.CfnAccount) {
	return cloudWatchRole(constructs.NewConstruct(scope, jsii.String(id)))
}

// cloudWatchRole creates the account-wide API Gateway logging role with an
// inline policy of AmazonAPIGatewayPushToCloudWatchLogs' actions, on this
// account's and region's log groups.
//
// It cannot be narrower: API Gateway uses this one role, set on
// AWS::ApiGateway::Account for the whole account and region, for every
// stage of every REST API there. It writes execution logs to log groups it
// names and creates at run time (API-Gateway-Execution-Logs_<api id>/<stage>)
// and access logs to whatever log group each stage names, which other
// stacks choose. A role scoped to this stack's groups would break every
// other API's logging in the account.
func cloudWatchRole(c constructs.Construct) (awsiam.Role, awsapigateway.CfnAccount) {
	stack := awscdk.Stack_Of(c)
	logGroups := fmt.Sprintf("arn:%s:logs:%s:%s:log-group:*", *stack.Partition(), *stack.Region(), *stack.Account())
	role := awsiam.NewRole(c, jsii.String("CloudWatchRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("apigateway.amazonaws.com"), nil),
		Description: jsii.String("API Gateway account-wide CloudWatch logging role"),
		InlinePolicies: &map[string]awsiam.PolicyDocument{
			"ExecutionAndAccessLogs": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &[]awsiam.PolicyStatement{
				awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
					Actions:   jsii.Strings(CloudWatchRoleActions...),
					Resources: jsii.Strings(logGroups, logGroups+":log-stream:*"),
				}),
			}}),
		},
	})
	nag.Suppress(role, "AwsSolutions-IAM5",
		"The account-wide API Gateway role writes every API's execution logs (groups created at run time) and access logs "+
			"(groups other stacks name) in this account and region",
		`/^Resource::arn:.+:logs:.+:log-group:\*(:log-stream:\*)?$/`)
	account := awsapigateway.NewCfnAccount(c, jsii.String("Account"), &awsapigateway.CfnAccountProps{CloudWatchRoleArn: role.RoleArn()})
	// Retained: deleting the stack (or turning the prop off) would delete
	// the role while the account setting still names it, and break logging
	// for every API in the region (aws/aws-cdk#10878; CDK's own
	// cloudWatchRoleRemovalPolicy defaults to RETAIN since aws/aws-cdk#26836).
	role.ApplyRemovalPolicy(awscdk.RemovalPolicy_RETAIN)
	account.ApplyRemovalPolicy(awscdk.RemovalPolicy_RETAIN, nil)
	return role, account
}

// GatewayResponseTemplate is the body of API Gateway's own 4XX and 5XX
// answers: {"message": "…"}. A gateway response template is not Velocity:
// API Gateway only substitutes variables in it ("x-amazon-apigateway-
// gateway-responses.responseTemplates object", API Gateway developer
// guide), and $context.error.messageString is the message already quoted.
const GatewayResponseTemplate = `{"message":$context.error.messageString}`

// jsonGatewayResponses makes API Gateway's own errors JSON. DEFAULT_4XX and
// DEFAULT_5XX serve every response type without a gateway response of its
// own ("Gateway response types for API Gateway"), BAD_REQUEST_BODY among
// them: its body says "Invalid request body", and the validator's details
// go to the access log (AccessLogFormat).
func jsonGatewayResponses(api awsapigateway.RestApi) {
	// A slice, not a map: the deployment's logical id hashes the API's
	// configuration in the order it was built.
	for _, r := range []struct {
		id  string
		typ awsapigateway.ResponseType
	}{
		{"Default4xx", awsapigateway.ResponseType_DEFAULT_4XX()},
		{"Default5xx", awsapigateway.ResponseType_DEFAULT_5XX()},
	} {
		api.AddGatewayResponse(jsii.String(r.id), &awsapigateway.GatewayResponseOptions{
			Type:      r.typ,
			Templates: &map[string]*string{"application/json": jsii.String(GatewayResponseTemplate)},
		})
	}
}
