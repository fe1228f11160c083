package frontdoor

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/internal/nag"
)

// ProbePath is the path the rotation probes on the origin, with the origin
// key header, to see whether the origin accepts a new key before CloudFront
// sends it (see README.md, "Rotation timeline").
const ProbePath = "origin-probe"

// buildProbe gives the rotation a URL of the origin that answers 403 to a
// refused key and anything else to an accepted one, or nil where the
// function cannot reach the origin (a VPC origin), which then relies on the
// settle margin alone.
//
// On a REST API it adds GET /origin-probe, a MOCK integration with no side
// effect: API Gateway answers an unknown route with 403 "Missing
// Authentication Token" ("Gateway response types": MISSING_AUTHENTICATION_TOKEN),
// which would look like a refused key. The origin check still guards it
// (the web ACL in Header mode, the API key in ApiKey mode). On an ALB any
// path will do: the web ACL answers before the listener.
func (f *FrontDoor) buildProbe(c *config) *string {
	switch {
	case c.RestApi != nil:
		f.ProbeMethod = c.RestApi.Root().AddResource(jsii.String(ProbePath), nil).AddMethod(jsii.String("GET"),
			awsapigateway.NewMockIntegration(&awsapigateway.IntegrationOptions{
				RequestTemplates: &map[string]*string{"application/json": jsii.String(`{"statusCode": 200}`)},
				IntegrationResponses: &[]*awsapigateway.IntegrationResponse{{
					StatusCode:        jsii.String("200"),
					ResponseTemplates: &map[string]*string{"application/json": jsii.String(`{"message":"origin key accepted"}`)},
				}},
			}),
			// Explicitly public and without parameters: a method inherits the
			// API's default authorizer and options otherwise, and an
			// authorizer's 401 would hide the origin check's answer.
			&awsapigateway.MethodOptions{
				AuthorizationType: awsapigateway.AuthorizationType_NONE,
				RequestParameters: &map[string]*bool{},
				MethodResponses:   &[]*awsapigateway.MethodResponse{{StatusCode: jsii.String("200")}},
			})
		reason := "The front door's origin probe: the origin key check guards it (the web ACL in Header mode, the API key in ApiKey mode)"
		nag.Suppress(f.ProbeMethod, "AwsSolutions-APIG4", reason)
		nag.Suppress(f.ProbeMethod, "AwsSolutions-COG4", reason)
		return c.RestApi.DeploymentStage().UrlForPath(jsii.String("/" + ProbePath))
	case c.useVpcOrigin:
		return nil
	default:
		return jsii.String("https://" + *c.LoadBalancerDomainName + "/" + ProbePath)
	}
}
