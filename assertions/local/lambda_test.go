package local_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/blueprints-cdk/blueprints/assertions/local"
)

// lambdaAPI is testdata/lambda-api.json, POST /fn on a Lambda non-proxy
// integration, with testdata/fn as the function: a real aws-lambda-go
// binary under the local Runtime API.
func lambdaAPI(t *testing.T) *local.RestAPI {
	t.Helper()
	b, err := os.ReadFile("testdata/lambda-api.json")
	if err != nil {
		t.Fatal(err)
	}
	var tpl map[string]any
	if err := json.Unmarshal(b, &tpl); err != nil {
		t.Fatal(err)
	}
	fn := local.StartFunction(t, "assertions/local/testdata/fn", nil)
	return &local.RestAPI{Template: tpl, Velocity: velocity, Functions: map[string]*local.Function{"Fn": fn}}
}

func call(t *testing.T, api *local.RestAPI, event map[string]any) local.HTTPResponse {
	t.Helper()
	b, err := json.Marshal(event)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := api.Do(context.Background(), local.HTTPRequest{Method: "POST", Path: "/fn", Body: string(b)})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// A success is matched as the empty string: [\s\S]+ does not catch it, so
// the default response maps body.Cookie to Set-Cookie and renders the body.
func TestALambdaSuccessTakesTheDefaultResponseWithItsHeaderMappings(t *testing.T) {
	resp := call(t, lambdaAPI(t), map[string]any{"mode": "ok"})
	if resp.Status != 200 || resp.Body != `{"mode":"ok","n":7}` {
		t.Errorf("got %d %s", resp.Status, resp.Body)
	}
	if resp.Headers["Set-Cookie"] != "id=abc; Path=/" || resp.Headers["Cache-Control"] != "no-store" {
		t.Errorf("headers %v", resp.Headers)
	}
}

// A pattern that matches "" catches successes too ("Handle Lambda errors in
// API Gateway": a success has no errorMessage to match).
func TestAPatternThatMatchesTheEmptyStringCatchesSuccesses(t *testing.T) {
	api := lambdaAPI(t)
	responses := integrationResponses(api)
	responses[2].(map[string]any)["SelectionPattern"] = ".*"
	if resp := call(t, api, map[string]any{"mode": "ok"}); resp.Status != 500 {
		t.Errorf("with .*, a success is a 500: got %d %s", resp.Status, resp.Body)
	}
}

// Patterns match the whole errorMessage, and "." matches no newline, as
// Java's Pattern.matches: ".+" misses a two-line message, which then takes
// the default (200) response; [\s\S]+ catches it.
func TestPatternsMatchTheWholeMultiLineErrorMessage(t *testing.T) {
	api := lambdaAPI(t)
	resp := call(t, api, map[string]any{"mode": "error", "message": "first line\nsecond line"})
	if resp.Status != 500 || !strings.Contains(resp.Body, `"type":"errorString"`) || resp.Headers["X-Error"] != "Unhandled" {
		t.Errorf("[\\s\\S]+ must catch a multi-line error: got %d %s %v", resp.Status, resp.Body, resp.Headers)
	}
	integrationResponses(api)[2].(map[string]any)["SelectionPattern"] = ".+"
	if resp := call(t, api, map[string]any{"mode": "error", "message": "first line\nsecond line"}); resp.Status != 200 {
		t.Errorf(".+ misses a multi-line error, which takes the default response: got %d %s", resp.Status, resp.Body)
	}
	if resp := call(t, api, map[string]any{"mode": "error", "message": "Bad input: the name"}); resp.Status != 400 ||
		resp.Body != `{"message":"Bad input: the name"}` {
		t.Errorf("Bad input:.* must select the 400: got %d %s", resp.Status, resp.Body)
	}
	// A message that only contains the pattern does not match it.
	integrationResponses(api)[2].(map[string]any)["SelectionPattern"] = "Internal.*"
	if resp := call(t, api, map[string]any{"mode": "error", "message": "Oops. Bad input: x"}); resp.Status != 200 {
		t.Errorf("a partial match is no match: got %d %s", resp.Status, resp.Body)
	}
}

// The error payload comes from the runtime's own invoke loop: a panic is
// recovered into errorType with the Go type name.
func TestAPanicIsAnErrorOfTheRuntimesMaking(t *testing.T) {
	resp := call(t, lambdaAPI(t), map[string]any{"mode": "panic", "message": "boom"})
	if resp.Status != 500 || !strings.Contains(resp.IntegrationBody, `"errorMessage":"boom"`) ||
		!strings.Contains(resp.IntegrationBody, `"errorType":"string"`) {
		t.Errorf("got %d %s (the function said %s)", resp.Status, resp.Body, resp.IntegrationBody)
	}
}

// Past the integration timeout the answer is INTEGRATION_TIMEOUT's 504,
// whatever the patterns say, and the next request gets a fresh process.
func TestAFunctionPastTheIntegrationTimeoutIsA504(t *testing.T) {
	api := lambdaAPI(t)
	api.Template["Resources"].(map[string]any)["Post"].(map[string]any)["Properties"].(map[string]any)["Integration"].(map[string]any)["TimeoutInMillis"] = 200.0
	start := time.Now()
	resp := call(t, api, map[string]any{"mode": "sleep", "sleepMs": 5000})
	if resp.Status != 504 || resp.Body != `{"message":"Endpoint request timed out","type":"INTEGRATION_TIMEOUT","unknown":""}` {
		t.Errorf("got %d %s", resp.Status, resp.Body)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the timeout took %v", d)
	}
	if resp := call(t, api, map[string]any{"mode": "ok"}); resp.Status != 200 {
		t.Errorf("after a timeout: got %d %s", resp.Status, resp.Body)
	}
}

// A process that exits mid-invocation is Lambda's Runtime.ExitError.
func TestAProcessThatExitsIsARuntimeExitError(t *testing.T) {
	resp := call(t, lambdaAPI(t), map[string]any{"mode": "exit"})
	if resp.Status != 500 || !strings.Contains(resp.Body, `"type":"Runtime.ExitError"`) ||
		!strings.Contains(resp.IntegrationBody, "Runtime exited with error: exit status 3") {
		t.Errorf("got %d %s", resp.Status, resp.Body)
	}
}

func integrationResponses(api *local.RestAPI) []any {
	post := api.Template["Resources"].(map[string]any)["Post"].(map[string]any)["Properties"].(map[string]any)
	return post["Integration"].(map[string]any)["IntegrationResponses"].([]any)
}

// A type without a gateway response of its own takes DEFAULT_4XX or
// DEFAULT_5XX, and the template is substituted, not run.
func TestGatewayResponsesFallBackToTheDefaultsAndAreSubstituted(t *testing.T) {
	api := lambdaAPI(t)
	resp, err := api.Do(context.Background(), local.HTTPRequest{Method: "POST", Path: "/fn", ContentType: "text/plain", Body: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 415 || resp.Body != `{"message":"Unsupported Media Type","type":"UNSUPPORTED_MEDIA_TYPE"}` {
		t.Errorf("got %d %s", resp.Status, resp.Body)
	}
}

func TestSubstituteRunsNoVelocity(t *testing.T) {
	vars := map[string]any{"context": map[string]any{"error": map[string]any{"messageString": `"Invalid request body"`}}}
	tpl := `#if($context.error.messageString){"message":$context.error.messageString,"e":"$util.escapeJavaScript($input.body)"}#end`
	want := `#if("Invalid request body"){"message":"Invalid request body","e":"$util.escapeJavaScript($input.body)"}#end`
	if got := local.Substitute(tpl, vars); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// Overriding the status twice is a 5XX ("Overrides are final").
func TestOverridingTheStatusTwiceIsA500(t *testing.T) {
	api := lambdaAPI(t)
	ok := integrationResponses(api)[0].(map[string]any)
	ok["ResponseTemplates"] = map[string]any{"application/json": `#set($context.responseOverride.status = 400)#set($context.responseOverride.status = 404){}`}
	resp := call(t, api, map[string]any{"mode": "ok"})
	if resp.Status != 500 || resp.Body != `{"message":"Internal server error","type":"DEFAULT_5XX","unknown":""}` {
		t.Errorf("got %d %s", resp.Status, resp.Body)
	}
	ok["ResponseTemplates"] = map[string]any{"application/json": `#set($s = 400)#set($s = 404)#set($context.responseOverride.status = $s){}`}
	if resp := call(t, api, map[string]any{"mode": "ok"}); resp.Status != 404 {
		t.Errorf("one override, at the end: got %d %s", resp.Status, resp.Body)
	}
}

func TestAnEmptyBodyIsAnEmptyObjectToTemplates(t *testing.T) {
	r := render(t, `$input.body|$input.json('$')|$!input.path('$.a')`, local.Request{Body: ""})
	if r.Output != `{}|{}|` {
		t.Errorf("got %q", r.Output)
	}
}

// A function whose own timeout is shorter than the integration's ends in a
// function error, which the selection patterns see, not in a 504.
func TestAFunctionPastItsOwnTimeoutIsAFunctionError(t *testing.T) {
	api := lambdaAPI(t)
	api.Functions["Fn"].Timeout = 200 * time.Millisecond
	resp := call(t, api, map[string]any{"mode": "sleep", "sleepMs": 5000})
	if resp.Status != 500 || !strings.Contains(resp.IntegrationBody, "Task timed out after 0.20 seconds") {
		t.Errorf("got %d %s (%s)", resp.Status, resp.Body, resp.IntegrationBody)
	}
}
