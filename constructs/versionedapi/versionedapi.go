// Package versionedapi serves V1 and V2 of an orders API from one Go function, with V1's contract kept by mapping templates.
//
// It serves two versions of an orders API from one back
// end, after "Using API Gateway mapping templates to handle changes in
// your back-end APIs" and "Using API Gateway stage variables to manage
// Lambda functions": /v2/orders speaks the back end's paged contract, and
// /v1/orders keeps V1 clients' contract (a bare array, and "Too many
// results…" when there would be more than one page) through mapping
// templates alone, on Lambda non-proxy integrations of lambda/orders.
//
// Unlike the post: the request templates copy only start, end and (V2)
// token, escaped for JSON; a validator requires start and end; errors get
// their status instead of a 200; one API holds both versions instead of a
// clone per version; and stage variables select a function alias per
// stage, each with exactly its invoke permission.
package versionedapi

import (
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/constructs/golambda"
	"github.com/blueprints-cdk/blueprints/constructs/restapi"
	"github.com/blueprints-cdk/blueprints/internal/defaults"
	"github.com/blueprints-cdk/blueprints/internal/nag"
	"github.com/blueprints-cdk/blueprints/internal/orders"
	"github.com/blueprints-cdk/blueprints/internal/ptr"
	"github.com/blueprints-cdk/blueprints/internal/routes"
	"github.com/blueprints-cdk/blueprints/internal/vtl"
)

// Props configures a VersionedApi. Every field is optional.
type Props struct {
	// Api says where the routes go. Default: a new REST API.
	Api *restapi.Mount
	// V1Path and V2Path are the versions' path parts, and ResourcePath the
	// resource under them. Default: "v1", "v2", "orders". An empty V1Path
	// mounts V1 at the parent (/orders), as the post's original API.
	V1Path, V2Path, ResourcePath *string
	// ModernV1Errors answers V1's client errors (a bad parameter, too many
	// results) with 400 and {"message":…} instead of what V1 clients saw:
	// 200 with {"errorMessage":…}. Default: false.
	ModernV1Errors *bool
	// Stages are function aliases, one per stage of the same name, selected
	// by the stage variable StageVariable in the integration URI; each alias
	// may be invoked by its stage's two routes only. On a new API the
	// construct creates the stages: the first is the API's deployment stage,
	// the one Url() and a front door use, so list the public stage first;
	// the others copy its settings. On an existing API it creates the
	// aliases and their permissions, and the API's owner sets the variable
	// to the alias's name on the stage of that name (and redeploys), or
	// calls answer 500. Every alias points to the function's current
	// version: a code deploy moves every stage at once. Default: none (the
	// function's $LATEST, no variable).
	Stages *[]*string
	// StageVariable names the stage variable. Default: "lambdaAlias".
	StageVariable *string
	// MethodOptions of both routes. Default: public.
	MethodOptions *awsapigateway.MethodOptions
}

// VersionedApi is the routes and their function.
type VersionedApi struct { //nolint:revive // the CDK Go bindings' casing (RestApi)
	constructs.Construct
	restapi.Mounted
	// Function is the V2 back end.
	Function *golambda.Function
	// Aliases are the function's aliases, by stage name.
	Aliases map[string]awslambda.Alias
	// Stages are the extra stages created on a new API, by name.
	Stages map[string]awsapigateway.Stage
	// V1 and V2 are GET /v1/orders and GET /v2/orders.
	V1, V2 awsapigateway.Method
}

type config struct {
	v1, v2, resource, variable string
	modern                     bool
	stages                     []string
	deployOptions              awsapigateway.StageOptions // the caller's, for the extra stages
}

func resolve(p *Props) (*config, error) {
	if err := p.Api.Check("Props.Api"); err != nil {
		return nil, err
	}
	c := &config{v1: ptr.Or(p.V1Path, "v1"), v2: ptr.Or(p.V2Path, "v2"), resource: ptr.Or(p.ResourcePath, "orders"),
		variable: ptr.Or(p.StageVariable, "lambdaAlias"), modern: ptr.Or(p.ModernV1Errors, false)}
	if p.Stages != nil {
		for _, s := range *p.Stages {
			c.stages = append(c.stages, *s)
		}
		if len(c.stages) == 0 {
			return nil, fmt.Errorf("Props.Stages is empty: pass nil for no stage variable")
		}
		seen := map[string]bool{}
		for _, s := range c.stages {
			// A stage name is an alias name too: letters, digits, - and _,
			// not only digits (Lambda's CreateAlias).
			if !aliasName.MatchString(s) || seen[s] {
				return nil, fmt.Errorf("Props.Stages %v: each must be a distinct alias name (letters, digits, - and _, not only digits)", c.stages)
			}
			seen[s] = true
		}
		if p.Api != nil && p.Api.RestApiProps != nil {
			rp := p.Api.RestApiProps
			if rp.Deploy != nil && !*rp.Deploy {
				return nil, fmt.Errorf("Props.Stages needs a deployment: Props.Api.RestApiProps.Deploy must not be false")
			}
			if rp.DeployOptions != nil {
				if rp.DeployOptions.StageName != nil {
					return nil, fmt.Errorf("Props.Stages names the stages: leave Props.Api.RestApiProps.DeployOptions.StageName unset")
				}
				c.deployOptions = *rp.DeployOptions
			}
		}
	}
	if c.v2 == "" || c.resource == "" || c.v1 == c.v2 {
		return nil, fmt.Errorf("Props.V2Path and Props.ResourcePath must be set, and Props.V1Path differ from Props.V2Path")
	}
	return c, nil
}

var aliasName = regexp.MustCompile(`^[A-Za-z0-9_-]*[A-Za-z_-][A-Za-z0-9_-]*$`)

// NewVersionedApi builds the two versions. It panics with a message naming
// the props at fault when they are invalid.
func NewVersionedApi(scope constructs.Construct, id string, props *Props) *VersionedApi {
	if props == nil {
		props = &Props{}
	}
	cfg, err := resolve(props)
	if err != nil {
		panic(fmt.Sprintf("versionedapi.NewVersionedApi %q: %v", id, err))
	}
	v := &VersionedApi{Construct: constructs.NewConstruct(scope, jsii.String(id)), Aliases: map[string]awslambda.Alias{},
		Stages: map[string]awsapigateway.Stage{}}
	mount := props.Api
	if mount == nil {
		mount = &restapi.Mount{}
	}
	if len(cfg.stages) > 0 && mount.ExistingRestApi == nil {
		// The deployment stage is the first alias's, with its variable.
		rp := awsapigateway.RestApiProps{}
		if mount.RestApiProps != nil {
			rp = *mount.RestApiProps
		}
		stage := awsapigateway.StageOptions{}
		if rp.DeployOptions != nil {
			stage = *rp.DeployOptions
		}
		stage.StageName = jsii.String(cfg.stages[0])
		stage.Variables = &map[string]*string{cfg.variable: jsii.String(cfg.stages[0])}
		rp.DeployOptions = &stage
		m := *mount
		m.RestApiProps = &rp
		mount = &m
	}
	v.Mounted = restapi.Attach(v.Construct, mount)
	v.Function = golambda.NewFunction(v.Construct, "Handler", &golambda.Props{
		Entry: jsii.String("orders"), Description: jsii.String("Orders back end (V2 contract)"),
		// Below API Gateway's 29 s integration timeout: a slow function is a
		// function error, which the catch-all makes a JSON 500.
		Timeout: awscdk.Duration_Seconds(jsii.Number(10)),
	})
	validator := awsapigateway.NewRequestValidator(v.Construct, jsii.String("Validator"), &awsapigateway.RequestValidatorProps{
		RestApi: v.RestApi, ValidateRequestParameters: jsii.Bool(true), ValidateRequestBody: jsii.Bool(true),
	})
	parent := func(part string) awsapigateway.IResource {
		if part == "" {
			return v.Parent
		}
		return v.Parent.AddResource(jsii.String(part), nil)
	}
	v.V1 = v.addRoute(cfg, parent(cfg.v1), false, validator, props.MethodOptions)
	v.V2 = v.addRoute(cfg, parent(cfg.v2), true, validator, props.MethodOptions)
	v.addAliases(cfg, mount.ExistingRestApi == nil)
	return v
}

// The integration responses: the success, and one catch-all for every
// function error (a success is matched as "", so [\s\S]+ never takes it;
// "Handle Lambda errors in API Gateway"), whose template branches on the
// message, so that no two selection patterns can match one error.
//
// An error whose errorMessage is empty is matched as a success too, so the
// success templates answer a JSON 500 to anything with an errorType.
const (
	failed  = `#if("$!input.path('$.errorType')" != "")#set($context.responseOverride.status = 500){"message":"Internal server error"}`
	v2Ok    = failed + `#{else}$input.json('$')#end`
	v2Error = `#set($m = "$!input.path('$.errorMessage')")` +
		`#if($m.startsWith("Invalid parameter"))#set($context.responseOverride.status = 400){"message":$input.json('$.errorMessage')}` +
		`#{else}{"message":"Internal server error"}#end`
)

// v1Templates are V1's success and error templates; modern answers V1's
// client errors with 400.
func v1Templates(modern bool) (ok, errs string) {
	tooMany := `{"errorMessage":"` + orders.ErrTooManyResultsV1 + `"}`
	clientError := `{"errorMessage":$input.json('$.errorMessage')}`
	status := ""
	if modern {
		tooMany = `{"message":"` + orders.ErrTooManyResultsV1 + `"}`
		clientError = `{"message":$input.json('$.errorMessage')}`
		status = `#set($context.responseOverride.status = 400)`
	}
	ok = `#set($next = "$!input.path('$.nextToken')")` + failed +
		`#elseif($next != "")` + status + tooMany + `#{else}$input.json('$.orders')#end`
	// The error response's own code is 400 (a method's integration responses
	// are keyed by status code, and 200 is the success's); V1's answers
	// override it.
	legacy := `#set($context.responseOverride.status = 200)`
	if modern {
		legacy = ""
	}
	errs = `#set($m = "$!input.path('$.errorMessage')")` +
		// V1 answered an empty range with [], and any long range with "Too
		// many results".
		`#if($m == "` + orders.ErrEndNotAfterStart + `")#set($context.responseOverride.status = 200)[]` +
		`#elseif($m == "` + orders.ErrRangeTooLong + `")` + legacy + tooMany +
		`#elseif($m.startsWith("Invalid parameter"))` + legacy + clientError +
		`#{else}#set($context.responseOverride.status = 500){"message":"Internal server error"}#end`
	return ok, errs
}

func (v *VersionedApi) addRoute(cfg *config, parent awsapigateway.IResource, v2 bool, validator awsapigateway.RequestValidator,
	options *awsapigateway.MethodOptions) awsapigateway.Method {
	// Only the parameters the back end reads, each a JSON string.
	// From the query string only: $input.params(name) would also take a
	// header or path parameter of that name ("Variables for data
	// transformations", $input.params).
	request := `#set($q = $input.params().querystring)#set($start = $q.get('start'))#set($end = $q.get('end'))` +
		`{"start":` + vtl.JSONString("$start") + `,"end":` + vtl.JSONString("$end")
	if v2 {
		request += `#set($token = $q.get('token'))#if("$!token" != ""),"token":` + vtl.JSONString("$token") + `#end`
	}
	request += `}`
	ok, errs := v2Ok, v2Error
	errStatus := "500"
	if !v2 {
		ok, errs = v1Templates(cfg.modern)
		errStatus = "400"
	}
	uri := awscdk.Fn_Join(jsii.String(""), &[]*string{
		jsii.String("arn:"), awscdk.Aws_PARTITION(), jsii.String(":apigateway:"), awscdk.Aws_REGION(),
		jsii.String(":lambda:path/2015-03-31/functions/"), v.Function.Function.FunctionArn(), jsii.String(v.qualifier(cfg) + "/invocations"),
	})
	integration := awsapigateway.NewIntegration(&awsapigateway.IntegrationProps{
		Type: awsapigateway.IntegrationType_AWS, IntegrationHttpMethod: jsii.String("POST"), Uri: uri,
		Options: &awsapigateway.IntegrationOptions{
			PassthroughBehavior: awsapigateway.PassthroughBehavior_NEVER,
			RequestTemplates:    &map[string]*string{"application/json": jsii.String(request)},
			IntegrationResponses: &[]*awsapigateway.IntegrationResponse{
				{StatusCode: jsii.String("200"), ResponseTemplates: &map[string]*string{"application/json": jsii.String(ok)}},
				{SelectionPattern: jsii.String(`[\s\S]+`), StatusCode: jsii.String(errStatus),
					ResponseTemplates: &map[string]*string{"application/json": jsii.String(errs)}},
			},
		},
	})
	opts := routes.MethodOptions(options, nil)
	opts.RequestValidator = validator
	params := map[string]*bool{"method.request.querystring.start": jsii.Bool(true), "method.request.querystring.end": jsii.Bool(true)}
	if v2 {
		params["method.request.querystring.token"] = jsii.Bool(false)
	}
	opts.RequestParameters = &params
	opts.MethodResponses = &[]*awsapigateway.MethodResponse{
		{StatusCode: jsii.String("200")}, {StatusCode: jsii.String("400")}, {StatusCode: jsii.String("500")},
	}
	m := parent.AddResource(jsii.String(cfg.resource), nil).AddMethod(jsii.String("GET"), integration, opts)
	nag.SuppressAuth(m, opts)
	if len(cfg.stages) == 0 {
		v.Function.Function.AddPermission(jsii.String("Invoke"+*m.Node().Addr()), &awslambda.Permission{
			Principal: awsiam.NewServicePrincipal(jsii.String("apigateway.amazonaws.com"), nil),
			SourceArn: m.MethodArn(),
		})
	}
	return m
}

// pathParams are a resource path's {parameters}, which an execute-api ARN
// writes as * (CDK's Method.methodArn does the same).
var pathParams = regexp.MustCompile(`\{[^}]*\}`)

// addStage is another stage of the API's deployment, with the deployment
// stage's settings (restapi.New's defaults under the caller's
// DeployOptions), its own access logs and its alias in the variable.
func (v *VersionedApi) addStage(cfg *config, name string) awsapigateway.Stage {
	o := cfg.deployOptions
	logs := awslogs.NewLogGroup(v.Construct, jsii.String("AccessLogs-"+name), &awslogs.LogGroupProps{Retention: defaults.LogRetention()})
	or := func(p *float64, d float64) *float64 { return jsii.Number(ptr.Or(p, d)) }
	level := o.LoggingLevel
	if level == "" {
		level = awsapigateway.MethodLoggingLevel_INFO
	}
	stage := awsapigateway.NewStage(v.Construct, jsii.String("Stage-"+name), &awsapigateway.StageProps{
		Deployment: v.CreatedRestApi.LatestDeployment(), StageName: jsii.String(name),
		Variables:            &map[string]*string{cfg.variable: jsii.String(name)},
		AccessLogDestination: awsapigateway.NewLogGroupLogDestination(logs),
		AccessLogFormat:      awsapigateway.AccessLogFormat_Custom(jsii.String(restapi.AccessLogFormat)),
		TracingEnabled:       jsii.Bool(ptr.Or(o.TracingEnabled, true)), MetricsEnabled: jsii.Bool(ptr.Or(o.MetricsEnabled, true)),
		LoggingLevel: level, DataTraceEnabled: jsii.Bool(ptr.Or(o.DataTraceEnabled, false)),
		ThrottlingRateLimit: or(o.ThrottlingRateLimit, restapi.ThrottlingRateLimit), ThrottlingBurstLimit: or(o.ThrottlingBurstLimit, restapi.ThrottlingBurstLimit),
	})
	// Execution logging needs the account's CloudWatch role first.
	if v.Account != nil {
		stage.Node().AddDependency(v.Account)
	}
	nag.Suppress(stage, "AwsSolutions-APIG3",
		"A web ACL is attached by the caller (constructs/frontdoor puts CloudFront and WAF in front of this API)")
	return stage
}

// qualifier is the integration URI's alias part: the stage variable, when
// there are stages ("Using API Gateway stage variables to manage Lambda
// functions": functions/<arn>:${stageVariables.<name>}/invocations).
func (v *VersionedApi) qualifier(cfg *config) string {
	if len(cfg.stages) == 0 {
		return ""
	}
	return ":${stageVariables." + cfg.variable + "}"
}

// addAliases makes an alias per stage, with exactly the invoke permission
// its stage needs (both routes of that stage); on a new API, the stages
// after the first.
func (v *VersionedApi) addAliases(cfg *config, ownAPI bool) {
	for i, name := range cfg.stages {
		alias := awslambda.NewAlias(v.Construct, jsii.String("Alias-"+name), &awslambda.AliasProps{
			AliasName: jsii.String(name), Version: v.Function.CurrentVersion(),
		})
		v.Aliases[name] = alias
		for _, m := range []awsapigateway.Method{v.V1, v.V2} {
			alias.AddPermission(jsii.String("Invoke"+*m.Node().Addr()), &awslambda.Permission{
				Principal: awsiam.NewServicePrincipal(jsii.String("apigateway.amazonaws.com"), nil),
				SourceArn: v.RestApi.ArnForExecuteApi(m.HttpMethod(), jsii.String(pathParams.ReplaceAllString(*m.Resource().Path(), "*")),
					jsii.String(name)),
			})
		}
		if ownAPI && i > 0 {
			v.Stages[name] = v.addStage(cfg, name)
		}
	}
}
