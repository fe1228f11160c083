// Package local is the local harness for API tests: it runs API Gateway
// mapping templates in a real Velocity engine and sends what they produce to
// a real DynamoDB-API server, all on this machine.
//
//   - Velocity renders a template with API Gateway's $input, $util and
//     $context (see velocity.js for exactly what is implemented and why).
//   - Dynalite runs the npm dynalite server, in memory, on 127.0.0.1 and a
//     random port.
//   - Method emulates one REST API method from a synthesized template: request
//     validation against its JSON Schema model, the request template, the
//     AWS-service call, and the integration-response selection and template.
//
// It does not import the CDK, so Lambda tests that use it stay fast to build.
// The npm tools come from the Makefile (`make tools`); when one is missing,
// the functions here return an error that says so, and tests fail.
package local
