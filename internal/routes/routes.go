// Package routes holds what the REST API constructs' routes share: the
// integration responses of AWS-service integrations, the method responses
// they need, and the copying of a caller's method options.
package routes

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/jsii-runtime-go"
)

// ClientError is a DynamoDB 4xx that the client caused, and the answer it
// gets: Condition is VTL, true when it applies ($type is DynamoDB's __type).
type ClientError struct {
	Condition string
	Status    int
	Message   string
}

// Conflict is ConditionalCheckFailedException, for a route whose write has a
// condition: the item it would create exists.
var Conflict = ClientError{
	Condition: `$type.endsWith("ConditionalCheckFailedException")`, Status: 409, Message: "Conflict: the item exists",
}

// Responses are the integration responses of a DynamoDB route: ok, then
// every DynamoDB error as a JSON body that leaks nothing of AWS. Throttling
// (ProvisionedThroughputExceededException, ThrottlingException,
// RequestLimitExceeded, detected from __type) is a retryable 429; the
// clientErrors the route names get their status; every other 4xx
// (AccessDeniedException, ResourceNotFoundException, KMS errors, a
// ValidationException the route did not expect: a template bug, since the
// request validator passed) and every 5xx is a 500, which counts in the
// stage's 5XXError metric. prelude is VTL run before the conditions.
//
// The 4xx response sets its status once, at the end of each branch:
// "Overrides are final" ("Override your API's request and response
// parameters and status codes for REST APIs"). Each integration response
// has its own status code (the 4xx one 429, overridden), since API Gateway
// keys a method's integration responses by status code
// (PutIntegrationResponse, .../integration/responses/{status_code}): two
// with one code would leave one of them.
func Responses(ok *awsapigateway.IntegrationResponse, prelude string, clientErrors ...ClientError) *[]*awsapigateway.IntegrationResponse {
	tpl := prelude + `#set($type = "$!input.path('$.__type')")` +
		`#if($type.endsWith("ProvisionedThroughputExceededException") || $type.endsWith("ThrottlingException") || ` +
		`$type.endsWith("RequestLimitExceeded"))` +
		`#set($context.responseOverride.status = 429){"message":"Too many requests: retry with backoff"}`
	for _, e := range clientErrors {
		tpl += fmt.Sprintf(`#elseif(%s)#set($context.responseOverride.status = %d){"message":%s}`, e.Condition, e.Status, messageVTL(e.Message))
	}
	tpl += `#{else}#set($context.responseOverride.status = 500){"message":"Internal server error"}#end`
	return &[]*awsapigateway.IntegrationResponse{
		ok,
		{
			SelectionPattern:  jsii.String(`4\d{2}`),
			StatusCode:        jsii.String("429"),
			ResponseTemplates: &map[string]*string{"application/json": jsii.String(tpl)},
		},
		{
			SelectionPattern:  jsii.String(`5\d{2}`),
			StatusCode:        jsii.String("500"),
			ResponseTemplates: &map[string]*string{"application/json": jsii.String(`{"message":"Internal server error"}`)},
		},
	}
}

// messageVTL is a message as a JSON string: a fixed one quoted, or a VTL
// reference ($bad) printed as one.
func messageVTL(m string) string {
	if strings.HasPrefix(m, "$") {
		return `"` + m + `"`
	}
	b, err := json.Marshal(m)
	if err != nil { // a Go string always marshals
		panic(err)
	}
	return string(b)
}

// MethodResponses declares the status codes Responses can give: extra, the
// client errors' (400, 409, …), 429 and 500.
func MethodResponses(extra ...string) *[]*awsapigateway.MethodResponse {
	var out []*awsapigateway.MethodResponse
	seen := map[string]bool{}
	for _, code := range append(extra, "429", "500") {
		if !seen[code] {
			seen[code] = true
			out = append(out, &awsapigateway.MethodResponse{StatusCode: jsii.String(code)})
		}
	}
	return &out
}

// MethodOptions returns a copy of override, or of common when override is
// nil, so that a construct's own settings never change the caller's struct.
func MethodOptions(override, common *awsapigateway.MethodOptions) *awsapigateway.MethodOptions {
	o := override
	if o == nil {
		o = common
	}
	if o == nil {
		return &awsapigateway.MethodOptions{}
	}
	c := *o
	return &c
}
