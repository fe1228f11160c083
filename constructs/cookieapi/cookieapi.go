// Package cookieapi sets cookies from Go Lambda functions behind a REST API.
//
// It is a REST API that sets cookies from Go Lambda functions,
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

	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/constructs/golambda"
	"github.com/blueprints-cdk/blueprints/constructs/restapi"
	"github.com/blueprints-cdk/blueprints/internal/nag"
)

// CookieApi is the cookie routes and their functions.
type CookieApi struct {
	constructs.Construct
	// Mounted is the REST API the routes are on (RestApi, CreatedRestApi,
	// AccessLogs, …), created or existing: see Props.Api. Its Url() is the
	// created API's stage URL.
	restapi.Mounted
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
	cfg, err := resolve(props)
	if err != nil {
		panic(fmt.Sprintf("cookieapi.NewCookieApi %q: %v", id, err))
	}
	c := &CookieApi{Construct: constructs.NewConstruct(scope, jsii.String(id))}
	c.Mounted = restapi.Attach(c.Construct, cfg.api)
	c.Validator = awsapigateway.NewRequestValidator(c.Construct, jsii.String("Validator"), &awsapigateway.RequestValidatorProps{
		RestApi: c.RestApi, ValidateRequestBody: jsii.Bool(true), ValidateRequestParameters: jsii.Bool(true),
	})
	if cfg.cookie {
		c.addCookie(cfg)
	}
	if cfg.profile {
		c.addProfile(cfg)
	}
	return c
}

func (c *CookieApi) addCookie(cfg *config) {
	c.CookieFunction = golambda.NewFunction(c.Construct, "CookieHandler", &golambda.Props{
		Entry:       jsii.String("cookie"),
		Description: jsii.String("Issues a random cookie for GET /cookie"),
		Environment: &cfg.cookieEnv,
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
				// A function error is a 500 that leaks nothing. The pattern is
				// matched against the whole errorMessage, and "." matches no
				// newline ("Handle Lambda errors in API Gateway"), so [\s\S]+
				// rather than .+, which a two-line message would escape. A
				// success is matched as "", which this pattern does not match.
				SelectionPattern:  jsii.String(`[\s\S]+`),
				StatusCode:        jsii.String("500"),
				ResponseTemplates: &map[string]*string{"application/json": jsii.String(`{"message":"Internal server error"}`)},
			},
		},
	})
	opts := cfg.cookieOptions
	opts.RequestValidator = c.Validator
	opts.MethodResponses = &[]*awsapigateway.MethodResponse{
		{StatusCode: jsii.String("200"), ResponseParameters: &map[string]*bool{
			"method.response.header.Set-Cookie": jsii.Bool(true), "method.response.header.Cache-Control": jsii.Bool(true),
		}},
		{StatusCode: jsii.String("500")},
	}
	c.CookieResource = c.Parent.AddResource(jsii.String(cfg.cookiePath), nil)
	c.CookieMethod = c.CookieResource.AddMethod(jsii.String("GET"), integration, opts)
	nag.SuppressAuth(c.CookieMethod, opts)
}

func (c *CookieApi) addProfile(cfg *config) {
	c.ProfileFunction = golambda.NewFunction(c.Construct, "ProfileHandler", &golambda.Props{
		Entry:       jsii.String("profile"),
		Description: jsii.String("Sets and reads the language and theme cookies of /profile"),
		Environment: &cfg.profileEnv,
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
	c.ProfileResource = c.Parent.AddResource(jsii.String(cfg.profilePath), nil)

	get := cfg.profileGetOptions
	get.RequestValidator = c.Validator
	c.ProfileGetMethod = c.ProfileResource.AddMethod(jsii.String("GET"), integration, get)
	nag.SuppressAuth(c.ProfileGetMethod, get)

	post := cfg.profilePostOptions
	post.RequestValidator = c.Validator
	post.RequestModels = &map[string]awsapigateway.IModel{"application/json": c.ProfileModel}
	c.ProfilePostMethod = c.ProfileResource.AddMethod(jsii.String("POST"), integration, post)
	nag.SuppressAuth(c.ProfilePostMethod, post)
}
