// Command posts redirects the way the post's function did: by failing,
// with "HandlerDemo.ResponseFound" in the message and the target in the
// error type (aws-lambda-go reports an InvokeResponse_Error's Type as
// errorType).
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"
)

func main() {
	lambda.Start(func() error {
		return messages.InvokeResponse_Error{Message: "HandlerDemo.ResponseFound Redirection: Resource found elsewhere", Type: "https://example.com/"}
	})
}
