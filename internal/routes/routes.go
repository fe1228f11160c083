// Package routes holds what the REST API constructs' routes share: the
// integration responses of AWS-service integrations, the method responses
// they need, and the copying of a caller's method options.
package routes

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/jsii-runtime-go"
)

// Responses are the integration responses every AWS-service route shares:
// backend 4xx → 400 (429 for throttling, detected from DynamoDB's __type) and
// 5xx → 500, all with JSON bodies that leak nothing of AWS. ok is the success
// response.
func Responses(ok *awsapigateway.IntegrationResponse) *[]*awsapigateway.IntegrationResponse {
	return &[]*awsapigateway.IntegrationResponse{
		ok,
		{
			SelectionPattern: jsii.String(`4\d{2}`),
			StatusCode:       jsii.String("400"),
			ResponseTemplates: &map[string]*string{"application/json": jsii.String(
				`#set($type = "$!input.path('$.__type')")` +
					`#if($type.endsWith("ProvisionedThroughputExceededException") || $type.endsWith("ThrottlingException") || ` +
					`$type.endsWith("RequestLimitExceeded"))` +
					`#set($context.responseOverride.status = 429)` +
					`{"message":"Too many requests: retry with backoff"}` +
					`#{else}{"message":"Bad request"}#end`)},
		},
		{
			SelectionPattern:  jsii.String(`5\d{2}`),
			StatusCode:        jsii.String("500"),
			ResponseTemplates: &map[string]*string{"application/json": jsii.String(`{"message":"Internal server error"}`)},
		},
	}
}

// MethodResponses declares the status codes Responses can give, plus extra.
func MethodResponses(extra ...string) *[]*awsapigateway.MethodResponse {
	var out []*awsapigateway.MethodResponse
	for _, code := range append(extra, "400", "429", "500") {
		out = append(out, &awsapigateway.MethodResponse{StatusCode: jsii.String(code)})
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
