package local_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/blueprints-cdk/blueprints/assertions/local"
)

var velocity *local.Velocity

func TestMain(m *testing.M) {
	v, err := local.StartVelocity()
	if err != nil {
		println("starting the Velocity renderer:", err.Error())
		os.Exit(1)
	}
	velocity = v
	code := m.Run()
	if err := v.Close(); err != nil {
		println("stopping the Velocity renderer:", err.Error())
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

func render(t *testing.T, tpl string, req local.Request) local.Rendered {
	t.Helper()
	r, err := velocity.Render(tpl, req)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// The AWS reference: escapeJavaScript follows JavaScript string rules, so it
// also turns ' into \', which is not valid JSON.
func TestEscapeJavaScriptFollowsJavaScriptStringRules(t *testing.T) {
	cases := map[string]string{
		`plain`:       `plain`,
		`it's`:        `it\'s`,
		`say "hi"`:    `say \"hi\"`,
		`back\slash`:  `back\\slash`,
		"a/b":         `a\/b`,
		"new\nline\t": `new\nline\t`,
		"\x01":        `\u0001`,
		"é€":          `\u00E9\u20AC`,
		"😀":           `\uD83D\uDE00`,
	}
	for in, want := range cases {
		got := render(t, `$util.escapeJavaScript($input.path('$.v'))`, local.Request{Body: jsonBody(in)}).Output
		if got != want {
			t.Errorf("escapeJavaScript(%q) = %q, want %q", in, got, want)
		}
	}
}

// The documented idiom .replaceAll("\\'","'") runs Java's regex replaceAll,
// which makes any string a valid JSON string body.
func TestEscapeThenReplaceAllGivesValidJSONForHostileStrings(t *testing.T) {
	tpl := `{"v":"$util.escapeJavaScript($input.path('$.v')).replaceAll("\\'","'")"}`
	for _, in := range []string{
		`'`, `\'`, `\\'`, `"},"x":{"S":"y`, "$context.requestId", "#set($x = 1)",
		"\u2028\u2029", "\x00\x1f", "ünïcødé 日本 😀", `\u0041`, "</script>",
	} {
		out := render(t, tpl, local.Request{Body: jsonBody(in)}).Output
		var got struct{ V string }
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Errorf("%q rendered to invalid JSON %s: %v", in, out, err)
			continue
		}
		if got.V != in {
			t.Errorf("%q came back as %q", in, got.V)
		}
	}
}

func TestInputParamsSearchesPathThenQueryThenHeader(t *testing.T) {
	req := local.Request{
		Path:        map[string]string{"id": "from-path"},
		Querystring: map[string]string{"id": "from-query", "q": "query"},
		Header:      map[string]string{"q": "header", "h": "header"},
	}
	got := render(t, `$input.params('id') $input.params('q') $input.params('h') [$input.params('none')] $input.params().path.get('id')`, req).Output
	if want := `from-path query header [] from-path`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestResponseOverrideAndContext(t *testing.T) {
	r := render(t, `#set($context.responseOverride.status = 429)#set($context.responseOverride.header.Retry-After = "1")$context.requestId`,
		local.Request{Context: map[string]any{"requestId": "abc"}})
	if r.Status != 429 || r.Headers["Retry-After"] != "1" || r.Output != "abc" {
		t.Errorf("got %+v", r)
	}
}

func TestForeachOverJSONAndQuietReferences(t *testing.T) {
	body := `{"Items":[{"a":{"S":"1"}},{"b":{"S":"2"}}]}`
	got := render(t, `#foreach($e in $input.path('$.Items'))[$!e.a.S]#if($foreach.hasNext),#end#end`, local.Request{Body: body}).Output
	if got != "[1],[]" {
		t.Errorf("got %q", got)
	}
}

func TestBadTemplateAndBadBodyAreErrors(t *testing.T) {
	if _, err := velocity.Render(`#foreach(`, local.Request{}); err == nil {
		t.Error("want an error for a template that does not parse")
	}
	_, err := velocity.Render(`$input.path('$.a')`, local.Request{Body: "{not json"})
	if err == nil || !strings.Contains(err.Error(), "Could not parse request body") {
		t.Errorf("want API Gateway's parse error, got %v", err)
	}
}

func TestDynaliteServesTheDynamoDBAPI(t *testing.T) {
	d := local.StartDynalite(t)
	if !strings.HasPrefix(d.Endpoint, "http://127.0.0.1:") {
		t.Fatalf("endpoint %s is not on loopback", d.Endpoint)
	}
	status, body, err := d.Call(context.Background(), "ListTables", []byte(`{}`))
	if err != nil || status != 200 || !strings.Contains(string(body), `"TableNames":[]`) {
		t.Fatalf("ListTables: %d %s %v", status, body, err)
	}
	status, body, _ = d.Call(context.Background(), "PutItem", []byte(`{"TableName":"missing","Item":{"k":{"S":"v"}}}`))
	if status != 400 || !strings.Contains(string(body), "ResourceNotFoundException") {
		t.Errorf("PutItem on a missing table: %d %s", status, body)
	}
}

func TestValidateJSONSubset(t *testing.T) {
	schema := map[string]any{
		"type": "object", "required": []any{"a"}, "additionalProperties": false,
		"properties": map[string]any{"a": map[string]any{"type": "string", "minLength": 1.0, "maxLength": 3.0}},
	}
	for body, ok := range map[string]bool{
		`{"a":"x"}`: true, `{"a":"日本語"}`: true, `{"a":""}`: false, `{"a":"long"}`: false,
		`{"a":1}`: false, `{}`: false, `{"a":"x","b":1}`: false, `[1]`: false, `nope`: false,
	} {
		if err := local.ValidateJSON(schema, []byte(body)); (err == nil) != ok {
			t.Errorf("%s: valid=%v, want %v (%v)", body, err == nil, ok, err)
		}
	}
	if err := local.ValidateJSON(map[string]any{"oneOf": []any{}}, []byte(`{}`)); err == nil {
		t.Error("an unsupported keyword must be an error")
	}
}

func TestResolveIntrinsics(t *testing.T) {
	v := map[string]any{"Fn::Join": []any{"", []any{
		"arn:", map[string]any{"Ref": "AWS::Partition"},
		":apigateway:", map[string]any{"Ref": "AWS::Region"},
		":dynamodb:action/", map[string]any{"Fn::GetAtt": []any{"T", "Arn"}},
	}}}
	got, err := local.Resolve(v, map[string]string{"T.Arn": "x"})
	if err != nil || got != "arn:aws:apigateway:us-east-1:dynamodb:action/x" {
		t.Errorf("got %q, %v", got, err)
	}
	if _, err := local.Resolve(map[string]any{"Ref": "Unknown"}, nil); err == nil {
		t.Error("want an error for an unknown Ref")
	}
	// CDK writes a VPC's zones in an environment-agnostic stack as
	// Fn::Select over Fn::GetAZs.
	zone := map[string]any{"Fn::Select": []any{float64(1), map[string]any{"Fn::GetAZs": ""}}}
	if got, err := local.Resolve(zone, nil); err != nil || got != "us-east-1b" {
		t.Errorf("the second zone: %q, %v", got, err)
	}
	literal := map[string]any{"Fn::Select": []any{"0", []any{map[string]any{"Ref": "R"}, "b"}}}
	if got, err := local.Resolve(literal, map[string]string{"R": "a"}); err != nil || got != "a" {
		t.Errorf("a literal list: %q, %v", got, err)
	}
	for _, bad := range []any{
		map[string]any{"Fn::Select": []any{float64(3), map[string]any{"Fn::GetAZs": ""}}},
		map[string]any{"Fn::Select": []any{"x", []any{"a"}}},
		map[string]any{"Fn::Select": []any{float64(0), map[string]any{"Fn::Split": []any{",", "a,b"}}}},
	} {
		if got, err := local.Resolve(bad, nil); err == nil {
			t.Errorf("%v resolved to %q, want an error", bad, got)
		}
	}
}

func jsonBody(v string) string {
	b, _ := json.Marshal(map[string]string{"v": v})
	return string(b)
}
