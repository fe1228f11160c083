// Package cookieapi is a REST API that sets cookies from Go Lambda functions,
// in the two styles of two AWS Compute Blog posts:
//
//   - GET /cookie ("Simply Serverless: Using AWS Lambda to Expose Custom
//     Cookies with API Gateway"): a non-proxy Lambda integration returns
//     {"Cookie": "…"}, the integration response maps it to the Set-Cookie
//     header, and a body mapping template keeps the cookie out of the body,
//     as the post advises for production;
//   - GET and POST /profile ("Support for multi-value parameters in Amazon
//     API Gateway"): Lambda proxy integration; POST answers with two
//     Set-Cookie headers through multiValueHeaders and GET reads them back.
//
// The handlers are lambda/cookie and lambda/profile.
package cookieapi

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/constructs/golambda"
	"github.com/blueprints-cdk/blueprints/internal/cookies"
	"github.com/blueprints-cdk/blueprints/internal/defaults"
	"github.com/blueprints-cdk/blueprints/internal/restapi"
)

// CookieApi is the cookie routes and their functions.
type CookieApi struct {
	constructs.Construct
	// RestApi is the API the routes are on, created or existing.
	RestApi awsapigateway.IRestApi
	// CreatedRestApi is the API the construct created, or nil.
	CreatedRestApi awsapigateway.RestApi
	// AccessLogs is the created API's access log group, or nil.
	AccessLogs awslogs.LogGroup
	// CloudWatchRole and Account exist with Props.CreateCloudWatchRole.
	CloudWatchRole awsiam.Role
	Account        awsapigateway.CfnAccount
	// Validator checks the POST /profile body against ProfileModel.
	Validator awsapigateway.RequestValidator
	// CookieFunction serves GET /cookie; nil without AllowCookie.
	CookieFunction *golambda.Function
	// CookieResource and CookieMethod are GET /cookie, or nil.
	CookieResource awsapigateway.Resource
	CookieMethod   awsapigateway.Method
	// ProfileFunction serves /profile; nil without AllowProfile.
	ProfileFunction *golambda.Function
	// ProfileModel is POST /profile's JSON Schema, or nil.
	ProfileModel awsapigateway.Model
	// ProfileResource, ProfileGetMethod and ProfilePostMethod are /profile, or nil.
	ProfileResource   awsapigateway.Resource
	ProfileGetMethod  awsapigateway.Method
	ProfilePostMethod awsapigateway.Method
}

// NewCookieApi builds the routes. It panics with a message naming the props
// at fault when they are invalid.
func NewCookieApi(scope constructs.Construct, id string, props *Props) *CookieApi {
	if props == nil {
		props = &Props{}
	}
	env, err := environment(props)
	if err != nil {
		panic(fmt.Sprintf("cookieapi.NewCookieApi %q: %v", id, err))
	}
	c := &CookieApi{Construct: constructs.NewConstruct(scope, jsii.String(id))}
	t := restapi.NewTarget(c.Construct, props.ExistingRestApi, props.ParentResource, props.RestApiProps, props.CreateCloudWatchRole)
	c.RestApi = t.RestApi
	if a := t.Created; a != nil {
		c.CreatedRestApi, c.AccessLogs, c.CloudWatchRole, c.Account = a.RestApi, a.AccessLogs, a.CloudWatchRole, a.Account
	}
	c.Validator = awsapigateway.NewRequestValidator(c.Construct, jsii.String("Validator"), &awsapigateway.RequestValidatorProps{
		RestApi: c.RestApi, ValidateRequestBody: jsii.Bool(true), ValidateRequestParameters: jsii.Bool(true),
	})
	if defaults.Bool(props.AllowCookie, true) {
		c.addCookie(props, t.Parent, env)
	}
	if defaults.Bool(props.AllowProfile, true) {
		c.addProfile(props, t.Parent, env)
	}
	return c
}

// environment validates the cookie props and turns them into the handlers'
// environment, which lambda/internal/cookies reads.
func environment(p *Props) (map[string]*string, error) {
	if err := restapi.CheckTarget(p.ExistingRestApi, p.ParentResource, p.RestApiProps, p.CreateCloudWatchRole); err != nil {
		return nil, err
	}
	if !defaults.Bool(p.AllowCookie, true) && !defaults.Bool(p.AllowProfile, true) {
		return nil, fmt.Errorf("no route: enable Props.AllowCookie or Props.AllowProfile")
	}
	name := defaults.String(p.CookieName, "myCookie")
	if err := (&http.Cookie{Name: name, Value: "x"}).Valid(); err != nil {
		return nil, fmt.Errorf("Props.CookieName %q: %v", name, err)
	}
	lifetime := 365 * 24 * 3600.0
	if p.Lifetime != nil {
		lifetime = *p.Lifetime.ToMilliseconds(nil) / 1000
		if lifetime < 1 || lifetime != math.Trunc(lifetime) {
			return nil, fmt.Errorf("Props.Lifetime must be a whole number of seconds, at least 1")
		}
	}
	env := map[string]*string{
		cookies.EnvName:     jsii.String(name),
		cookies.EnvLifetime: jsii.String(strconv.FormatFloat(lifetime, 'f', 0, 64)),
		cookies.EnvSecure:   jsii.String(strconv.FormatBool(defaults.Bool(p.Secure, true))),
		cookies.EnvHTTPOnly: jsii.String(strconv.FormatBool(defaults.Bool(p.HttpOnly, true))),
		cookies.EnvSameSite: jsii.String(defaults.String(p.SameSite, "Lax")),
		cookies.EnvPath:     jsii.String(defaults.String(p.Path, "/")),
	}
	if p.Domain != nil {
		env[cookies.EnvDomain] = p.Domain
	}
	// The handlers refuse a bad configuration at start; refuse it here first.
	if _, err := cookies.FromEnv(func(k string) string { return defaults.String(env[k], "") }); err != nil {
		return nil, fmt.Errorf("%s", propNames.Replace(err.Error()))
	}
	return env, nil
}

// propNames turns the handlers' configuration errors into the props' words.
var propNames = strings.NewReplacer(
	cookies.EnvDomain, "Props.Domain", cookies.EnvPath, "Props.Path", cookies.EnvSameSite, "Props.SameSite",
	cookies.EnvSecure, "Props.Secure", cookies.EnvHTTPOnly, "Props.HttpOnly",
)

func (c *CookieApi) addCookie(props *Props, parent awsapigateway.IResource, env map[string]*string) {
	c.CookieFunction = golambda.NewFunction(c.Construct, "CookieHandler", &golambda.Props{
		Entry:       jsii.String("cookie"),
		Description: jsii.String("Issues a random cookie for GET /cookie"),
		Environment: &env,
	})
	integration := awsapigateway.NewLambdaIntegration(c.CookieFunction.Function, &awsapigateway.LambdaIntegrationOptions{
		Proxy:               jsii.Bool(false),
		PassthroughBehavior: awsapigateway.PassthroughBehavior_NEVER,
		// The handler needs nothing from the request.
		RequestTemplates: &map[string]*string{"application/json": jsii.String("{}")},
		IntegrationResponses: &[]*awsapigateway.IntegrationResponse{
			{
				StatusCode: jsii.String("200"),
				ResponseParameters: &map[string]*string{
					"method.response.header.Set-Cookie":    jsii.String("integration.response.body.Cookie"),
					"method.response.header.Cache-Control": jsii.String("'no-store'"),
				},
				// The cookie goes in the header only, never in the body.
				ResponseTemplates: &map[string]*string{"application/json": jsii.String(`{"message":"cookie set"}`)},
			},
			{
				// A function error (its errorMessage is set) is a 500 that leaks nothing.
				SelectionPattern:  jsii.String(".+"),
				StatusCode:        jsii.String("500"),
				ResponseTemplates: &map[string]*string{"application/json": jsii.String(`{"message":"Internal server error"}`)},
			},
		},
	})
	opts := restapi.MethodOptions(props.CookieMethodOptions, props.MethodOptions)
	opts.RequestValidator = c.Validator
	opts.MethodResponses = &[]*awsapigateway.MethodResponse{
		{StatusCode: jsii.String("200"), ResponseParameters: &map[string]*bool{
			"method.response.header.Set-Cookie": jsii.Bool(true), "method.response.header.Cache-Control": jsii.Bool(true),
		}},
		{StatusCode: jsii.String("500")},
	}
	c.CookieResource = parent.AddResource(jsii.String(defaults.String(props.CookiePath, "cookie")), nil)
	c.CookieMethod = c.CookieResource.AddMethod(jsii.String("GET"), integration, opts)
	restapi.SuppressAuth(c.CookieMethod, opts)
}

func (c *CookieApi) addProfile(props *Props, parent awsapigateway.IResource, env map[string]*string) {
	profileEnv := map[string]*string{}
	for k, v := range env {
		if k != cookies.EnvName { // the profile cookies have fixed names
			profileEnv[k] = v
		}
	}
	c.ProfileFunction = golambda.NewFunction(c.Construct, "ProfileHandler", &golambda.Props{
		Entry:       jsii.String("profile"),
		Description: jsii.String("Sets and reads the language and theme cookies of /profile"),
		Environment: &profileEnv,
	})
	// Defence in depth: the handler checks the same rules more precisely.
	c.ProfileModel = awsapigateway.NewModel(c.Construct, jsii.String("ProfileModel"), &awsapigateway.ModelProps{
		RestApi:     c.RestApi,
		ContentType: jsii.String("application/json"),
		Description: jsii.String("The body of POST /profile"),
		Schema: &awsapigateway.JsonSchema{
			Schema:   awsapigateway.JsonSchemaVersion_DRAFT4,
			Title:    jsii.String("Profile"),
			Type:     awsapigateway.JsonSchemaType_OBJECT,
			Required: jsii.Strings("language", "theme"),
			Properties: &map[string]*awsapigateway.JsonSchema{
				"language": {Type: awsapigateway.JsonSchemaType_STRING, MinLength: jsii.Number(1), MaxLength: jsii.Number(35)},
				"theme":    {Type: awsapigateway.JsonSchemaType_STRING, MinLength: jsii.Number(1), MaxLength: jsii.Number(32)},
			},
			AdditionalProperties: false,
		},
	})
	integration := awsapigateway.NewLambdaIntegration(c.ProfileFunction.Function, &awsapigateway.LambdaIntegrationOptions{Proxy: jsii.Bool(true)})
	c.ProfileResource = parent.AddResource(jsii.String(defaults.String(props.ProfilePath, "profile")), nil)

	get := restapi.MethodOptions(props.ProfileMethodOptions, props.MethodOptions)
	get.RequestValidator = c.Validator
	c.ProfileGetMethod = c.ProfileResource.AddMethod(jsii.String("GET"), integration, get)
	restapi.SuppressAuth(c.ProfileGetMethod, get)

	post := restapi.MethodOptions(props.ProfileMethodOptions, props.MethodOptions)
	post.RequestValidator = c.Validator
	post.RequestModels = &map[string]awsapigateway.IModel{"application/json": c.ProfileModel}
	c.ProfilePostMethod = c.ProfileResource.AddMethod(jsii.String("POST"), integration, post)
	restapi.SuppressAuth(c.ProfilePostMethod, post)
}

// Url is the created API's stage URL, or nil on an existing API.
func (c *CookieApi) Url() *string {
	if c.CreatedRestApi == nil {
		return nil
	}
	return c.CreatedRestApi.Url()
}
