package wschat_test

import (
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/assertions"
	"github.com/blueprints-cdk/blueprints/constructs/wschat"
)

var env = &awscdk.Environment{Region: jsii.String("us-east-1")}

var room *wschat.ChatApi // built by chat

var chat = assertions.Cached(func(app awscdk.App) awscdk.Stack {
	stack := awscdk.NewStack(app, jsii.String("ChatDefault"), &awscdk.StackProps{Env: env})
	room = wschat.NewChatApi(stack, "Chat", nil)
	return stack
})

func TestSuite(t *testing.T) { assertions.Suite(t, chat(t)) }

// The post's routes, selected by $request.body.action, each a Lambda proxy
// integration of its own function.
func TestRoutesAreLambdaProxiesSelectedByAction(t *testing.T) {
	r := chat(t)
	api := assertions.OnlyProperties(t, r, "AWS::ApiGatewayV2::Api", nil)
	if api["ProtocolType"] != "WEBSOCKET" || api["RouteSelectionExpression"] != "$request.body.action" {
		t.Errorf("api: %s", assertions.JSON(api))
	}
	integrations := assertions.Find(r, "AWS::ApiGatewayV2::Integration", nil)
	want := map[string]string{
		"$connect": assertions.LogicalID(room.Connect.Function), "$disconnect": assertions.LogicalID(room.Disconnect.Function),
		"sendmessage": assertions.LogicalID(room.Send.Function), "$default": assertions.LogicalID(room.Default.Function),
	}
	got := map[string]string{}
	for _, route := range assertions.Find(r, "AWS::ApiGatewayV2::Route", nil) {
		p := route["Properties"].(map[string]any)
		target := strings.TrimPrefix(p["Target"].(map[string]any)["Fn::Join"].([]any)[1].([]any)[1].(map[string]any)["Ref"].(string), "")
		integ := integrations[target]["Properties"].(map[string]any)
		if integ["IntegrationType"] != "AWS_PROXY" {
			t.Errorf("%s: %v", p["RouteKey"], integ["IntegrationType"])
		}
		uri := assertions.JSON(integ["IntegrationUri"])
		for key, fn := range want {
			if strings.Contains(uri, `"`+fn+`"`) {
				got[p["RouteKey"].(string)] = key
			}
		}
		if p["AuthorizationType"] != nil && p["AuthorizationType"] != "NONE" {
			t.Errorf("%s is authorized by default: %v", p["RouteKey"], p["AuthorizationType"])
		}
	}
	for key := range want {
		if got[key] != key {
			t.Errorf("route %s integrates %q", key, got[key])
		}
	}
}

// The stage: the post's dev, throttled, with JSON access logs and INFO
// execution logs without message data.
func TestTheStageIsThrottledAndLogged(t *testing.T) {
	r := chat(t)
	stage := assertions.OnlyProperties(t, r, "AWS::ApiGatewayV2::Stage", nil)
	if stage["StageName"] != "dev" || stage["AutoDeploy"] != true ||
		assertions.JSON(stage["DefaultRouteSettings"]) !=
			`{"DataTraceEnabled":false,"DetailedMetricsEnabled":true,"LoggingLevel":"INFO","ThrottlingBurstLimit":200,"ThrottlingRateLimit":100}` {
		t.Errorf("stage: %s", assertions.JSON(stage))
	}
	logs := stage["AccessLogSettings"].(map[string]any)
	if !strings.Contains(assertions.JSON(logs["DestinationArn"]), assertions.LogicalID(room.AccessLogs)) ||
		!strings.Contains(logs["Format"].(string), `"connectionId":"$context.connectionId"`) {
		t.Errorf("access logs: %s", assertions.JSON(logs))
	}
}

// Connections: keyed by connectionId, on demand, encrypted, recoverable,
// and expiring: $disconnect is best-effort and a connection lasts 2 hours.
func TestTheConnectionsTable(t *testing.T) {
	table := assertions.OnlyProperties(t, chat(t), "AWS::DynamoDB::Table", nil)
	if assertions.JSON(table["KeySchema"]) != `[{"AttributeName":"connectionId","KeyType":"HASH"}]` ||
		table["BillingMode"] != "PAY_PER_REQUEST" || assertions.JSON(table["SSESpecification"]) != `{"SSEEnabled":true}` ||
		assertions.JSON(table["PointInTimeRecoverySpecification"]) != `{"PointInTimeRecoveryEnabled":true}` ||
		assertions.JSON(table["TimeToLiveSpecification"]) != `{"AttributeName":"expiresAt","Enabled":true}` {
		t.Errorf("table: %s", assertions.JSON(table))
	}
}

// actions are the IAM actions granted to role beyond its logs and traces.
func actions(t *testing.T, r *assertions.Result, role string) []string {
	t.Helper()
	var out []string
	for _, st := range assertions.RoleStatements(r, role) {
		acts, ok := st["Action"].([]any)
		if !ok {
			acts = []any{st["Action"]}
		}
		for _, a := range acts {
			a := a.(string)
			if strings.HasPrefix(a, "logs:") || strings.HasPrefix(a, "xray:") {
				continue
			}
			res := assertions.JSON(st["Resource"])
			if a == "execute-api:ManageConnections" &&
				!strings.HasSuffix(res, `"/dev/POST/@connections/*"]]}`) {
				t.Errorf("%s: ManageConnections on %s, not this stage's @connections", role, res)
			}
			out = append(out, a)
		}
	}
	sort.Strings(out)
	return out
}

// Each function may do what its route needs and nothing else.
func TestEachRouteHasOnlyWhatItNeeds(t *testing.T) {
	r := chat(t)
	for fn, want := range map[string][]string{
		assertions.LogicalID(room.Connect.Role):    {"dynamodb:PutItem"},
		assertions.LogicalID(room.Disconnect.Role): {"dynamodb:DeleteItem"},
		assertions.LogicalID(room.Send.Role):       {"dynamodb:DeleteItem", "dynamodb:Scan", "execute-api:ManageConnections"},
		assertions.LogicalID(room.Default.Role):    {"execute-api:ManageConnections"},
	} {
		if got := actions(t, r, fn); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", fn, got, want)
		}
	}
	fns := assertions.Find(r, "AWS::Lambda::Function", nil)
	if got := fns[assertions.LogicalID(room.Send.Function)]["Properties"].(map[string]any)["Timeout"]; got != 28.0 {
		t.Errorf("send timeout %v, want 28 (below API Gateway's 29 s)", got)
	}
}

// An authorizer guards $connect only: the one route a WebSocket API
// authorizes.
func TestAConnectAuthorizer(t *testing.T) {
	r, err := assertions.Synth(func(app awscdk.App) awscdk.Stack {
		stack := awscdk.NewStack(app, jsii.String("ChatIam"), &awscdk.StackProps{Env: env})
		wschat.NewChatApi(stack, "Chat", &wschat.Props{ConnectAuthorizer: awsapigatewayv2authorizers.NewWebSocketIamAuthorizer()})
		return stack
	}, assertions.WithoutValidation())
	if err != nil {
		t.Fatal(err)
	}
	for _, route := range assertions.Find(r, "AWS::ApiGatewayV2::Route", nil) {
		p := route["Properties"].(map[string]any)
		want := "NONE"
		if p["RouteKey"] == "$connect" {
			want = "AWS_IAM"
		}
		if got := p["AuthorizationType"]; got != want && (want != "NONE" || got != nil) {
			t.Errorf("%s: %v, want %s", p["RouteKey"], got, want)
		}
	}
	if strings.Contains(assertions.JSON(r.JSON), "AwsSolutions-APIG4") {
		t.Error("an authorized API still suppresses APIG4")
	}
}

func TestInvalidPropsFailWithAClearMessage(t *testing.T) {
	for name, c := range map[string]struct {
		props *wschat.Props
		want  string
	}{
		"both tables": {&wschat.Props{TableProps: &awsdynamodb.TableProps{}, ExistingTable: awsdynamodb.Table_FromTableName(
			awscdk.NewStack(assertions.NewApp(), jsii.String("T"), nil), jsii.String("T"), jsii.String("t"))},
			"Props.ExistingTable and Props.TableProps are mutually exclusive"},
		"key": {&wschat.Props{TableProps: &awsdynamodb.TableProps{PartitionKey: &awsdynamodb.Attribute{
			Name: jsii.String("id"), Type: awsdynamodb.AttributeType_STRING}}}, `Props.TableProps.PartitionKey must be "connectionId"`},
		"action": {&wschat.Props{SendAction: jsii.String("$send")}, `Props.SendAction "$send"`},
		"sort key": {&wschat.Props{TableProps: &awsdynamodb.TableProps{SortKey: &awsdynamodb.Attribute{
			Name: jsii.String("at"), Type: awsdynamodb.AttributeType_NUMBER}}}, "Props.TableProps.SortKey must be nil"},
		"ttl": {&wschat.Props{TableProps: &awsdynamodb.TableProps{TimeToLiveAttribute: jsii.String("ttl")}},
			`Props.TableProps.TimeToLiveAttribute must be "expiresAt"`},
		"nil key name": {&wschat.Props{TableProps: &awsdynamodb.TableProps{PartitionKey: &awsdynamodb.Attribute{Type: awsdynamodb.AttributeType_STRING}}},
			"Props.TableProps.PartitionKey must be"},
		"too big":   {&wschat.Props{MaxMessageBytes: jsii.Number(200000)}, "Props.MaxMessageBytes 200000 must be a whole number from 1 to 131072"},
		"throttle":  {&wschat.Props{ThrottlingRateLimit: jsii.Number(0)}, "Props.ThrottlingRateLimit 0 must be above 0"},
		"fractions": {&wschat.Props{MaxMessageBytes: jsii.Number(1.5)}, "Props.MaxMessageBytes 1.5"},
	} {
		t.Run(name, func(t *testing.T) {
			stack := awscdk.NewStack(assertions.NewApp(), jsii.String("S"), &awscdk.StackProps{Env: env})
			assertions.PanicsWith(t, func() { wschat.NewChatApi(stack, "Bad", c.props) }, c.want, `"Bad"`)
		})
	}
}

// The page's architecture diagram is this stack's (make diagrams).
func TestDiagram(t *testing.T) { assertions.Diagram(t, chat(t), "README.md") }
