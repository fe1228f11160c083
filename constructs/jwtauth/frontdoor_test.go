package jwtauth_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/assertions"
	"github.com/blueprints-cdk/blueprints/constructs/frontdoor"
	"github.com/blueprints-cdk/blueprints/constructs/jwtauth"
	"github.com/blueprints-cdk/blueprints/constructs/restapi"
	"github.com/blueprints-cdk/blueprints/internal/nag"
)

// Managed CloudFront policies ("Use managed origin request policies", "Use
// managed cache policies", CloudFront developer guide).
const (
	allViewerExceptHostHeader = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
	cachingDisabled           = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
)

// forwardsOnGet models, conservatively, whether CloudFront sends a viewer's
// header to the origin on a GET with these policies. AWS's pages differ on
// Authorization: "HTTP request headers and CloudFront behavior (custom and
// Amazon S3 origins)" says CloudFront removes it from GET and HEAD unless
// the cache key holds it (and an origin request policy cannot name it),
// while the "HTTP 401 status code (Unauthorized)" troubleshooting page says
// the managed all-viewer origin request policies forward it. The model takes
// the first reading; any other header AllViewerExceptHostHeader forwards.
func forwardsOnGet(header, cachePolicy, originRequestPolicy string) bool {
	if strings.EqualFold(header, "Authorization") {
		return false // not in CachingDisabled's cache key
	}
	return cachePolicy == cachingDisabled && originRequestPolicy == allViewerExceptHostHeader && !strings.EqualFold(header, "Host")
}

// A protected GET behind the front door: the token travels in a header that
// CloudFront forwards on GET (X-Authorization), since it strips
// Authorization from GET and HEAD unless the cache key holds it.
func TestAProtectedGetWorksBehindTheFrontDoor(t *testing.T) {
	r, err := assertions.Synth(func(app awscdk.App) awscdk.Stack {
		stack := awscdk.NewStack(app, jsii.String("JwtBehindFrontDoor"), &awscdk.StackProps{Env: env})
		jwt := jwtauth.NewJwtAuthorizer(stack, "Jwt", &jwtauth.Props{
			GenerateSecret: jsii.Bool(true), IdentitySource: jsii.String("method.request.header.X-Authorization"),
		})
		api := restapi.New(stack, "Api", nil, false)
		nag.Suppress(api.RestApi, "AwsSolutions-APIG2", "The test API's one mock method reads no request input to validate")
		opts := jwt.MethodOptions()
		opts.MethodResponses = &[]*awsapigateway.MethodResponse{{StatusCode: jsii.String("200")}}
		m := api.Parent.AddResource(jsii.String("items"), nil).AddMethod(jsii.String("GET"), awsapigateway.NewMockIntegration(&awsapigateway.IntegrationOptions{
			RequestTemplates:     &map[string]*string{"application/json": jsii.String(`{"statusCode": 200}`)},
			IntegrationResponses: &[]*awsapigateway.IntegrationResponse{{StatusCode: jsii.String("200")}},
		}), opts)
		nag.SuppressAuth(m, opts)
		frontdoor.NewFrontDoor(stack, "FrontDoor", &frontdoor.Props{RestApi: api.CreatedRestApi})
		return stack
	}, assertions.WithoutValidation())
	if err != nil {
		t.Fatal(err)
	}
	config := assertions.OnlyProperties(t, r, "AWS::CloudFront::Distribution", nil)["DistributionConfig"].(map[string]any)
	behavior := config["DefaultCacheBehavior"].(map[string]any)
	cache, origin := behavior["CachePolicyId"].(string), behavior["OriginRequestPolicyId"].(string)
	source := assertions.OnlyProperties(t, r, "AWS::ApiGateway::Authorizer", nil)["IdentitySource"].(string)
	header := strings.TrimPrefix(source, "method.request.header.")
	if !forwardsOnGet(header, cache, origin) {
		t.Errorf("CloudFront would not forward %s on GET with cache policy %s and origin request policy %s", header, cache, origin)
	}
}
