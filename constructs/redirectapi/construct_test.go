package redirectapi_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/assertions"
	"github.com/blueprints-cdk/blueprints/assertions/local"
	"github.com/blueprints-cdk/blueprints/constructs/redirectapi"
)

var env = &awscdk.Environment{Region: jsii.String("us-east-1")}

var built *redirectapi.RedirectApi

var redirectStack = assertions.Cached(func(app awscdk.App) awscdk.Stack {
	stack := awscdk.NewStack(app, jsii.String("Redirects"), &awscdk.StackProps{Env: env})
	built = redirectapi.NewRedirectApi(stack, "Links", nil)
	return stack
})

func TestSuite(t *testing.T) { assertions.Suite(t, redirectStack(t)) }

// The method declares every status it answers and the Location header; the
// function may only read items.
func TestTheMethodDeclaresItsResponses(t *testing.T) {
	r := redirectStack(t)
	m := assertions.OnlyProperties(t, r, "AWS::ApiGateway::Method", map[string]any{"HttpMethod": "GET"})
	got := assertions.JSON(m["MethodResponses"])
	for _, want := range []string{`"StatusCode":"301"`, `"StatusCode":"302"`, `"StatusCode":"404"`, `"StatusCode":"500"`,
		`"method.response.header.Location":true`} {
		if !strings.Contains(got, want) {
			t.Errorf("method responses %s lack %s", got, want)
		}
	}
	policies := assertions.JSON(assertions.Find(r, "AWS::IAM::Policy", nil))
	if !strings.Contains(policies, `"dynamodb:GetItem"`) || strings.Contains(policies, "dynamodb:PutItem") || strings.Contains(policies, "dynamodb:*") {
		t.Errorf("policies: %s", policies)
	}
}

var velocity = sync.OnceValues(local.StartVelocity)

// links is the synthesized route on this machine: the real handler under
// the local Runtime API, dynalite, and the mapping templates on Velocity.
func links(t *testing.T) (*local.RestAPI, func(slug, location string, permanent bool)) {
	t.Helper()
	v, err := velocity()
	if err != nil {
		t.Fatal(err)
	}
	r := redirectStack(t)
	d := local.StartDynalite(t)
	refs, err := d.CreateTables(context.Background(), r.JSON)
	if err != nil {
		t.Fatal(err)
	}
	table := refs[assertions.LogicalID(built.Table)]
	fn := assertions.LogicalID(built.Function.Function)
	functions := local.StartFunctionsEnv(t, r.JSON, map[string]string{fn: "lambda/redirect"}, refs, map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": d.Endpoint})
	db := d.Client()
	store := func(slug, location string, permanent bool) {
		if _, err := db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: map[string]types.AttributeValue{
			"slug": &types.AttributeValueMemberS{Value: slug}, "location": &types.AttributeValueMemberS{Value: location},
			"permanent": &types.AttributeValueMemberBOOL{Value: permanent},
		}}); err != nil {
			t.Fatal(err)
		}
	}
	return &local.RestAPI{Template: r.JSON, Refs: refs, Velocity: v, Backend: d, Functions: functions}, store
}

func get(t *testing.T, api *local.RestAPI, path string) local.HTTPResponse {
	t.Helper()
	resp, err := api.Do(context.Background(), local.HTTPRequest{Method: "GET", Path: path})
	if err != nil {
		t.Fatal(err)
	}
	if resp.IntegrationHeaders["X-Amz-Function-Error"] != "" && resp.Status != 500 {
		t.Errorf("GET %s: a function error answered %d", path, resp.Status)
	}
	return resp
}

func TestRedirectsEndToEnd(t *testing.T) {
	api, store := links(t)
	store("docs", "https://example.com/docs?a=1&b=2", false)
	store("home", "https://example.com/", true)
	store("js", "javascript:alert(1)", false)
	store("plain", "http://example.com/", false)
	store("creds", "https://u:p@example.com/", false)
	store("crlf", "https://example.com/\r\nSet-Cookie: a=b", false)

	errorsSeen := 0
	for path, want := range map[string]struct {
		status   int
		location string
	}{
		"/r/docs": {302, "https://example.com/docs?a=1&b=2"},
		"/r/home": {301, "https://example.com/"},
	} {
		resp := get(t, api, path)
		if resp.Status != want.status || resp.Headers["Location"] != want.location || resp.Body != "" {
			t.Errorf("%s: %d %q %q", path, resp.Status, resp.Headers["Location"], resp.Body)
		}
		if cc := map[int]string{302: "no-store", 301: "max-age=86400"}[want.status]; resp.Headers["Cache-Control"] != cc {
			t.Errorf("%s: Cache-Control %q, want %q", path, resp.Headers["Cache-Control"], cc)
		}
		if resp.IntegrationHeaders["X-Amz-Function-Error"] != "" {
			errorsSeen++
		}
	}
	// Unknown and hostile slugs: the constant page, nothing echoed.
	for _, path := range []string{"/r/nope", "/r/%3Cscript%3E", "/r/..%2F", "/r/" + strings.Repeat("a", 65)} {
		resp := get(t, api, path)
		if resp.Status != 404 || resp.Body != redirectapi.NotFoundPage || !strings.HasPrefix(resp.Headers["Content-Type"], "text/html") {
			t.Errorf("%s: %d %q %q", path, resp.Status, resp.Headers["Content-Type"], resp.Body)
		}
		if resp.IntegrationHeaders["X-Amz-Function-Error"] != "" {
			errorsSeen++
		}
	}
	if errorsSeen != 0 {
		t.Errorf("redirects and 404s were %d function errors; want 0, so that the Errors metric counts only failures", errorsSeen)
	}
	// Stored targets the API must not redirect to: a JSON 500, no Location.
	for _, slug := range []string{"js", "plain", "creds", "crlf"} {
		resp := get(t, api, "/r/"+slug)
		if resp.Status != 500 || resp.Headers["Location"] != "" || resp.Body != `{"message":"Internal server error"}` {
			t.Errorf("%s: %d %q %q", slug, resp.Status, resp.Headers["Location"], resp.Body)
		}
	}
}

// A panic, an error without a message and a function slower than its
// timeout are all a JSON 500, never a redirect or a 200: the catch-all
// matches any non-empty errorMessage, and Lambda gives every failure one
// ("Handle Lambda errors in API Gateway").
func TestFailuresAreJSON500s(t *testing.T) {
	v, err := velocity()
	if err != nil {
		t.Fatal(err)
	}
	r := redirectStack(t)
	fn := assertions.LogicalID(built.Function.Function)
	refs := map[string]string{assertions.LogicalID(built.Table): "unused"}
	functions := local.StartFunctionsEnv(t, r.JSON, map[string]string{fn: "assertions/local/testdata/failing"}, refs, nil)
	functions[fn].Timeout = 300 * time.Millisecond
	api := &local.RestAPI{Template: r.JSON, Refs: refs, Velocity: v, Functions: functions}
	for _, slug := range []string{"panic", "empty", "slow"} {
		resp := get(t, api, "/r/"+slug)
		if resp.Status != 500 || resp.Body != `{"message":"Internal server error"}` || resp.Headers["Location"] != "" {
			t.Errorf("%s: %d %q %v", slug, resp.Status, resp.Body, resp.Headers)
		}
	}
}

// The post's style, kept for comparison: a function that fails with
// "HandlerDemo.ResponseFound…" and the target as its error type maps to a
// 302 through a selection pattern (its dot escaped, as the post's was not)
// and the header mapping integration.response.body.errorType. It works;
// but every redirect is then a Lambda error in the function's metrics.
func TestThePostsErrorTypeStyleStillMaps(t *testing.T) {
	v, err := velocity()
	if err != nil {
		t.Fatal(err)
	}
	template := map[string]any{"Resources": map[string]any{
		"Api": map[string]any{"Type": "AWS::ApiGateway::RestApi", "Properties": map[string]any{}},
		"Resource": map[string]any{"Type": "AWS::ApiGateway::Resource", "Properties": map[string]any{
			"PathPart": "found", "ParentId": map[string]any{"Fn::GetAtt": []any{"Api", "RootResourceId"}}, "RestApiId": map[string]any{"Ref": "Api"},
		}},
		"Fn": map[string]any{"Type": "AWS::Lambda::Function", "Properties": map[string]any{}},
		"Method": map[string]any{"Type": "AWS::ApiGateway::Method", "Properties": map[string]any{
			"HttpMethod": "GET", "ResourceId": map[string]any{"Ref": "Resource"}, "RestApiId": map[string]any{"Ref": "Api"}, "AuthorizationType": "NONE",
			"Integration": map[string]any{
				"Type": "AWS", "IntegrationHttpMethod": "POST",
				"Uri": map[string]any{"Fn::Join": []any{"", []any{"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/",
					map[string]any{"Fn::GetAtt": []any{"Fn", "Arn"}}, "/invocations"}}},
				"RequestTemplates": map[string]any{"application/json": "{}"},
				"IntegrationResponses": []any{
					map[string]any{"StatusCode": "200"},
					map[string]any{"StatusCode": "302", "SelectionPattern": `HandlerDemo\.ResponseFound.*`,
						"ResponseParameters": map[string]any{"method.response.header.Location": "integration.response.body.errorType"},
						"ResponseTemplates":  map[string]any{"application/json": ""}},
				},
			},
		}},
	}}
	functions := local.StartFunctionsEnv(t, template, map[string]string{"Fn": "constructs/redirectapi/testdata/posts"}, map[string]string{}, nil)
	api := &local.RestAPI{Template: template, Refs: map[string]string{}, Velocity: v, Functions: functions}
	resp, err := api.Do(context.Background(), local.HTTPRequest{Method: "GET", Path: "/found"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 302 || resp.Headers["Location"] != "https://example.com/" || resp.IntegrationHeaders["X-Amz-Function-Error"] != "Unhandled" {
		t.Errorf("the post's style: %d %v %v", resp.Status, resp.Headers, resp.IntegrationHeaders)
	}
}

// Targets are checked when stored, by NewItem, as when served.
func TestNewItemRefusesWhatTheApiWouldRefuse(t *testing.T) {
	item, err := redirectapi.NewItem("docs", "https://example.com/docs", true, nil)
	if err != nil || item["location"].(*types.AttributeValueMemberS).Value != "https://example.com/docs" {
		t.Errorf("a valid item: %v %v", item, err)
	}
	for _, target := range []string{"javascript:alert(1)", "http://example.com", "https://u:p@example.com", "https://example.com/\r\nX: y",
		"https://example.com/a b"} {
		if _, err := redirectapi.NewItem("docs", target, false, nil); err == nil {
			t.Errorf("%q was accepted", target)
		}
	}
	if _, err := redirectapi.NewItem("<x>", "https://example.com", false, nil); err == nil {
		t.Error("a bad slug was accepted")
	}
	if _, err := redirectapi.NewItem("docs", "https://other.example", false, &redirectapi.Props{AllowedHosts: jsii.Strings("Example.com")}); err == nil {
		t.Error("a host outside AllowedHosts was accepted")
	}
}

// The page's architecture diagram is this stack's (make diagrams).
func TestDiagram(t *testing.T) {
	assertions.Diagram(t, redirectStack(t), "README.md")
	// The root README shows this one, the smallest, as what a page shows.
	assertions.DiagramBlock(t, redirectStack(t), "../../README.md", "example-diagram")
}
