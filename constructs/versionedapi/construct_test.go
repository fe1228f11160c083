package versionedapi_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/assertions"
	"github.com/blueprints-cdk/blueprints/assertions/local"
	"github.com/blueprints-cdk/blueprints/constructs/golambda"
	"github.com/blueprints-cdk/blueprints/constructs/restapi"
	"github.com/blueprints-cdk/blueprints/constructs/versionedapi"
	"github.com/blueprints-cdk/blueprints/internal/orders"
)

var env = &awscdk.Environment{Region: jsii.String("us-east-1")}

var built *versionedapi.VersionedApi

var storeFront = assertions.Cached(func(app awscdk.App) awscdk.Stack {
	stack := awscdk.NewStack(app, jsii.String("StoreFront"), &awscdk.StackProps{Env: env})
	built = versionedapi.NewVersionedApi(stack, "Orders", &versionedapi.Props{Stages: jsii.Strings("dev", "prod")})
	return stack
})

func TestSuite(t *testing.T) { assertions.Suite(t, storeFront(t)) }

var velocity = sync.OnceValues(local.StartVelocity)

// api runs the synthesized routes with the real handler (or dir's).
func api(t *testing.T, dir string) (*local.RestAPI, string) {
	t.Helper()
	v, err := velocity()
	if err != nil {
		t.Fatal(err)
	}
	r := storeFront(t)
	fn := assertions.LogicalID(built.Function.Function)
	functions := local.StartFunctions(t, r.JSON, map[string]string{fn: dir}, map[string]string{})
	return &local.RestAPI{Template: r.JSON, Refs: map[string]string{}, Velocity: v, Functions: functions}, fn
}

func get(t *testing.T, a *local.RestAPI, path string, query map[string]string) local.HTTPResponse {
	t.Helper()
	resp, err := a.Do(context.Background(), local.HTTPRequest{Method: "GET", Path: path, Query: query})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func q(start, end string) map[string]string { return map[string]string{"start": start, "end": end} }

// The request templates copy start, end and (V2) token only, as JSON
// strings, whatever they hold; a missing start is refused before the call.
func TestRequestTemplates(t *testing.T) {
	a, _ := api(t, "lambda/orders")
	resp := get(t, a, "/v2/orders", q("2015-10-01T00:00:00Z", "2015-10-04T00:00:00Z"))
	var sent map[string]any
	if err := json.Unmarshal([]byte(resp.IntegrationRequest), &sent); err != nil || len(sent) != 2 ||
		sent["start"] != "2015-10-01T00:00:00Z" || sent["end"] != "2015-10-04T00:00:00Z" {
		t.Errorf("sent %s (%v)", resp.IntegrationRequest, err)
	}
	hostile := map[string]string{"start": `a"b\c`, "end": "2015-10-04T00:00:00Z", `x"y`: "1"}
	for _, path := range []string{"/v1/orders", "/v2/orders"} {
		resp := get(t, a, path, hostile)
		sent = nil
		if err := json.Unmarshal([]byte(resp.IntegrationRequest), &sent); err != nil || sent["start"] != `a"b\c` || sent[`x"y`] != nil {
			t.Errorf("%s sent %s (%v)", path, resp.IntegrationRequest, err)
		}
		resp = get(t, a, path, map[string]string{"end": "2015-10-04T00:00:00Z"})
		if resp.Status != 400 || resp.IntegrationRequest != "" || !strings.Contains(resp.Body, "start") {
			t.Errorf("%s without start: %d %s, sent %q", path, resp.Status, resp.Body, resp.IntegrationRequest)
		}
	}
}

func TestV2Pages(t *testing.T) {
	a, _ := api(t, "lambda/orders")
	var page orders.Result
	resp := get(t, a, "/v2/orders", q("2015-10-01T00:00:00Z", "2015-10-04T00:00:00Z"))
	if err := json.Unmarshal([]byte(resp.Body), &page); err != nil || resp.Status != 200 || len(page.Orders) != 3 || page.NextToken != "" {
		t.Errorf("three days: %d %s", resp.Status, resp.Body)
	}
	var sizes []int
	var tokens []string
	query := q("2015-10-01T00:00:00Z", "2015-10-15T00:00:00Z")
	for range 4 {
		resp := get(t, a, "/v2/orders", query)
		page = orders.Result{}
		if err := json.Unmarshal([]byte(resp.Body), &page); err != nil || resp.Status != 200 {
			t.Fatalf("%d %s", resp.Status, resp.Body)
		}
		sizes = append(sizes, len(page.Orders))
		if page.NextToken == "" {
			break
		}
		tokens = append(tokens, page.NextToken)
		query["token"] = page.NextToken
	}
	if len(sizes) != 3 || sizes[0] != 5 || sizes[1] != 5 || sizes[2] != 4 ||
		strings.Join(tokens, " ") != "MjAxNS0xMC0wNlQwMDowMDowMC4wMDBa MjAxNS0xMC0xMVQwMDowMDowMC4wMDBa" {
		t.Errorf("pages %v, tokens %v", sizes, tokens)
	}
	for name, query := range map[string]map[string]string{
		"forged token":  {"start": "2015-10-01T00:00:00Z", "end": "2015-10-15T00:00:00Z", "token": "bm90IGEgZGF0ZQ=="},
		"outside token": {"start": "2015-10-01T00:00:00Z", "end": "2015-10-15T00:00:00Z", "token": "MjAxNS0xMS0wNlQwMDowMDowMC4wMDBa"},
		"equal":         q("2015-10-01T00:00:00Z", "2015-10-01T00:00:00Z"),
		"bad start":     q("yesterday", "2015-10-01T00:00:00Z"),
	} {
		resp := get(t, a, "/v2/orders", query)
		if resp.Status != 400 || !strings.HasPrefix(resp.Body, `{"message":"Invalid parameter`) {
			t.Errorf("%s: %d %s", name, resp.Status, resp.Body)
		}
	}
}

func TestV1KeepsItsContract(t *testing.T) {
	a, _ := api(t, "lambda/orders")
	count := func(body string) int {
		var list []orders.Order
		if err := json.Unmarshal([]byte(body), &list); err != nil {
			return -1
		}
		return len(list)
	}
	for name, c := range map[string]struct {
		start, end string
		orders     int
	}{
		"three days":   {"2015-10-01T00:00:00Z", "2015-10-04T00:00:00Z", 3},
		"five days":    {"2015-10-01T00:00:00Z", "2015-10-06T00:00:00Z", 5},
		"twelve hours": {"2015-10-01T00:00:00Z", "2015-10-01T12:00:00Z", 1},
		"empty range":  {"2015-10-01T00:00:00Z", "2015-10-01T00:00:00Z", 0},
	} {
		resp := get(t, a, "/v1/orders", q(c.start, c.end))
		if resp.Status != 200 || count(resp.Body) != c.orders {
			t.Errorf("%s: %d %s", name, resp.Status, resp.Body)
		}
	}
	for name, c := range map[string][2]string{"fourteen days": {"2015-10-01T00:00:00Z", "2015-10-15T00:00:00Z"},
		"two years": {"2014-01-01T00:00:00Z", "2016-01-01T00:00:00Z"}} {
		resp := get(t, a, "/v1/orders", q(c[0], c[1]))
		if resp.Status != 200 || resp.Body != `{"errorMessage":"`+orders.ErrTooManyResultsV1+`"}` {
			t.Errorf("%s: %d %s", name, resp.Status, resp.Body)
		}
	}
	// V1 never reads token: a forged one changes nothing.
	withToken := q("2015-10-01T00:00:00Z", "2015-10-04T00:00:00Z")
	withToken["token"] = "forged"
	if resp := get(t, a, "/v1/orders", withToken); resp.Status != 200 || count(resp.Body) != 3 || strings.Contains(resp.IntegrationRequest, "token") {
		t.Errorf("V1 with a token: %d %s, sent %s", resp.Status, resp.Body, resp.IntegrationRequest)
	}
	if resp := get(t, a, "/v1/orders", q("yesterday", "2015-10-01T00:00:00Z")); resp.Status != 200 ||
		resp.Body != `{"errorMessage":"Invalid parameter 'start'"}` {
		t.Errorf("V1 bad start: %d %s", resp.Status, resp.Body)
	}
}

// A panic, an error without a message and a function past its timeout are
// JSON 500s on both versions, never a 200.
func TestFailuresAreJSON500s(t *testing.T) {
	a, fn := api(t, "assertions/local/testdata/failing")
	a.Functions[fn].Timeout = 300 * time.Millisecond
	for _, start := range []string{"panic", "empty", "slow"} {
		for _, path := range []string{"/v1/orders", "/v2/orders"} {
			resp := get(t, a, path, q(start, "2015-10-04T00:00:00Z"))
			if resp.Status != 500 || resp.Body != `{"message":"Internal server error"}` {
				t.Errorf("%s %s: %d %s", path, start, resp.Status, resp.Body)
			}
		}
	}
}

// Each stage sets the variable to its alias, the integration URI selects
// the alias by it, and each alias may be invoked by its own stage's two
// routes only.
func TestStageVariablesSelectAliases(t *testing.T) {
	r := storeFront(t)
	for _, m := range assertions.Find(r, "AWS::ApiGateway::Method", map[string]any{"HttpMethod": "GET"}) {
		if uri := assertions.JSON(m["Properties"].(map[string]any)["Integration"].(map[string]any)["Uri"]); !strings.Contains(uri,
			`":${stageVariables.lambdaAlias}/invocations"`) {
			t.Errorf("URI %s", uri)
		}
	}
	stages := map[string]string{}
	for _, s := range assertions.Find(r, "AWS::ApiGateway::Stage", nil) {
		p := s["Properties"].(map[string]any)
		stages[p["StageName"].(string)] = assertions.JSON(p["Variables"])
	}
	if stages["dev"] != `{"lambdaAlias":"dev"}` || stages["prod"] != `{"lambdaAlias":"prod"}` || len(stages) != 2 {
		t.Errorf("stages %v", stages)
	}
	for name, alias := range built.Aliases {
		id := assertions.LogicalID(alias)
		var arns []string
		for _, p := range assertions.Find(r, "AWS::Lambda::Permission", nil) {
			props := p["Properties"].(map[string]any)
			if assertions.JSON(props["FunctionName"]) == `{"Ref":"`+id+`"}` {
				arns = append(arns, assertions.JSON(props["SourceArn"]))
			}
		}
		if len(arns) != 2 || !strings.Contains(arns[0], `/`+name+`/GET/`) || !strings.Contains(arns[1], `/`+name+`/GET/`) {
			t.Errorf("alias %s: permissions %v", name, arns)
		}
	}
}

// Day two: the aliases point at the function's current version, a new
// AWS::Lambda::Version whenever the function changes. The code asset is
// named by its build's inputs, which can change while the binary does not;
// Lambda publishes no version of unchanged code and configuration, so the
// function's environment carries the code's S3 key: a new asset is always a
// new configuration, and the deployment publishes.
func TestEveryNewCodeAssetIsANewConfigurationSoAVersionIsPublished(t *testing.T) {
	r := storeFront(t)
	functions := assertions.Find(r, "AWS::Lambda::Function", nil)
	if len(functions) != 1 {
		t.Fatalf("want one function, got %d", len(functions))
	}
	for _, f := range functions {
		props := f["Properties"].(map[string]any)
		key := props["Code"].(map[string]any)["S3Key"].(string)
		vars := props["Environment"].(map[string]any)["Variables"].(map[string]any)
		if got := vars[golambda.CodeKeyVariable]; got != key || !strings.HasSuffix(key, ".zip") {
			t.Errorf("%s is %v, want the code's S3 key, %s", golambda.CodeKeyVariable, got, key)
		}
	}
	if n := len(assertions.Find(r, "AWS::Lambda::Version", nil)); n != 1 {
		t.Errorf("want the one current version, got %d", n)
	}
}

// ModernV1Errors answers V1's client errors with 400; mounted on an
// existing API with stages, the construct makes the aliases and their
// permissions, and leaves the stage variable to the API's owner.
func TestModernV1ErrorsAndMounting(t *testing.T) {
	v, err := velocity()
	if err != nil {
		t.Fatal(err)
	}
	var mounted *versionedapi.VersionedApi
	r, err := assertions.Synth(func(app awscdk.App) awscdk.Stack {
		stack := awscdk.NewStack(app, jsii.String("Mounted"), &awscdk.StackProps{Env: env})
		api := awsapigateway.NewRestApi(stack, jsii.String("Api"), &awsapigateway.RestApiProps{CloudWatchRole: jsii.Bool(false)})
		api.Root().AddMethod(jsii.String("GET"), awsapigateway.NewMockIntegration(nil), nil)
		mounted = versionedapi.NewVersionedApi(stack, "Orders", &versionedapi.Props{
			Api: &restapi.Mount{ExistingRestApi: api}, ModernV1Errors: jsii.Bool(true), V1Path: jsii.String(""),
			Stages: jsii.Strings("live"), StageVariable: jsii.String("ordersAlias"),
		})
		return stack
	}, assertions.WithoutValidation())
	if err != nil {
		t.Fatal(err)
	}
	if got := len(assertions.Find(r, "AWS::ApiGateway::Stage", map[string]any{"Variables": map[string]any{"ordersAlias": "live"}})); got != 0 {
		t.Error("the construct set a variable on a stage it does not own")
	}
	if _, ok := mounted.Aliases["live"]; !ok || *mounted.V1.Resource().Path() != "/orders" {
		t.Errorf("aliases %v, V1 at %s", mounted.Aliases, *mounted.V1.Resource().Path())
	}
	fn := assertions.LogicalID(mounted.Function.Function)
	functions := local.StartFunctions(t, r.JSON, map[string]string{fn: "lambda/orders"}, map[string]string{})
	a := &local.RestAPI{Template: r.JSON, Refs: map[string]string{}, Velocity: v, Functions: functions}
	if resp := get(t, a, "/orders", q("2015-10-01T00:00:00Z", "2015-10-15T00:00:00Z")); resp.Status != 400 ||
		resp.Body != `{"message":"`+orders.ErrTooManyResultsV1+`"}` {
		t.Errorf("modern V1, fourteen days: %d %s", resp.Status, resp.Body)
	}
	if resp := get(t, a, "/orders", q("yesterday", "2015-10-15T00:00:00Z")); resp.Status != 400 || resp.Body != `{"message":"Invalid parameter 'start'"}` {
		t.Errorf("modern V1, bad start: %d %s", resp.Status, resp.Body)
	}
}

// The page's architecture diagram is this stack's (make diagrams).
func TestDiagram(t *testing.T) { assertions.Diagram(t, storeFront(t), "README.md") }
