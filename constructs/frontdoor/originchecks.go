package frontdoor

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/internal/ptr"
)

// restApiChecks refuses, when the app is synthesized, what a REST API origin
// must not have, including what was added to it after the front door: a
// method authorized with AWS_IAM. A SigV4 signature covers the Host header
// and the path, and CloudFront sends the origin's Host and adds the stage to
// the path, so a signature made for the distribution fails at API Gateway.
// AWS's advice is to sign for the API Gateway endpoint itself (AWS re:Post
// Knowledge Center, "How do I set up API Gateway with my own CloudFront
// distribution?", on IAM authentication, as quoted in
// aws-amplify/amplify-js#9194; observed in aws-amplify/amplify-js#1339),
// which the origin web ACL or API key then refuses, since it did not come
// through CloudFront. Such a route could never be called.
//
// jsii passes a Go validation by reference, which an empty struct cannot be.
type restApiChecks struct {
	id  string
	api awsapigateway.RestApi
}

// Validate implements constructs.IValidation.
func (v *restApiChecks) Validate() *[]*string {
	var errs []*string
	fail := func(format string, a ...any) {
		errs = append(errs, jsii.String(fmt.Sprintf("frontdoor.NewFrontDoor %q: ", v.id)+fmt.Sprintf(format, a...)))
	}
	for _, node := range *v.api.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		m, ok := node.(awsapigateway.CfnMethod)
		// CloudFormation's value: the Go enum AuthorizationType_IAM is "IAM".
		if !ok || ptr.Or(m.AuthorizationType(), "") != "AWS_IAM" {
			continue
		}
		route := *m.Node().Path()
		if method, ok := m.Node().Scope().(awsapigateway.Method); ok {
			route = *method.HttpMethod() + " " + *method.Resource().Path()
		}
		fail("Props.RestApi's %s is authorized with AWS_IAM, which cannot work behind the front door: SigV4 signs the Host and the path, "+
			"which CloudFront rewrites, and the origin refuses callers that bypass CloudFront; use another authorizer "+
			"(Cognito or a Lambda authorizer), or put IAM routes on a REST API without a front door", route)
	}
	return &errs
}
