// Package restapi creates the REST APIs that Blueprints constructs mount
// their routes on, with the project's secure defaults, and holds the mapping
// template snippets they share.
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
)

// Defaults for every stage a construct creates.
const (
	StageName            = "prod"
	ThrottlingRateLimit  = 100 // requests per second, steady state
	ThrottlingBurstLimit = 200
)

// API is a REST API created with the project's defaults.
type API struct {
	// RestApi is the API, with a regional endpoint and one deployed stage.
	RestApi awsapigateway.RestApi
	// AccessLogs receives the stage's JSON access logs.
	AccessLogs awslogs.LogGroup
	// CloudWatchRole and Account exist only when asked for (see New).
	CloudWatchRole awsiam.Role
	Account        awsapigateway.CfnAccount
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
func New(scope constructs.Construct, id string, props *awsapigateway.RestApiProps, createCloudWatchRole bool) *API {
	p := awsapigateway.RestApiProps{}
	if props != nil {
		p = *props
	}
	a := &API{}
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
		stage.AccessLogFormat = awsapigateway.AccessLogFormat_JsonWithStandardFields(&awsapigateway.JsonWithStandardFieldProps{
			Caller: jsii.Bool(true), HttpMethod: jsii.Bool(true), Ip: jsii.Bool(true), Protocol: jsii.Bool(true),
			RequestTime: jsii.Bool(true), ResourcePath: jsii.Bool(true), ResponseLength: jsii.Bool(true),
			Status: jsii.Bool(true), User: jsii.Bool(true),
		})
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
	a.RestApi = awsapigateway.NewRestApi(c, jsii.String("Api"), &p)

	if createCloudWatchRole {
		a.CloudWatchRole, a.Account = cloudWatchRole(c)
		a.RestApi.DeploymentStage().Node().AddDependency(a.Account)
	}
	jsonGatewayResponses(a.RestApi)
	// The stage's web ACL is the caller's choice: constructs/frontdoor, or their own.
	defaults.Suppress(a.RestApi, "AwsSolutions-APIG3",
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

// cloudWatchRole creates the account-wide API Gateway logging role with an
// inline policy equivalent to AmazonAPIGatewayPushToCloudWatchLogs, scoped to
// API Gateway's execution log groups.
func cloudWatchRole(c constructs.Construct) (awsiam.Role, awsapigateway.CfnAccount) {
	stack := awscdk.Stack_Of(c)
	logGroups := fmt.Sprintf("arn:%s:logs:%s:%s:log-group:API-Gateway-Execution-Logs_*", *stack.Partition(), *stack.Region(), *stack.Account())
	role := awsiam.NewRole(c, jsii.String("CloudWatchRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("apigateway.amazonaws.com"), nil),
		Description: jsii.String("API Gateway account-wide CloudWatch logging role"),
		InlinePolicies: &map[string]awsiam.PolicyDocument{
			"ExecutionLogs": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &[]awsiam.PolicyStatement{
				awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
					Actions:   jsii.Strings("logs:CreateLogGroup", "logs:DescribeLogGroups"),
					Resources: jsii.Strings(logGroups),
				}),
				awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
					Actions: jsii.Strings("logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents",
						"logs:GetLogEvents", "logs:FilterLogEvents"),
					Resources: jsii.Strings(logGroups + ":log-stream:*"),
				}),
			}}),
		},
	})
	defaults.Suppress(role, "AwsSolutions-IAM5",
		"API Gateway names its execution log groups API-Gateway-Execution-Logs_<api id>/<stage>, created at run time",
		`/^Resource::arn:.+:logs:.+:log-group:API-Gateway-Execution-Logs_\*(:log-stream:\*)?$/`)
	account := awsapigateway.NewCfnAccount(c, jsii.String("Account"), &awsapigateway.CfnAccountProps{CloudWatchRoleArn: role.RoleArn()})
	return role, account
}

// jsonGatewayResponses makes API Gateway's own errors JSON: a rejected body
// carries the validation error, escaped so the answer is always valid JSON.
func jsonGatewayResponses(api awsapigateway.RestApi) {
	// A slice, not a map: the deployment's logical id hashes the API's
	// configuration in the order it was built.
	for _, r := range []struct {
		id  string
		typ awsapigateway.ResponseType
	}{
		{"BadRequestBody", awsapigateway.ResponseType_BAD_REQUEST_BODY()},
		{"Default4xx", awsapigateway.ResponseType_DEFAULT_4XX()},
		{"Default5xx", awsapigateway.ResponseType_DEFAULT_5XX()},
	} {
		id, typ := r.id, r.typ
		tpl := `{"message":$context.error.messageString}`
		if id == "BadRequestBody" {
			tpl = `{"message":"Invalid request body","errors":` + JSONString("$context.error.validationErrorString") + `}`
		}
		api.AddGatewayResponse(jsii.String(id), &awsapigateway.GatewayResponseOptions{
			Type:      typ,
			Templates: &map[string]*string{"application/json": jsii.String(tpl)},
		})
	}
}

// JSONString is VTL that prints the value of the reference ref as a JSON
// string, quotes included, or null when ref is null. $util.escapeJavaScript
// escapes ' as \', which JSON does not allow, so the escape is undone with
// Java's replaceAll; a ' is always preceded by exactly the backslash that
// escaped it, so no other backslash is touched.
func JSONString(ref string) string {
	return `#if(` + ref + `)"$util.escapeJavaScript(` + ref + `).replaceAll("\\'","'")"#{else}null#end`
}

// JSONAttribute is VTL that prints a DynamoDB attribute value (the reference
// of its {"S": …} or {"N": …} object) as a JSON string or number, or null.
// DynamoDB only returns valid numbers as N, so they print as they are.
func JSONAttribute(ref string) string {
	return `#if(` + ref + `.S)` + JSONString(ref+".S") + `#elseif(` + ref + `.N)` + ref + `.N#{else}null#end`
}

// Responses are the integration responses every AWS-service route shares:
// backend 4xx → 400 (429 for throttling, detected from DynamoDB's __type) and
// 5xx → 500, all with JSON bodies that leak nothing of AWS. ok is the success
// response.
func Responses(ok *awsapigateway.IntegrationResponse) *[]*awsapigateway.IntegrationResponse {
	return &[]*awsapigateway.IntegrationResponse{
		ok,
		{
			SelectionPattern: jsii.String(`4\d{2}`),
			StatusCode:       jsii.String("400"),
			ResponseTemplates: &map[string]*string{"application/json": jsii.String(
				`#set($type = "$!input.path('$.__type')")` +
					`#if($type.endsWith("ProvisionedThroughputExceededException") || $type.endsWith("ThrottlingException") || $type.endsWith("RequestLimitExceeded"))` +
					`#set($context.responseOverride.status = 429)` +
					`{"message":"Too many requests: retry with backoff"}` +
					`#{else}{"message":"Bad request"}#end`)},
		},
		{
			SelectionPattern:  jsii.String(`5\d{2}`),
			StatusCode:        jsii.String("500"),
			ResponseTemplates: &map[string]*string{"application/json": jsii.String(`{"message":"Internal server error"}`)},
		},
	}
}

// MethodResponses declares the status codes Responses can give, plus extra.
func MethodResponses(extra ...string) *[]*awsapigateway.MethodResponse {
	var out []*awsapigateway.MethodResponse
	for _, code := range append(extra, "400", "429", "500") {
		out = append(out, &awsapigateway.MethodResponse{StatusCode: jsii.String(code)})
	}
	return &out
}

// SuppressAuth records on a method why cdk-nag's authorization rules do not
// apply: a public route is public by the caller's choice (the default of the
// blog posts), and a route with IAM or a Lambda authorizer does not need
// Cognito.
func SuppressAuth(m awsapigateway.Method, o *awsapigateway.MethodOptions) {
	authType := awsapigateway.AuthorizationType_NONE
	if o.AuthorizationType != "" {
		authType = o.AuthorizationType
	} else if o.Authorizer != nil {
		authType = o.Authorizer.AuthorizationType()
	}
	switch authType {
	case awsapigateway.AuthorizationType_COGNITO:
		return
	case awsapigateway.AuthorizationType_NONE:
		reason := "Public route by default, as in the blog post; pass MethodOptions to require IAM, an authorizer or an API key"
		defaults.Suppress(m, "AwsSolutions-APIG4", reason)
		defaults.Suppress(m, "AwsSolutions-COG4", reason)
	default:
		defaults.Suppress(m, "AwsSolutions-COG4", "The route is authorized with "+string(authType)+", not a Cognito user pool")
	}
}

// Target is where a construct puts its routes: on an existing API, or on a
// new one that New creates.
type Target struct {
	// RestApi is the API, existing or created.
	RestApi awsapigateway.IRestApi
	// Created is the API the construct created, or nil.
	Created *API
	// Parent is the resource the construct's routes hang from.
	Parent awsapigateway.IResource
}

// CheckTarget explains, in the props' own names, why an existing-or-new API
// choice contradicts itself, or returns nil.
func CheckTarget(existing awsapigateway.IRestApi, parent awsapigateway.IResource, props *awsapigateway.RestApiProps, createRole *bool) error {
	switch {
	case existing != nil && props != nil:
		return fmt.Errorf("Props.ExistingRestApi and Props.RestApiProps are mutually exclusive: pass one or neither")
	case existing != nil && createRole != nil && *createRole:
		return fmt.Errorf("Props.CreateCloudWatchRole applies to a new API, not to Props.ExistingRestApi")
	case parent != nil && existing == nil:
		return fmt.Errorf("Props.ParentResource needs Props.ExistingRestApi, the API it belongs to")
	}
	return nil
}

// NewTarget uses the existing API (and parent, default its root), or
// creates one with New. Call CheckTarget first.
func NewTarget(scope constructs.Construct, existing awsapigateway.IRestApi, parent awsapigateway.IResource, props *awsapigateway.RestApiProps, createRole *bool) *Target {
	t := &Target{RestApi: existing, Parent: parent}
	if existing == nil {
		t.Created = New(scope, "RestApi", props, defaults.Bool(createRole, false))
		t.RestApi = t.Created.RestApi
	}
	if t.Parent == nil {
		t.Parent = t.RestApi.Root()
	}
	return t
}

// MethodOptions returns a copy of override, or of common when override is
// nil, so that a construct's own settings never change the caller's struct.
func MethodOptions(override, common *awsapigateway.MethodOptions) *awsapigateway.MethodOptions {
	o := override
	if o == nil {
		o = common
	}
	if o == nil {
		return &awsapigateway.MethodOptions{}
	}
	c := *o
	return &c
}
