// Command failing is a stand-in for lambda/redirect that fails: it panics
// for the slug "panic", outlives its timeout for "slow", and returns an
// error with an empty message for "empty".
package main

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(ctx context.Context, req struct{ Slug string }) (map[string]any, error) {
		switch req.Slug {
		case "panic":
			panic("boom")
		case "slow":
			<-ctx.Done()
			time.Sleep(time.Second)
		case "empty":
			return nil, errors.New("")
		}
		return map[string]any{"notFound": true}, nil
	})
}
