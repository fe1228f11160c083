// Package wschat is a WebSocket chat room on API Gateway, with Go handlers and a DynamoDB table of connections.
//
// It is a WebSocket chat room on API Gateway, after "Announcing
// WebSocket APIs in Amazon API Gateway": routes $connect, $disconnect,
// sendmessage and $default, selected by $request.body.action, each a Lambda
// proxy integration of the Go handler lambda/wschat; connections in a
// DynamoDB table; a message broadcast to every connection through the
// @connections management API.
//
// Unlike the post's code, a send validates its body (JSON with a string
// data, within a size limit) and answers a bad one with an error frame to
// the sender only; the broadcast pages through the whole table, posts with
// bounded concurrency within API Gateway's 29-second integration timeout,
// deletes exactly the connections that answer 410 Gone, and never shows a
// client an internal error. Each route is its own function with its own
// role: connect puts, disconnect deletes, send scans and deletes and posts.
package wschat

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/constructs/golambda"
	"github.com/blueprints-cdk/blueprints/constructs/restapi"
	"github.com/blueprints-cdk/blueprints/internal/defaults"
	"github.com/blueprints-cdk/blueprints/internal/nag"
	contract "github.com/blueprints-cdk/blueprints/internal/wschat"
)

// RouteSelectionExpression selects a message's route by its action field.
const RouteSelectionExpression = "$request.body.action"

// AccessLogFormat is the stage's access log line: JSON, one per connection
// event and message ("WebSocket API access logging", $context variables
// for WebSocket APIs in the API Gateway developer guide).
const AccessLogFormat = `{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","connectionId":"$context.connectionId",` +
	`"eventType":"$context.eventType","routeKey":"$context.routeKey","messageId":"$context.messageId","status":"$context.status",` +
	`"requestTime":"$context.requestTimeEpoch","error":$context.error.messageString,` +
	`"integrationStatus":"$context.integration.status","integrationError":"$context.integration.error",` +
	`"integrationLatency":"$context.integrationLatency"}`

// ChatApi is the chat room.
type ChatApi struct { //nolint:revive // the CDK Go bindings' casing (WebSocketApi)
	constructs.Construct
	// Api is the WebSocket API.
	Api awsapigatewayv2.WebSocketApi
	// Stage is the throttled, logged stage; Stage.Url() is the wss:// URL
	// and Stage.CallbackUrl() the @connections endpoint.
	Stage awsapigatewayv2.WebSocketStage
	// AccessLogs receives the stage's JSON access logs.
	AccessLogs awslogs.LogGroup
	// Table holds the connections, created or existing.
	Table awsdynamodb.ITable
	// Connect, Disconnect, Send and Default are the routes' functions.
	Connect, Disconnect, Send, Default *golambda.Function
	// CloudWatchRole and Account exist with Props.CreateCloudWatchRole.
	CloudWatchRole awsiam.Role
	// Account sets CloudWatchRole on the account and region.
	Account awsapigateway.CfnAccount
}

// NewChatApi builds the chat room. It panics with a message naming the
// props at fault when they are invalid.
func NewChatApi(scope constructs.Construct, id string, props *Props) *ChatApi {
	if props == nil {
		props = &Props{}
	}
	cfg, err := resolve(props)
	if err != nil {
		panic(fmt.Sprintf("wschat.NewChatApi %q: %v", id, err))
	}
	c := &ChatApi{Construct: constructs.NewConstruct(scope, jsii.String(id))}
	if cfg.existingTable != nil {
		c.Table = cfg.existingTable
	} else {
		c.Table = awsdynamodb.NewTable(c.Construct, jsii.String("Connections"), cfg.tableProps)
	}
	c.Connect = c.function(cfg, "Connect", contract.RouteConnect, "dynamodb:PutItem")
	c.Disconnect = c.function(cfg, "Disconnect", contract.RouteDisconnect, "dynamodb:DeleteItem")
	c.Send = c.function(cfg, "Send", contract.RouteSend, "dynamodb:Scan", "dynamodb:DeleteItem")
	// Not "Default": CDK leaves that id out of logical ids and takes it for
	// the construct's default child.
	c.Default = c.function(cfg, "DefaultRoute", contract.RouteDefault)

	integration := func(f *golambda.Function) awsapigatewayv2.WebSocketRouteIntegration {
		return awsapigatewayv2integrations.NewWebSocketLambdaIntegration(jsii.String(*f.Node().Id()+"Integration"), f.Function, nil)
	}
	c.Api = awsapigatewayv2.NewWebSocketApi(c.Construct, jsii.String("Api"), &awsapigatewayv2.WebSocketApiProps{
		Description:              jsii.String("Chat room: $connect, $disconnect, " + cfg.sendAction + " and $default"),
		RouteSelectionExpression: jsii.String(RouteSelectionExpression),
		ConnectRouteOptions:      &awsapigatewayv2.WebSocketRouteOptions{Integration: integration(c.Connect), Authorizer: cfg.authorizer},
		DisconnectRouteOptions:   &awsapigatewayv2.WebSocketRouteOptions{Integration: integration(c.Disconnect)},
		DefaultRouteOptions:      &awsapigatewayv2.WebSocketRouteOptions{Integration: integration(c.Default)},
	})
	c.Api.AddRoute(jsii.String(cfg.sendAction), &awsapigatewayv2.WebSocketRouteOptions{Integration: integration(c.Send)})
	c.buildStage(cfg)
	c.grantPost(c.Send, c.Default)
	return c
}

// function deploys the handler for one route, with read or write access
// to the table limited to actions.
func (c *ChatApi) function(cfg *config, id, route string, actions ...string) *golambda.Function {
	env := map[string]*string{}
	for k, v := range cfg.env(route, *c.Table.TableName()) {
		env[k] = jsii.String(v)
	}
	timeout := awscdk.Duration_Seconds(jsii.Number(10))
	if route == contract.RouteSend {
		// Between the broadcast's deadline (25 s) and API Gateway's 29 s
		// integration timeout ("Amazon API Gateway quotas for configuring
		// and running a WebSocket API").
		timeout = awscdk.Duration_Seconds(jsii.Number(28))
	}
	f := golambda.NewFunction(c.Construct, id, &golambda.Props{
		Entry:       jsii.String("wschat"),
		Description: jsii.String("Chat room: the " + route + " route"),
		Environment: &env,
		Timeout:     timeout,
	})
	if len(actions) > 0 {
		c.Table.Grant(f.Role, *jsii.Strings(actions...)...)
		// A table encrypted with a customer-managed key needs the key too
		// ("Encryption at rest: how it works", DynamoDB developer guide).
		if key := c.Table.EncryptionKey(); key != nil {
			key.Grant(f.Role, *jsii.Strings("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*")...)
		}
	}
	return f
}

// buildStage makes the stage: auto-deployed, throttled, with JSON access
// logs and INFO execution logs without message data.
func (c *ChatApi) buildStage(cfg *config) {
	c.Stage = awsapigatewayv2.NewWebSocketStage(c.Construct, jsii.String("Stage"), &awsapigatewayv2.WebSocketStageProps{
		WebSocketApi: c.Api,
		StageName:    jsii.String(cfg.stage),
		AutoDeploy:   jsii.Bool(true),
		Throttle:     &awsapigatewayv2.ThrottleSettings{RateLimit: jsii.Number(cfg.rate), BurstLimit: jsii.Number(cfg.burst)},
	})
	c.AccessLogs = awslogs.NewLogGroup(c.Construct, jsii.String("AccessLogs"), &awslogs.LogGroupProps{Retention: defaults.LogRetention()})
	stage := c.Stage.Node().DefaultChild().(awsapigatewayv2.CfnStage)
	stage.SetAccessLogSettings(&awsapigatewayv2.CfnStage_AccessLogSettingsProperty{
		DestinationArn: c.AccessLogs.LogGroupArn(), Format: jsii.String(AccessLogFormat),
	})
	stage.SetDefaultRouteSettings(&awsapigatewayv2.CfnStage_RouteSettingsProperty{
		ThrottlingRateLimit: jsii.Number(cfg.rate), ThrottlingBurstLimit: jsii.Number(cfg.burst),
		LoggingLevel: jsii.String("INFO"), DataTraceEnabled: jsii.Bool(false), DetailedMetricsEnabled: jsii.Bool(true),
	})
	if cfg.cloudWatchRole {
		c.CloudWatchRole, c.Account = restapi.NewCloudWatchRole(c.Construct, "CloudWatch")
		stage.AddDependency(c.Account)
	}
	if cfg.authorizer == nil {
		nag.Suppress(c.Api, "AwsSolutions-APIG4",
			"Public by default, as in the post: Props.ConnectAuthorizer authorizes $connect, the only route a WebSocket API authorizes")
	}
}

// grantPost lets the functions post to this stage's connections, and
// nothing else: execute-api:ManageConnections on
// <api>/<stage>/POST/@connections/* (API Gateway developer guide, "Use
// @connections commands in your backend service"; the Service
// Authorization Reference's execute-api-general resource type).
func (c *ChatApi) grantPost(fs ...*golambda.Function) {
	arn := awscdk.Stack_Of(c.Construct).FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("execute-api"), Resource: c.Api.ApiId(),
		ResourceName: jsii.String(*c.Stage.StageName() + "/POST/@connections/*"), ArnFormat: awscdk.ArnFormat_SLASH_RESOURCE_NAME,
	})
	for _, f := range fs {
		f.Role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions: jsii.Strings("execute-api:ManageConnections"), Resources: &[]*string{arn},
		}))
		nag.Suppress(f.Role, "AwsSolutions-IAM5",
			"@connections/* is every connection of this stage: connection ids are assigned at run time",
			`/^Resource::arn:.+:execute-api:.+\/POST\/@connections\/\*$/`)
	}
}
