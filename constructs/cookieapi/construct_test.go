package cookieapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/assertions"
	"github.com/blueprints-cdk/blueprints/constructs/cookieapi"
	"github.com/blueprints-cdk/blueprints/constructs/golambda"
)

var defaultApi *cookieapi.CookieApi // built by cookies

var cookies = assertions.Cached(func(app awscdk.App) awscdk.Stack {
	stack := awscdk.NewStack(app, jsii.String("CookieApiDefault"), nil)
	defaultApi = cookieapi.NewCookieApi(stack, "Cookies", nil)
	return stack
})

var custom = assertions.Cached(func(app awscdk.App) awscdk.Stack {
	stack := awscdk.NewStack(app, jsii.String("CookieApiCustom"), nil)
	cookieapi.NewCookieApi(stack, "Cookies", &cookieapi.Props{
		AllowProfile:  jsii.Bool(false),
		CookieName:    jsii.String("session"),
		Domain:        jsii.String("my.domain"),
		Lifetime:      awscdk.Duration_Hours(jsii.Number(12)),
		SameSite:      jsii.String("Strict"),
		MethodOptions: &awsapigateway.MethodOptions{ApiKeyRequired: jsii.Bool(true), AuthorizationType: awsapigateway.AuthorizationType_IAM},
	})
	return stack
})

func method(t *testing.T, r *assertions.Result, verb, pathPart string) map[string]any {
	t.Helper()
	resource := assertions.OnlyLogicalID(t, r, "AWS::ApiGateway::Resource", map[string]any{"PathPart": pathPart})
	return assertions.OnlyProperties(t, r, "AWS::ApiGateway::Method", map[string]any{"HttpMethod": verb, "ResourceId": map[string]any{"Ref": resource}})
}

func TestCookieRouteMapsTheResultsCookieToSetCookie(t *testing.T) {
	m := method(t, cookies(t), "GET", "cookie")
	integ := m["Integration"].(map[string]any)
	if integ["Type"] != "AWS" || integ["PassthroughBehavior"] != "NEVER" {
		t.Errorf("want a non-proxy Lambda integration, got %v %v", integ["Type"], integ["PassthroughBehavior"])
	}
	ok := integ["IntegrationResponses"].([]any)[0].(map[string]any)
	if ok["StatusCode"] != "200" || ok["ResponseParameters"].(map[string]any)["method.response.header.Set-Cookie"] != "integration.response.body.Cookie" {
		t.Errorf("200 response: %v", ok)
	}
	body := ok["ResponseTemplates"].(map[string]any)["application/json"].(string)
	if strings.Contains(body, "$input") || strings.Contains(body, "Cookie") {
		t.Errorf("the body template must keep the cookie out of the body, got %q", body)
	}
	fail := integ["IntegrationResponses"].([]any)[1].(map[string]any)
	if fail["SelectionPattern"] != `[\s\S]+` || fail["StatusCode"] != "500" {
		t.Errorf("a function error must be a 500: %v", fail)
	}
}

func TestCookieMethodDeclaresSetCookie(t *testing.T) {
	m := method(t, cookies(t), "GET", "cookie")
	resp := m["MethodResponses"].([]any)[0].(map[string]any)
	if resp["StatusCode"] != "200" || resp["ResponseParameters"].(map[string]any)["method.response.header.Set-Cookie"] != true {
		t.Errorf("200 method response: %v", resp)
	}
}

func TestProfileRoutesUseLambdaProxyIntegration(t *testing.T) {
	r := cookies(t)
	for _, verb := range []string{"GET", "POST"} {
		integ := method(t, r, verb, "profile")["Integration"].(map[string]any)
		if integ["Type"] != "AWS_PROXY" || integ["IntegrationHttpMethod"] != "POST" {
			t.Errorf("%s /profile: want AWS_PROXY, got %v", verb, integ["Type"])
		}
	}
	post := method(t, r, "POST", "profile")
	if post["RequestModels"] == nil || post["RequestValidatorId"] == nil {
		t.Errorf("POST /profile must validate its body: %v", post)
	}
	model := assertions.OnlyProperties(t, r, "AWS::ApiGateway::Model", nil)["Schema"].(map[string]any)
	if fmt.Sprint(model["required"]) != "[language theme]" || model["additionalProperties"] != false {
		t.Errorf("profile model: %v", model)
	}
}

func TestHandlersGetTheCookieAttributesAsEnvironment(t *testing.T) {
	r := cookies(t)
	fn := assertions.Find(r, "AWS::Lambda::Function", nil)[assertions.LogicalID(defaultApi.CookieFunction.Function)]["Properties"].(map[string]any)
	want := map[string]any{"Variables": map[string]any{
		"COOKIE_NAME": "myCookie", "COOKIE_LIFETIME_SECONDS": "31536000", "COOKIE_SECURE": "true",
		"COOKIE_HTTP_ONLY": "true", "COOKIE_SAME_SITE": "Lax", "COOKIE_PATH": "/",
	}}
	if d := assertions.Diff(want, fn["Environment"]); len(d) > 0 {
		t.Errorf("the cookie handler's environment: %v", d)
	}
	assertions.HasResourceProperties(t, custom(t), "AWS::Lambda::Function", map[string]any{
		"Environment": map[string]any{"Variables": map[string]any{
			"COOKIE_NAME": "session", "COOKIE_DOMAIN": "my.domain", "COOKIE_LIFETIME_SECONDS": "43200", "COOKIE_SECURE": "true",
			"COOKIE_HTTP_ONLY": "true", "COOKIE_SAME_SITE": "Strict", "COOKIE_PATH": "/",
		}},
	})
}

func TestHandlersAreGoOnArm64WithTracingAndTheirOwnLogs(t *testing.T) {
	r := cookies(t)
	assertions.ResourceCountIs(t, r, "AWS::Lambda::Function", 2)
	for id, f := range assertions.Find(r, "AWS::Lambda::Function", nil) {
		p := f["Properties"].(map[string]any)
		if p["Runtime"] != "provided.al2023" || fmt.Sprint(p["Architectures"]) != "[arm64]" || p["Handler"] != "bootstrap" ||
			fmt.Sprint(p["TracingConfig"]) != "map[Mode:Active]" {
			t.Errorf("%s: %v %v %v", id, p["Runtime"], p["Architectures"], p["TracingConfig"])
		}
	}
	assertions.ResourceCountIs(t, r, "AWS::Logs::LogGroup", 3) // two functions and the access logs
}

// Each role may write its own log group and send traces, and nothing else.
func TestEachLambdaRoleMayOnlyWriteItsOwnLogs(t *testing.T) {
	r := cookies(t)
	for _, fn := range []*golambda.Function{defaultApi.CookieFunction, defaultApi.ProfileFunction} {
		f := assertions.Find(r, "AWS::Lambda::Function", nil)[assertions.LogicalID(fn.Function)]["Properties"].(map[string]any)
		role := f["Role"].(map[string]any)["Fn::GetAtt"].([]any)[0]
		logs := f["LoggingConfig"].(map[string]any)["LogGroup"].(map[string]any)["Ref"]
		policy := assertions.OnlyProperties(t, r, "AWS::IAM::Policy", map[string]any{"Roles": []any{map[string]any{"Ref": role}}})
		want := []any{
			map[string]any{
				"Action": []any{"logs:CreateLogStream", "logs:PutLogEvents"}, "Effect": "Allow",
				"Resource": map[string]any{"Fn::GetAtt": []any{logs, "Arn"}},
			},
			map[string]any{"Action": []any{"xray:PutTelemetryRecords", "xray:PutTraceSegments"}, "Effect": "Allow", "Resource": "*"},
		}
		if d := assertions.Diff(want, policy["PolicyDocument"].(map[string]any)["Statement"]); len(d) > 0 {
			t.Errorf("%s: %v", *fn.Node().Path(), d)
		}
		rp := assertions.Find(r, "AWS::IAM::Role", nil)[role.(string)]["Properties"].(map[string]any)
		if rp["ManagedPolicyArns"] != nil || rp["Policies"] != nil {
			t.Errorf("%s: the role has more policies: %v", *fn.Node().Path(), rp)
		}
	}
}

func TestMethodOptionsApplyToEveryRoute(t *testing.T) {
	m := method(t, custom(t), "GET", "cookie")
	if m["ApiKeyRequired"] != true || m["AuthorizationType"] != "AWS_IAM" {
		t.Errorf("got %v %v", m["ApiKeyRequired"], m["AuthorizationType"])
	}
	assertions.ResourceCountIs(t, custom(t), "AWS::Lambda::Function", 1)
}

func TestInvalidPropsFailWithAMessageNamingThem(t *testing.T) {
	cases := map[string]struct {
		props *cookieapi.Props
		want  string
	}{
		"bad name":            {&cookieapi.Props{CookieName: jsii.String("my cookie")}, "Props.CookieName"},
		"lifetime":            {&cookieapi.Props{Lifetime: awscdk.Duration_Millis(jsii.Number(500))}, "Props.Lifetime"},
		"same site":           {&cookieapi.Props{SameSite: jsii.String("Loose")}, "Props.SameSite"},
		"none without secure": {&cookieapi.Props{SameSite: jsii.String("None"), Secure: jsii.Bool(false)}, "Props.SameSite None needs Props.Secure true"},
		"domain":              {&cookieapi.Props{Domain: jsii.String("a.com; HttpOnly")}, "Props.Domain"},
		"no route":            {&cookieapi.Props{AllowCookie: jsii.Bool(false), AllowProfile: jsii.Bool(false)}, "no route"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			stack := awscdk.NewStack(assertions.NewApp(), jsii.String("S"), nil)
			assertions.PanicsWith(t, func() { cookieapi.NewCookieApi(stack, "Bad", c.props) }, c.want, `"Bad"`)
		})
	}
}

func TestSuite(t *testing.T) {
	assertions.Suite(t, cookies(t))
}

func TestCustomSuite(t *testing.T) {
	assertions.Suite(t, custom(t))
}

// The page's architecture diagram is this stack's (make diagrams).
func TestDiagram(t *testing.T) { assertions.Diagram(t, cookies(t), "README.md") }
