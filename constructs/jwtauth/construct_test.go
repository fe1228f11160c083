package jwtauth_test

import (
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	cdkassertions "github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/assertions"
	"github.com/blueprints-cdk/blueprints/constructs/jwtauth"
	"github.com/blueprints-cdk/blueprints/constructs/restapi"
	"github.com/blueprints-cdk/blueprints/internal/nag"
)

var env = &awscdk.Environment{Region: jsii.String("us-east-1")}

var built *jwtauth.JwtAuthorizer // by guarded

// guarded is a REST API whose POST /users/{id} the authorizer guards.
func guardedStack(props *jwtauth.Props) func(app awscdk.App) awscdk.Stack {
	return func(app awscdk.App) awscdk.Stack {
		stack := awscdk.NewStack(app, jsii.String("JwtAuth"), &awscdk.StackProps{Env: env})
		built = jwtauth.NewJwtAuthorizer(stack, "Jwt", props)
		api := restapi.New(stack, "Api", nil, false)
		nag.Suppress(api.RestApi, "AwsSolutions-APIG2", "The test API's one mock method reads no request input to validate")
		opts := built.MethodOptions()
		opts.MethodResponses = &[]*awsapigateway.MethodResponse{{StatusCode: jsii.String("200")}}
		m := api.Parent.AddResource(jsii.String("users"), nil).AddResource(jsii.String("{id}"), nil).AddMethod(jsii.String("POST"),
			awsapigateway.NewMockIntegration(&awsapigateway.IntegrationOptions{
				RequestTemplates:     &map[string]*string{"application/json": jsii.String(`{"statusCode": 200}`)},
				IntegrationResponses: &[]*awsapigateway.IntegrationResponse{{StatusCode: jsii.String("200")}},
			}), opts)
		nag.SuppressAuth(m, opts)
		return stack
	}
}

var guarded = assertions.Cached(guardedStack(&jwtauth.Props{GenerateSecret: jsii.Bool(true)}))

func TestSuite(t *testing.T) { assertions.Suite(t, guarded(t)) }

// The authorizer resource: TOKEN, from the Authorization header, with the
// bearer shape checked before the function runs, and the 300 s cache.
func TestTheAuthorizerGuardsTheMethod(t *testing.T) {
	r := guarded(t)
	a := assertions.OnlyProperties(t, r, "AWS::ApiGateway::Authorizer", nil)
	if a["Type"] != "TOKEN" || a["IdentitySource"] != "method.request.header.Authorization" ||
		a["IdentityValidationExpression"] != jwtauth.ValidationRegex || a["AuthorizerResultTtlInSeconds"] != 300.0 {
		t.Errorf("authorizer: %s", assertions.JSON(a))
	}
	m := assertions.OnlyProperties(t, r, "AWS::ApiGateway::Method", map[string]any{"HttpMethod": "POST"})
	authorizer := assertions.OnlyLogicalID(t, r, "AWS::ApiGateway::Authorizer", nil)
	if m["AuthorizationType"] != "CUSTOM" || assertions.JSON(m["AuthorizerId"]) != `{"Ref":"`+authorizer+`"}` {
		t.Errorf("method: %s", assertions.JSON(m))
	}
}

// The generated HMAC key carries 512 bits, 86 letters and digits, enough
// for HS512 (RFC 7518 §3.2), whatever the algorithms: a change of
// Algorithms must not change GenerateSecretString, which makes
// CloudFormation generate a new key and breaks every token. It is retained.
func TestTheGeneratedSecretCarriesTheHashsBits(t *testing.T) {
	secret := assertions.Find(guarded(t), "AWS::SecretsManager::Secret", nil)
	for _, res := range secret {
		s := res["Properties"].(map[string]any)["GenerateSecretString"].(map[string]any)
		if s["PasswordLength"] != 86.0 || s["ExcludePunctuation"] != true || res["DeletionPolicy"] != "Retain" {
			t.Errorf("secret: %s", assertions.JSON(res))
		}
	}
	r, err := assertions.Synth(guardedStack(&jwtauth.Props{GenerateSecret: jsii.Bool(true), Algorithms: jsii.Strings("HS256", "HS512")}),
		assertions.WithoutValidation())
	if err != nil {
		t.Fatal(err)
	}
	if got := assertions.OnlyProperties(t, r, "AWS::SecretsManager::Secret", nil)["GenerateSecretString"]; assertions.JSON(got) !=
		assertions.JSON(assertions.OnlyProperties(t, guarded(t), "AWS::SecretsManager::Secret", nil)["GenerateSecretString"]) {
		t.Errorf("adding HS512 changes GenerateSecretString: %s", assertions.JSON(got))
	}
}

// The function may read that one secret's value, and nothing else beyond
// its logs and traces; with a JWKS it reads no secret at all.
func TestTheOnlyGrantIsGetSecretValueOnTheSecret(t *testing.T) {
	r := guarded(t)
	role := assertions.LogicalID(built.Function.Role)
	var got []string
	for _, st := range assertions.RoleStatements(r, role) {
		a := assertions.JSON(st["Action"])
		if strings.Contains(a, "secretsmanager") {
			got = append(got, a+" on "+assertions.JSON(st["Resource"]))
		}
	}
	want := []string{`"secretsmanager:GetSecretValue" on {"Ref":"` + assertions.LogicalID(built.GeneratedSecret) + `"}`}
	sort.Strings(got)
	if !slices.Equal(got, want) {
		t.Errorf("secret grants %v, want %v", got, want)
	}
	fn := assertions.Find(r, "AWS::Lambda::Function", nil)[assertions.LogicalID(built.Function.Function)]
	vars := assertions.JSON(fn["Properties"].(map[string]any)["Environment"])
	for _, want := range []string{`"KEY_SOURCE":"secret"`, `"ALGORITHMS":"HS256"`, `"SECRET_ARN":{"Ref":"`} {
		if !strings.Contains(vars, want) {
			t.Errorf("environment %s lacks %s", vars, want)
		}
	}
	jwks, err := assertions.Synth(guardedStack(&jwtauth.Props{JwksUrl: jsii.String("https://issuer.example.com/.well-known/jwks.json"),
		Algorithms: jsii.Strings("RS256", "ES256"), Issuer: jsii.String("https://issuer.example.com/"), Audience: jsii.String("api")}),
		assertions.WithoutValidation())
	if err != nil {
		t.Fatal(err)
	}
	assertions.ResourceCountIs(t, jwks, "AWS::SecretsManager::Secret", 0)
	if s := assertions.JSON(jwks.JSON); strings.Contains(s, "secretsmanager:") {
		t.Error("a JWKS authorizer is granted Secrets Manager actions")
	}
}

func TestInvalidPropsFailWithAClearMessage(t *testing.T) {
	for name, c := range map[string]struct {
		props *jwtauth.Props
		want  string
	}{
		"no source": {&jwtauth.Props{}, "pass exactly one key source"},
		"two":       {&jwtauth.Props{GenerateSecret: jsii.Bool(true), JwksUrl: jsii.String("https://x/jwks")}, "[Props.GenerateSecret Props.JwksUrl]"},
		"http jwks": {&jwtauth.Props{JwksUrl: jsii.String("http://x/jwks"), Issuer: jsii.String("https://x/")}, "must be an https URL"},
		"confusion": {&jwtauth.Props{JwksUrl: jsii.String("https://x/jwks"), Issuer: jsii.String("https://x/"), Algorithms: jsii.Strings("HS256")},
			`"HS256" is not one of`},
		"no issuer": {&jwtauth.Props{JwksUrl: jsii.String("https://x/jwks")}, "Props.Issuer is required with Props.JwksUrl"},
		"big jwks": {&jwtauth.Props{Jwks: jsii.String(`{"keys":[{"kty":"RSA","n":"` + strings.Repeat("A", 4000) + `","e":"AQAB"}]}`)},
			"Lambda allows 4 KB in all"},
		"hmac rs":    {&jwtauth.Props{GenerateSecret: jsii.Bool(true), Algorithms: jsii.Strings("RS256")}, `"RS256" is not one of`},
		"none":       {&jwtauth.Props{GenerateSecret: jsii.Bool(true), Algorithms: jsii.Strings("none")}, `"none" is not one of`},
		"bad inline": {&jwtauth.Props{Jwks: jsii.String(`{"keys":[]}`)}, "JWKS must be a JWKS"},
		"ttl":        {&jwtauth.Props{GenerateSecret: jsii.Bool(true), CacheTtl: awscdk.Duration_Hours(jsii.Number(2))}, "Props.CacheTtl 7200 s"},
		"rule": {&jwtauth.Props{GenerateSecret: jsii.Bool(true), Rules: &[]jwtauth.Rule{{Scope: "users", Allow: []string{"GET users"}}}},
			`route "GET users" must be "METHOD /path"`},
		"identity": {&jwtauth.Props{GenerateSecret: jsii.Bool(true), IdentitySource: jsii.String("method.request.querystring.token")},
			"Props.IdentitySource"},
	} {
		t.Run(name, func(t *testing.T) {
			stack := awscdk.NewStack(assertions.NewApp(), jsii.String("S"), &awscdk.StackProps{Env: env})
			assertions.PanicsWith(t, func() { jwtauth.NewJwtAuthorizer(stack, "Bad", c.props) }, c.want, `"Bad"`)
		})
	}
}

// An existing secret imported by name is granted with the six characters
// Secrets Manager appends to its ARN; one encrypted with a customer-managed
// key also gets kms:Decrypt, through Secrets Manager only.
func TestAnExistingSecretIsReadable(t *testing.T) {
	app := assertions.NewApp()
	stack := awscdk.NewStack(app, jsii.String("S"), &awscdk.StackProps{Env: env})
	byName := jwtauth.NewJwtAuthorizer(stack, "ByName", &jwtauth.Props{ExistingSecret: awssecretsmanager.Secret_FromSecretNameV2(stack, jsii.String("N"),
		jsii.String("token-key"))})
	key := awskms.Key_FromKeyArn(stack, jsii.String("K"), jsii.String("arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"))
	withKey := jwtauth.NewJwtAuthorizer(stack, "WithKey", &jwtauth.Props{ExistingSecret: awssecretsmanager.Secret_FromSecretAttributes(stack, jsii.String("F"),
		&awssecretsmanager.SecretAttributes{
			SecretCompleteArn: jsii.String("arn:aws:secretsmanager:us-east-1:123456789012:secret:token-key-AbCdEf"), EncryptionKey: key,
		})})
	for _, a := range []*jwtauth.JwtAuthorizer{byName, withKey} {
		api := awsapigateway.NewRestApi(stack, jsii.String("Api"+*a.Node().Id()), &awsapigateway.RestApiProps{CloudWatchRole: jsii.Bool(false)})
		api.Root().AddMethod(jsii.String("GET"), awsapigateway.NewMockIntegration(nil), a.MethodOptions())
	}
	tpl := cdkassertions.Template_FromStack(stack, nil)
	policies := assertions.JSON(tpl.FindResources(jsii.String("AWS::IAM::Policy"), nil))
	for _, want := range []string{
		`":secretsmanager:us-east-1:",{"Ref":"AWS::AccountId"},":secret:token-key-??????"`,
		`"Resource":"arn:aws:secretsmanager:us-east-1:123456789012:secret:token-key-AbCdEf"`,
		`{"Action":"kms:Decrypt","Condition":{"StringEquals":{"kms:ViaService":"secretsmanager.us-east-1.amazonaws.com"}},"Effect":"Allow",` +
			`"Resource":"arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"}`,
	} {
		if !strings.Contains(policies, want) {
			t.Errorf("policies lack %s:\n%s", want, policies)
		}
	}
}

// The page's architecture diagram is this stack's (make diagrams).
func TestDiagram(t *testing.T) { assertions.Diagram(t, guarded(t), "README.md") }
