// Package redirectapi answers GET /{prefix}/{slug} with a 302 or 301 from a DynamoDB table.
//
// It is a redirect API on API Gateway and Lambda, after
// "Redirection in a Serverless API with AWS Lambda and Amazon API Gateway":
// GET /{prefix}/{slug} answers 302 (or 301) with a Location from a DynamoDB
// table, or a constant 404 page.
//
// The post's function signalled a redirect by failing, with the target in
// the error type, because header mappings could not run VTL then. Here the
// function (lambda/redirect) succeeds with {location, permanent} or
// {notFound: true}, and the integration response sets the status and the
// Location header with $context.responseOverride; only a real failure is a
// Lambda error, which a catch-all maps to a JSON 500 (a timeout included),
// so the function's Errors metric means what it says. Targets are checked
// when served (scheme, host, no credentials, no control characters), slugs
// before any table read.
package redirectapi

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/constructs/golambda"
	"github.com/blueprints-cdk/blueprints/constructs/restapi"
	"github.com/blueprints-cdk/blueprints/internal/defaults"
	"github.com/blueprints-cdk/blueprints/internal/nag"
	"github.com/blueprints-cdk/blueprints/internal/ptr"
	"github.com/blueprints-cdk/blueprints/internal/redirects"
	"github.com/blueprints-cdk/blueprints/internal/routes"
	"github.com/blueprints-cdk/blueprints/internal/vtl"
)

// NotFoundPage is the 404 body: constant, so nothing a client sent is echoed.
const NotFoundPage = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Not found</title></head>` +
	`<body><h1>Not found</h1><p>There is no such link.</p></body></html>`

// Props configures a RedirectApi. Every field is optional.
type Props struct {
	// Api says where the route goes. Default: a new REST API.
	Api *restapi.Mount
	// Prefix is the path part before {slug}. Default: "r".
	Prefix *string
	// ExistingTable holds the redirects instead of a new table; it must be
	// keyed by the string attribute slug. Mutually exclusive with TableProps.
	ExistingTable awsdynamodb.ITable
	// TableProps are applied over the new table's defaults. Mutually
	// exclusive with ExistingTable.
	TableProps *awsdynamodb.TableProps
	// RemovalPolicy of the new table. Default: RETAIN.
	RemovalPolicy *awscdk.RemovalPolicy
	// AllowedSchemes of targets: https, and http if you must. Default: https.
	AllowedSchemes *[]*string
	// AllowedHosts of targets. Default: any host.
	AllowedHosts *[]*string
	// MethodOptions of the route (an authorizer, an API key…). Default: public.
	MethodOptions *awsapigateway.MethodOptions
}

// RedirectApi is the route, its function and its table.
type RedirectApi struct { //nolint:revive // the CDK Go bindings' casing (RestApi)
	constructs.Construct
	restapi.Mounted
	// Table holds the redirects, created or existing.
	Table awsdynamodb.ITable
	// Function looks the slugs up.
	Function *golambda.Function
	// Method is GET /{prefix}/{slug}.
	Method awsapigateway.Method
}

// NewRedirectApi builds the redirect route. It panics with a message naming
// the props at fault when they are invalid.
func NewRedirectApi(scope constructs.Construct, id string, props *Props) *RedirectApi {
	if props == nil {
		props = &Props{}
	}
	env, tableProps, err := resolve(props)
	if err != nil {
		panic(fmt.Sprintf("redirectapi.NewRedirectApi %q: %v", id, err))
	}
	r := &RedirectApi{Construct: constructs.NewConstruct(scope, jsii.String(id))}
	r.Mounted = restapi.Attach(r.Construct, props.Api)
	if props.ExistingTable != nil {
		r.Table = props.ExistingTable
	} else {
		r.Table = awsdynamodb.NewTable(r.Construct, jsii.String("Table"), tableProps)
	}
	env[redirects.EnvTableName] = r.Table.TableName()
	r.Function = golambda.NewFunction(r.Construct, "Handler", &golambda.Props{
		Entry: jsii.String("redirect"), Description: jsii.String("Looks up redirects"), Environment: &env,
		// Below API Gateway's 29 s integration timeout, so that a slow table
		// is a function error (a JSON 500), not INTEGRATION_TIMEOUT.
		Timeout: awscdk.Duration_Seconds(jsii.Number(10)),
	})
	r.Table.Grant(r.Function.Role, jsii.String("dynamodb:GetItem"))
	// Table.Grant adds nothing on a customer-managed key.
	if key := r.Table.EncryptionKey(); key != nil {
		key.Grant(r.Function.Role, jsii.String("kms:Decrypt"))
	}
	r.addRoute(ptr.Or(props.Prefix, "r"), props.MethodOptions)
	return r
}

// ResponseTemplate maps the function's result: a redirect sets the status
// and Location (and no-store for a 302) and has an empty body; not found
// is the constant page as text/html. Each override is set once
// ("Override your API's request and response parameters and status codes
// for REST APIs": overrides are final).
//
// A function error whose errorMessage is empty is matched as a success
// (the empty string), so this template also sees error documents: without
// a location it answers a JSON 500 rather than redirect anywhere.
const ResponseTemplate = `#set($r = $input.path('$'))` +
	`#if($r.notFound == true)` +
	`#set($context.responseOverride.status = 404)` +
	`#set($context.responseOverride.header.Content-Type = "text/html; charset=utf-8")` +
	`#set($context.responseOverride.header.Cache-Control = "no-store")` + NotFoundPage +
	`#elseif("$!r.location" == "" || "$!r.errorMessage" != "")` +
	`#set($context.responseOverride.status = 500){"message":"Internal server error"}` +
	`#elseif($r.permanent == true)` +
	`#set($context.responseOverride.status = 301)` +
	`#set($context.responseOverride.header.Location = "$r.location")` +
	// Browsers keep a 301 without Cache-Control for as long as they like
	// (RFC 9111 §4.2.2): a day, so that a wrong permanent link can be
	// taken back.
	`#set($context.responseOverride.header.Cache-Control = "max-age=86400")` +
	`#else` +
	`#set($context.responseOverride.status = 302)` +
	`#set($context.responseOverride.header.Location = "$r.location")` +
	`#set($context.responseOverride.header.Cache-Control = "no-store")` +
	`#end`

func (r *RedirectApi) addRoute(prefix string, options *awsapigateway.MethodOptions) {
	integration := awsapigateway.NewLambdaIntegration(r.Function.Function, &awsapigateway.LambdaIntegrationOptions{
		Proxy:               jsii.Bool(false),
		PassthroughBehavior: awsapigateway.PassthroughBehavior_NEVER,
		// The slug only, escaped for JSON.
		RequestTemplates: &map[string]*string{"application/json": jsii.String(`#set($slug = $input.params('slug')){"slug":` + vtl.JSONString("$slug") + `}`)},
		IntegrationResponses: &[]*awsapigateway.IntegrationResponse{
			// A success is matched as "" ("Handle Lambda errors in API
			// Gateway"): this default response.
			{StatusCode: jsii.String("302"), ResponseTemplates: &map[string]*string{"application/json": jsii.String(ResponseTemplate)}},
			// Every function error, a timeout or a panic included, is a JSON
			// 500: [\s\S]+ matches any non-empty message, and a Lambda
			// error always has one.
			{SelectionPattern: jsii.String(`[\s\S]+`), StatusCode: jsii.String("500"),
				ResponseTemplates: &map[string]*string{"application/json": jsii.String(`{"message":"Internal server error"}`)}},
		},
	})
	opts := routes.MethodOptions(options, nil)
	header := func(names ...string) *map[string]*bool {
		m := map[string]*bool{}
		for _, n := range names {
			m["method.response.header."+n] = jsii.Bool(true)
		}
		return &m
	}
	opts.MethodResponses = &[]*awsapigateway.MethodResponse{
		{StatusCode: jsii.String("301"), ResponseParameters: header("Location", "Cache-Control")},
		{StatusCode: jsii.String("302"), ResponseParameters: header("Location", "Cache-Control")},
		{StatusCode: jsii.String("404"), ResponseParameters: header("Content-Type", "Cache-Control")},
		{StatusCode: jsii.String("500")},
	}
	opts.RequestParameters = &map[string]*bool{"method.request.path.slug": jsii.Bool(true)}
	opts.RequestValidator = awsapigateway.NewRequestValidator(r.Construct, jsii.String("Validator"), &awsapigateway.RequestValidatorProps{
		// Both, as cdk-nag AwsSolutions-APIG2 asks; a GET has no body model.
		RestApi: r.RestApi, ValidateRequestParameters: jsii.Bool(true), ValidateRequestBody: jsii.Bool(true),
	})
	res := r.Parent.AddResource(jsii.String(prefix), nil).AddResource(jsii.String("{slug}"), nil)
	r.Method = res.AddMethod(jsii.String("GET"), integration, opts)
	nag.SuppressAuth(r.Method, opts)
}

// resolve validates the props: the handler's environment (checked as the
// handler checks it) and the new table's props.
func resolve(p *Props) (map[string]*string, *awsdynamodb.TableProps, error) {
	if err := p.Api.Check("Props.Api"); err != nil {
		return nil, nil, err
	}
	if p.ExistingTable != nil && p.TableProps != nil {
		return nil, nil, fmt.Errorf("Props.ExistingTable and Props.TableProps are mutually exclusive: pass one or neither")
	}
	if tp := p.TableProps; tp != nil && tp.PartitionKey != nil && (tp.PartitionKey.Name == nil || *tp.PartitionKey.Name != redirects.PartitionKey) {
		return nil, nil, fmt.Errorf("Props.TableProps.PartitionKey must be %q, the handler's key", redirects.PartitionKey)
	}
	if pre := ptr.Or(p.Prefix, "r"); !redirects.ValidSlug(pre) {
		return nil, nil, fmt.Errorf("Props.Prefix %q must be 1 to 64 letters, digits, _ or -", pre)
	}
	env := map[string]string{redirects.EnvTableName: "table"}
	join := func(l *[]*string) string {
		var out []string
		for _, s := range *l {
			out = append(out, *s)
		}
		return strings.Join(out, ",")
	}
	if p.AllowedSchemes != nil {
		env[redirects.EnvAllowedSchemes] = join(p.AllowedSchemes)
	}
	if p.AllowedHosts != nil {
		env[redirects.EnvAllowedHosts] = join(p.AllowedHosts)
	}
	if _, err := redirects.FromEnv(func(k string) string { return env[k] }); err != nil {
		return nil, nil, fmt.Errorf("Props.AllowedSchemes or Props.AllowedHosts: %w", err)
	}
	out := map[string]*string{}
	for k, v := range env {
		if k != redirects.EnvTableName {
			out[k] = jsii.String(v)
		}
	}
	var tp *awsdynamodb.TableProps
	if p.ExistingTable == nil {
		tp = defaults.TableProps(p.TableProps, redirects.PartitionKey, defaults.RemovalPolicy(p.RemovalPolicy))
	}
	return out, tp, nil
}

// NewItem is the table item of a redirect, checked as the handler checks
// it when it serves it, with the rules of props (nil for the defaults): a
// target the API would refuse is refused here, when it is stored.
func NewItem(slug, target string, permanent bool, props *Props) (map[string]types.AttributeValue, error) {
	if props == nil {
		props = &Props{}
	}
	env, _, err := resolve(&Props{AllowedSchemes: props.AllowedSchemes, AllowedHosts: props.AllowedHosts})
	if err != nil {
		return nil, err
	}
	cfg, err := redirects.FromEnv(func(k string) string {
		if k == redirects.EnvTableName {
			return "table"
		}
		if v, ok := env[k]; ok {
			return *v
		}
		return ""
	})
	if err != nil {
		return nil, err
	}
	if !redirects.ValidSlug(slug) {
		return nil, fmt.Errorf("slug %q must be 1 to %d letters, digits, _ or -", slug, redirects.MaxSlug)
	}
	if err := cfg.CheckTarget(target); err != nil {
		return nil, fmt.Errorf("target of %s: %w", slug, err)
	}
	return map[string]types.AttributeValue{
		redirects.PartitionKey:       &types.AttributeValueMemberS{Value: slug},
		redirects.LocationAttribute:  &types.AttributeValueMemberS{Value: target},
		redirects.PermanentAttribute: &types.AttributeValueMemberBOOL{Value: permanent},
	}, nil
}
