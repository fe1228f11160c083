// Package nag is the project's only way to tell cdk-nag that a rule does not
// apply: every suppression carries a written reason.
package nag

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Suppress records that a cdk-nag rule does not apply to a construct (and its
// children). It refuses to do so without a written reason; appliesTo narrows
// the suppression to the named findings (for example "Resource::*"), or to
// those matching a regular expression written as /…/ (cdk-nag writes tokens
// as <AWS::Region>, and an environment-specific stack has literal values
// instead).
func Suppress(c constructs.IConstruct, rule, reason string, appliesTo ...string) {
	if len(strings.TrimSpace(reason)) < 10 {
		panic(fmt.Sprintf("suppressing %s on %s needs a written reason of at least 10 characters", rule, *c.Node().Path()))
	}
	s := &cdknag.NagPackSuppression{Id: jsii.String(rule), Reason: jsii.String(reason)}
	if len(appliesTo) > 0 {
		var at []any
		for _, a := range appliesTo {
			if strings.HasPrefix(a, "/") && strings.HasSuffix(a, "/") && len(a) > 1 {
				at = append(at, &cdknag.RegexAppliesTo{Regex: jsii.String(a)})
			} else {
				at = append(at, a)
			}
		}
		s.AppliesTo = &at
	}
	cdknag.NagSuppressions_AddResourceSuppressions(c, &[]*cdknag.NagPackSuppression{s}, jsii.Bool(true))
}

// SuppressAuth records on a method why cdk-nag's authorization rules do not
// apply: a public route is public by the caller's choice (the default of the
// blog posts), and a route with IAM or a Lambda authorizer does not need
// Cognito.
func SuppressAuth(m awsapigateway.Method, o *awsapigateway.MethodOptions) {
	authType := awsapigateway.AuthorizationType_NONE
	if o.AuthorizationType != "" {
		authType = o.AuthorizationType
	} else if o.Authorizer != nil {
		authType = o.Authorizer.AuthorizationType()
	}
	switch authType {
	case awsapigateway.AuthorizationType_COGNITO:
		return
	case awsapigateway.AuthorizationType_NONE:
		reason := "Public route by default, as in the blog post; pass MethodOptions to require IAM, an authorizer or an API key"
		Suppress(m, "AwsSolutions-APIG4", reason)
		Suppress(m, "AwsSolutions-COG4", reason)
	default:
		Suppress(m, "AwsSolutions-COG4", "The route is authorized with "+string(authType)+", not a Cognito user pool")
	}
}
