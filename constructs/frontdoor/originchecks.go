package frontdoor

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/internal/ptr"
)

// restApiChecks refuses, when the app is synthesized, what a REST API origin
// must not have, including what was added to it after the front door:
//
//   - a method authorized with AWS_IAM. A SigV4 signature covers the Host
//     header and the path, and CloudFront sends the origin's Host and adds
//     the stage to the path, so a signature made for the distribution fails
//     at API Gateway. AWS's advice is to sign for the API Gateway endpoint
//     itself (AWS re:Post Knowledge Center, "How do I set up API Gateway
//     with my own CloudFront distribution?", on IAM authentication, as
//     quoted in aws-amplify/amplify-js#9194; observed in
//     aws-amplify/amplify-js#1339), which the origin web ACL or API key then
//     refuses, since it did not come through CloudFront. Such a route could
//     never be called.
//   - in Header mode, data tracing ("full request and response logs") on the
//     deployment stage: it logs the request headers, X-Origin-Verify with
//     them. API Gateway redacts only authorization headers, API key values
//     and similar parameters it knows (Amazon API Gateway Developer Guide,
//     "Execution logging for REST APIs"), which is why ModeApiKey's
//     x-api-key is not refused.
//
// jsii passes a Go validation by reference, which an empty struct cannot be.
type restApiChecks struct {
	id   string
	api  awsapigateway.RestApi
	mode Mode
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
	if v.mode == ModeHeader {
		if trace := dataTrace(v.api); trace != "" {
			fail("Props.RestApi's deployment stage %s: data tracing (full request and response logs) logs the request headers, "+
				"and with them the origin key in %s, which API Gateway does not redact; turn it off (StageOptions.DataTraceEnabled)",
				trace, HeaderName)
		}
	}
	return &errs
}

// dataTrace says how the deployment stage's method settings turn data tracing
// on ("" when none does): a setting that is true, or one whose value synth
// cannot know.
func dataTrace(api awsapigateway.RestApi) string {
	stage, ok := api.DeploymentStage().Node().DefaultChild().(awsapigateway.CfnStage)
	if !ok || stage.MethodSettings() == nil {
		return ""
	}
	resolved := awscdk.Stack_Of(stage).Resolve(stage.MethodSettings())
	raw, err := json.Marshal(resolved)
	if err != nil {
		return fmt.Sprintf("has method settings that cannot be read (%v)", err)
	}
	var settings []map[string]any
	if err := json.Unmarshal(raw, &settings); err != nil {
		return fmt.Sprintf("has method settings that are not a list of settings (%s)", raw)
	}
	for _, s := range settings {
		for k, v := range s {
			if !strings.EqualFold(k, "DataTraceEnabled") || v == false {
				continue
			}
			where := fmt.Sprintf("%v %v", s["httpMethod"], s["resourcePath"])
			if v == true {
				return "sets DataTraceEnabled for " + where
			}
			return fmt.Sprintf("sets DataTraceEnabled to %v (unknown at synth) for %s", v, where)
		}
	}
	return ""
}
