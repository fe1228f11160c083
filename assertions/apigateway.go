package assertions

import (
	"fmt"
	"regexp"
	"testing"
)

// --- API Gateway: what the service refuses or runs differently ---

// vtlInGatewayResponse is what a gateway response template may not hold:
// API Gateway only substitutes variables in it, and runs no Velocity
// ("x-amazon-apigateway-gateway-responses.responseTemplates object", API
// Gateway developer guide), so a directive or $util/$input reaches the
// client as literal text.
var vtlInGatewayResponse = regexp.MustCompile(`#(if|elseif|else|end|set|foreach|macro|\{)|\$!?\{?(util|input)\b`)

// lambdaInvocation is the URI of a Lambda integration.
var lambdaInvocation = regexp.MustCompile(`:lambda:path/2015-03-31/functions/`)

// APIGatewayFindings checks the REST API resources of the template:
//   - AG-GatewayResponseVelocity: a gateway response template with a Velocity
//     directive, $util or $input (see vtlInGatewayResponse);
//   - AG-NoMethodResponse: an integration response whose status code has no
//     method response; API Gateway refuses it ("The status code must map to
//     an existing MethodResponse", PutIntegrationResponse);
//   - AG-PatternMatchesSuccess: a selection pattern of a Lambda non-proxy
//     integration that matches the empty string. API Gateway matches a
//     successful invocation as an empty error message ("Handle Lambda errors
//     in API Gateway"), so such a pattern turns successes into its response.
func APIGatewayFindings(r *Result) []Finding {
	var out []Finding
	resources, _ := r.JSON["Resources"].(map[string]any)
	for id, res := range resources {
		res, _ := res.(map[string]any)
		props, _ := res["Properties"].(map[string]any)
		switch res["Type"] {
		case "AWS::ApiGateway::GatewayResponse":
			templates, _ := props["ResponseTemplates"].(map[string]any)
			for ct, tpl := range templates {
				if s := fmt.Sprint(tpl); vtlInGatewayResponse.MatchString(s) {
					out = append(out, Finding{Rule: "AG-GatewayResponseVelocity", Where: id + ".ResponseTemplates." + ct,
						Message: fmt.Sprintf("gateway response templates are not Velocity (only $context and $stageVariables are substituted): %q", s)})
				}
			}
		case "AWS::ApiGateway::Method":
			out = append(out, methodFindings(id, props)...)
		}
	}
	sortFindings(out)
	return out
}

func methodFindings(id string, props map[string]any) []Finding {
	var out []Finding
	declared := map[string]bool{}
	for _, mr := range asList(props["MethodResponses"]) {
		mr, _ := mr.(map[string]any)
		declared[fmt.Sprint(mr["StatusCode"])] = true
	}
	integ, _ := props["Integration"].(map[string]any)
	lambda := integ["Type"] == "AWS" && lambdaInvocation.MatchString(JSON(integ["Uri"]))
	for i, ir := range asList(integ["IntegrationResponses"]) {
		ir, _ := ir.(map[string]any)
		where := fmt.Sprintf("%s.Integration.IntegrationResponses[%d]", id, i)
		if code := fmt.Sprint(ir["StatusCode"]); !declared[code] {
			out = append(out, Finding{Rule: "AG-NoMethodResponse", Where: where,
				Message: "status " + code + " has no method response; API Gateway refuses the integration response"})
		}
		pattern, _ := ir["SelectionPattern"].(string)
		if lambda && pattern != "" {
			re, err := regexp.Compile(`^(?:` + pattern + `)$`)
			switch {
			case err != nil:
				out = append(out, Finding{Rule: "AG-PatternMatchesSuccess", Where: where, Message: "selection pattern does not compile: " + err.Error()})
			case re.MatchString(""):
				out = append(out, Finding{Rule: "AG-PatternMatchesSuccess", Where: where,
					Message: fmt.Sprintf("selection pattern %q matches the empty string, so it also catches successful invocations", pattern)})
			}
		}
	}
	return out
}

// APIGateway fails the test with every finding of APIGatewayFindings.
func APIGateway(t testing.TB, r *Result) {
	t.Helper()
	report(t, "API Gateway", APIGatewayFindings(r))
}
