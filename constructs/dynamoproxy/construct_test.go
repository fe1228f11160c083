package dynamoproxy_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/assertions"
	"github.com/blueprints-cdk/blueprints/constructs/dynamoproxy"
	"github.com/blueprints-cdk/blueprints/constructs/restapi"
)

// comments is the one-line use: the blog post's Comments API.
var comments = assertions.Cached(func(app awscdk.App) awscdk.Stack {
	stack := awscdk.NewStack(app, jsii.String("DynamoProxyDefault"), nil)
	dynamoproxy.NewApiGatewayToDynamoDB(stack, "Comments", nil)
	return stack
})

// lookup is a read-only GetItem route with IAM authorization on an existing
// table, mounted on the REST API of another proxy: the shape the email
// pipeline uses, and how one API hosts several constructs.
var lookupProxy *dynamoproxy.ApiGatewayToDynamoDB // built by lookup

var lookup = assertions.Cached(func(app awscdk.App) awscdk.Stack {
	stack := awscdk.NewStack(app, jsii.String("DynamoProxyLookup"), nil)
	host := dynamoproxy.NewApiGatewayToDynamoDB(stack, "Comments", nil)
	table := awsdynamodb.NewTable(stack, jsii.String("Mailing"), &awsdynamodb.TableProps{
		PartitionKey:                     &awsdynamodb.Attribute{Name: jsii.String("UserId"), Type: awsdynamodb.AttributeType_STRING},
		BillingMode:                      awsdynamodb.BillingMode_PAY_PER_REQUEST,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: jsii.Bool(true)},
	})
	lookupProxy = dynamoproxy.NewApiGatewayToDynamoDB(stack, "Lookup", &dynamoproxy.Props{
		ExistingTable: table,
		Api:           &restapi.Mount{ExistingRestApi: host.RestApi},
		ResourcePath:  jsii.String("suppressions"),
		PartitionKey:  jsii.String("UserId"),
		Fields:        jsii.Strings("state"),
		AllowCreate:   jsii.Bool(false),
		AllowQuery:    jsii.Bool(false),
		AllowRead:     jsii.Bool(true),
		MethodOptions: &awsapigateway.MethodOptions{AuthorizationType: awsapigateway.AuthorizationType_IAM},
	})
	return stack
})

func TestTableIsKeyedByCommentIdWithAnIndexOfPageIdByRequestTime(t *testing.T) {
	assertions.HasResourceProperties(t, comments(t), "AWS::DynamoDB::Table", map[string]any{
		"KeySchema": []any{map[string]any{"AttributeName": "commentId", "KeyType": "HASH"}},
		"AttributeDefinitions": assertions.ArrayWith(map[string]any{"AttributeName": "pageId", "AttributeType": "S"},
			map[string]any{"AttributeName": "createdAt", "AttributeType": "N"}),
		"GlobalSecondaryIndexes": []any{map[string]any{
			"IndexName": "pageId-createdAt-index",
			"KeySchema": []any{map[string]any{"AttributeName": "pageId", "KeyType": "HASH"},
				map[string]any{"AttributeName": "createdAt", "KeyType": "RANGE"}},
			"Projection": map[string]any{"ProjectionType": "INCLUDE", "NonKeyAttributes": []any{"userName", "message"}},
		}},
	})
}

func TestTableIsOnDemandRecoverableEncryptedAndRetained(t *testing.T) {
	assertions.HasResource(t, comments(t), "AWS::DynamoDB::Table", map[string]any{
		"DeletionPolicy": "Retain",
		"Properties": assertions.ObjectLike(map[string]any{
			"BillingMode":                      "PAY_PER_REQUEST",
			"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true},
			"SSESpecification":                 map[string]any{"SSEEnabled": true},
		}),
	})
}

func TestRoleHasExactlyPutItemOnTheTableAndQueryOnTheIndex(t *testing.T) {
	r := comments(t)
	assertions.HasResourceProperties(t, r, "AWS::IAM::Role", map[string]any{
		"AssumeRolePolicyDocument": map[string]any{"Statement": []any{map[string]any{
			"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": map[string]any{"Service": "apigateway.amazonaws.com"},
		}}, "Version": "2012-10-17"},
	})
	table := map[string]any{"Fn::GetAtt": []any{tableID(t, r), "Arn"}}
	policy := assertions.OnlyProperties(t, r, "AWS::IAM::Policy", nil)
	want := []any{
		map[string]any{"Action": "dynamodb:PutItem", "Effect": "Allow", "Resource": table},
		map[string]any{"Action": "dynamodb:Query", "Effect": "Allow",
			"Resource": map[string]any{"Fn::Join": []any{"", []any{table, "/index/pageId-createdAt-index"}}}},
	}
	if d := assertions.Diff(want, policy["PolicyDocument"].(map[string]any)["Statement"]); len(d) > 0 {
		t.Errorf("policy differs: %v", d)
	}
	assertions.ResourceCountIs(t, r, "AWS::IAM::Policy", 1)
	assertions.ResourceCountIs(t, r, "AWS::IAM::Role", 1)
}

func TestPostValidatesItsBodyAgainstAModelWithLengthLimits(t *testing.T) {
	r := comments(t)
	str := func(max float64) map[string]any {
		return map[string]any{"type": "string", "minLength": 1.0, "maxLength": max}
	}
	model := assertions.OnlyProperties(t, r, "AWS::ApiGateway::Model", nil)
	want := map[string]any{
		"$schema": "http://json-schema.org/draft-04/schema#", "title": "Create", "type": "object",
		"required":             []any{"pageId", "userName", "message"},
		"additionalProperties": false,
		"properties":           map[string]any{"pageId": str(256), "userName": str(256), "message": str(4000)},
	}
	if d := assertions.Diff(want, model["Schema"]); len(d) > 0 {
		t.Errorf("model schema differs: %v", d)
	}
	assertions.HasResourceProperties(t, r, "AWS::ApiGateway::RequestValidator", map[string]any{
		"ValidateRequestBody": true, "ValidateRequestParameters": true,
	})
	assertions.HasResourceProperties(t, r, "AWS::ApiGateway::Method", map[string]any{
		"HttpMethod":         "POST",
		"RequestValidatorId": map[string]any{"Ref": assertions.OnlyLogicalID(t, r, "AWS::ApiGateway::RequestValidator", nil)},
		"RequestModels":      map[string]any{"application/json": map[string]any{"Ref": assertions.OnlyLogicalID(t, r, "AWS::ApiGateway::Model", nil)}},
	})
}

func TestGetRequiresThePathParameter(t *testing.T) {
	assertions.HasResourceProperties(t, comments(t), "AWS::ApiGateway::Method", map[string]any{
		"HttpMethod":        "GET",
		"RequestParameters": map[string]any{"method.request.path.pageId": true},
	})
}

func TestIntegrationsRefuseToPassBodiesThrough(t *testing.T) {
	r := comments(t)
	for id, m := range assertions.Find(r, "AWS::ApiGateway::Method", nil) {
		integ := m["Properties"].(map[string]any)["Integration"].(map[string]any)
		if integ["PassthroughBehavior"] != "NEVER" || integ["Type"] != "AWS" {
			t.Errorf("%s: integration %v must be an AWS integration that never passes bodies through", id, integ["PassthroughBehavior"])
		}
	}
}

func TestErrorsMapToJSONWithThrottlingAsRetryable(t *testing.T) {
	r := comments(t)
	for id, m := range assertions.Find(r, "AWS::ApiGateway::Method", nil) {
		integ := m["Properties"].(map[string]any)["Integration"].(map[string]any)
		patterns := map[string]string{}
		for _, ir := range integ["IntegrationResponses"].([]any) {
			ir := ir.(map[string]any)
			p, _ := ir["SelectionPattern"].(string)
			patterns[p] = ir["StatusCode"].(string)
		}
		// A 4xx of DynamoDB is a 500 unless the template knows better (429,
		// 409, 400), which e2e_test.go proves end to end; its integration
		// response has a code of its own (429), since API Gateway keys them
		// by status code.
		codes := map[string]bool{}
		for _, c := range patterns {
			codes[c] = true
		}
		if patterns[`4\d{2}`] != "429" || patterns[`5\d{2}`] != "500" || len(codes) != len(patterns) {
			t.Errorf("%s: selection patterns %v", id, patterns)
		}
	}
	// The 429 itself is proven end to end in e2e_test.go.
}

func TestStageHasAccessLogsTracingAndThrottling(t *testing.T) {
	assertions.HasResourceProperties(t, comments(t), "AWS::ApiGateway::Stage", map[string]any{
		"StageName":      "prod",
		"TracingEnabled": true,
		"AccessLogSetting": map[string]any{
			"DestinationArn": assertions.AnyValue(),
			"Format":         assertions.AnyValue(),
		},
		"MethodSettings": []any{map[string]any{
			"DataTraceEnabled": false, "HttpMethod": "*", "LoggingLevel": "INFO", "MetricsEnabled": true,
			"ResourcePath": "/*", "ThrottlingBurstLimit": 200.0, "ThrottlingRateLimit": 100.0,
		}},
	})
	assertions.HasResourceProperties(t, comments(t), "AWS::ApiGateway::RestApi", map[string]any{
		"EndpointConfiguration": map[string]any{"Types": []any{"REGIONAL"}},
	})
}

func TestNoAccountWideCloudWatchRoleByDefault(t *testing.T) {
	assertions.ResourceCountIs(t, comments(t), "AWS::ApiGateway::Account", 0)
}

func TestPublicRoutesRecordWhyTheyHaveNoAuthorizer(t *testing.T) {
	r := comments(t)
	for id, m := range assertions.Find(r, "AWS::ApiGateway::Method", nil) {
		if m["Properties"].(map[string]any)["AuthorizationType"] != "NONE" {
			t.Errorf("%s: want a public route by default", id)
		}
		if !strings.Contains(assertions.NagSuppressions(m), "AwsSolutions-APIG4") {
			t.Errorf("%s: a public route must carry a reasoned APIG4 suppression", id)
		}
	}
}

func TestReadOnlyLookupMountsOnAnExistingApiAndTable(t *testing.T) {
	r := lookup(t)
	assertions.ResourceCountIs(t, r, "AWS::ApiGateway::RestApi", 1)
	assertions.ResourceCountIs(t, r, "AWS::DynamoDB::Table", 2)   // the host's and the existing one
	assertions.ResourceCountIs(t, r, "AWS::ApiGateway::Model", 1) // the host's only
	methods := assertions.Find(r, "AWS::ApiGateway::Method", map[string]any{"AuthorizationType": "AWS_IAM"})
	if len(methods) != 1 {
		t.Fatalf("want one IAM-authorized GET, got %d", len(methods))
	}
	for _, m := range methods {
		p := m["Properties"].(map[string]any)
		if p["HttpMethod"] != "GET" || !strings.Contains(assertions.JSON(p["Integration"]), "dynamodb:action/GetItem") {
			t.Errorf("want GET → GetItem, got %v", assertions.JSON(p))
		}
	}
	role := assertions.LogicalID(lookupProxy.Role)
	policy := assertions.OnlyProperties(t, r, "AWS::IAM::Policy", map[string]any{"Roles": []any{map[string]any{"Ref": role}}})
	table := assertions.OnlyLogicalID(t, r, "AWS::DynamoDB::Table",
		map[string]any{"KeySchema": []any{map[string]any{"AttributeName": "UserId", "KeyType": "HASH"}}})
	want := []any{map[string]any{"Action": "dynamodb:GetItem", "Effect": "Allow", "Resource": map[string]any{"Fn::GetAtt": []any{table, "Arn"}}}}
	if d := assertions.Diff(want, policy["PolicyDocument"].(map[string]any)["Statement"]); len(d) > 0 {
		t.Errorf("want exactly dynamodb:GetItem on the table: %v", d)
	}
}

func TestContradictoryPropsFailWithAMessageNamingThem(t *testing.T) {
	cases := map[string]struct {
		props func(stack awscdk.Stack) *dynamoproxy.Props
		want  string
	}{
		"table twice": {func(s awscdk.Stack) *dynamoproxy.Props {
			return &dynamoproxy.Props{
				ExistingTable: awsdynamodb.Table_FromTableName(s, jsii.String("T"), jsii.String("t")),
				TableProps:    &awsdynamodb.TableProps{},
			}
		}, "Props.ExistingTable and Props.TableProps are mutually exclusive"},
		"api twice": {func(s awscdk.Stack) *dynamoproxy.Props {
			return &dynamoproxy.Props{
				Api: &restapi.Mount{
					ExistingRestApi: awsapigateway.RestApi_FromRestApiId(s, jsii.String("A"), jsii.String("a")),
					RestApiProps:    &awsapigateway.RestApiProps{},
				},
			}
		}, "Props.Api.ExistingRestApi and Props.Api.RestApiProps are mutually exclusive"},
		"query and read": {func(awscdk.Stack) *dynamoproxy.Props {
			return &dynamoproxy.Props{AllowRead: jsii.Bool(true)}
		}, "Props.AllowQuery and Props.AllowRead both use GET /comments/{key}"},
		"no route": {func(awscdk.Stack) *dynamoproxy.Props {
			return &dynamoproxy.Props{AllowCreate: jsii.Bool(false), AllowQuery: jsii.Bool(false)}
		}, "no route"},
		"key in fields": {func(awscdk.Stack) *dynamoproxy.Props {
			return &dynamoproxy.Props{Fields: jsii.Strings("commentId", "pageId")}
		}, `must not hold the partition key "commentId"`},
		"bad attribute": {func(awscdk.Stack) *dynamoproxy.Props {
			return &dynamoproxy.Props{Fields: jsii.Strings("pageId", "it's")}
		}, `attribute name "it's"`},
		"unknown max length": {func(awscdk.Stack) *dynamoproxy.Props {
			return &dynamoproxy.Props{MaxLengths: &map[string]*float64{"body": jsii.Number(10)}}
		}, `Props.MaxLengths names "body"`},
		"query key not a field": {func(awscdk.Stack) *dynamoproxy.Props {
			return &dynamoproxy.Props{QueryKey: jsii.String("author")}
		}, `Props.QueryKey "author"`},
		"sort key without index": {func(awscdk.Stack) *dynamoproxy.Props {
			return &dynamoproxy.Props{QueryIndexName: jsii.String(""), QueryKey: jsii.String("commentId"), SortKey: jsii.String("at")}
		}, "Props.SortKey needs a query index"},
		"sort key in fields": {func(awscdk.Stack) *dynamoproxy.Props {
			return &dynamoproxy.Props{Fields: jsii.Strings("pageId", "createdAt")}
		}, `must not hold the sort key "createdAt"`},
		"page size": {func(awscdk.Stack) *dynamoproxy.Props {
			return &dynamoproxy.Props{PageSize: jsii.Number(101)}
		}, "Props.PageSize 101 must be a whole number from 1 to 100"},
		"parent without api": {func(s awscdk.Stack) *dynamoproxy.Props {
			api := awsapigateway.NewRestApi(s, jsii.String("A"), nil)
			return &dynamoproxy.Props{Api: &restapi.Mount{ParentResource: api.Root()}}
		}, "Props.Api.ParentResource needs Props.Api.ExistingRestApi"},
		"role on an existing api": {func(s awscdk.Stack) *dynamoproxy.Props {
			api := awsapigateway.NewRestApi(s, jsii.String("A"), nil)
			return &dynamoproxy.Props{Api: &restapi.Mount{ExistingRestApi: api, CreateCloudWatchRole: jsii.Bool(true)}}
		}, "Props.Api.CreateCloudWatchRole applies to a new API, not to Props.Api.ExistingRestApi"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			app := assertions.NewApp()
			stack := awscdk.NewStack(app, jsii.String("S"), nil)
			assertions.PanicsWith(t, func() { dynamoproxy.NewApiGatewayToDynamoDB(stack, "Bad", c.props(stack)) }, c.want, `"Bad"`)
		})
	}
}

func TestSuite(t *testing.T) {
	assertions.Suite(t, comments(t))
}

func TestLookupSuite(t *testing.T) {
	assertions.Suite(t, lookup(t))
}

func tableID(t *testing.T, r *assertions.Result) string {
	return assertions.OnlyLogicalID(t, r, "AWS::DynamoDB::Table", nil)
}

func TestMaxCreateBodyBytesIsTheWorstSpellingOfTheLargestBody(t *testing.T) {
	app := assertions.NewApp()
	stack := awscdk.NewStack(app, jsii.String("S"), nil)
	p := dynamoproxy.NewApiGatewayToDynamoDB(stack, "Comments", nil)
	// The largest valid body, every character an escaped surrogate pair and
	// every name escaped: pageId and userName at 256 characters, message at 4000.
	esc := func(s string) string {
		var b strings.Builder
		for _, r := range s {
			fmt.Fprintf(&b, `\u%04x`, r)
		}
		return b.String()
	}
	body := "{"
	for i, f := range []struct {
		name string
		n    int
	}{{"pageId", 256}, {"userName", 256}, {"message", 4000}} {
		if i > 0 {
			body += ","
		}
		body += `"` + esc(f.name) + `":"` + strings.Repeat(`\ud83d\ude00`, f.n) + `"`
	}
	body += "}"
	var decoded map[string]string
	if err := json.Unmarshal([]byte(body), &decoded); err != nil || utf8.RuneCountInString(decoded["message"]) != 4000 {
		t.Fatalf("the worst-case body must be valid JSON with a 4000-character message: %v", err)
	}
	if got := p.MaxCreateBodyBytes(); got != len(body) {
		t.Errorf("MaxCreateBodyBytes = %d, want the worst case %d", got, len(body))
	}
}

func TestMaxCreateBodyBytesForAgreesWithTheConstruct(t *testing.T) {
	props := &dynamoproxy.Props{Fields: jsii.Strings("pageId", "body"), MaxLengths: &map[string]*float64{"body": jsii.Number(100)}}
	want := dynamoproxy.NewApiGatewayToDynamoDB(awscdk.NewStack(assertions.NewApp(), jsii.String("S"), nil), "P", props).MaxCreateBodyBytes()
	if got, err := dynamoproxy.MaxCreateBodyBytesFor(props); err != nil || got != want || got == 0 {
		t.Errorf("got %d %v, want %d", got, err, want)
	}
	if _, err := dynamoproxy.MaxCreateBodyBytesFor(&dynamoproxy.Props{PageSize: jsii.Number(0)}); err == nil {
		t.Error("bad props must fail as the constructor does")
	}
}

// The page's architecture diagram is this stack's (make diagrams).
func TestDiagram(t *testing.T) { assertions.Diagram(t, comments(t), "README.md") }
