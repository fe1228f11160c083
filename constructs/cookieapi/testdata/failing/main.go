// Command failing is a cookie handler that always fails with a two-line
// error message, for the end-to-end test of the cookie route's error
// pattern.
package main

import (
	"context"
	"errors"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(context.Context, any) (any, error) {
		return nil, errors.New("reading random bytes: unexpected EOF\nat the second line")
	})
}
