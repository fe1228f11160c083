// Command failing stands in for a non-proxy Lambda handler and fails on
// request: it panics when the request's "slug" or "start" is "panic",
// outlives its timeout for "slow", and returns an error with an empty
// message for "empty". Otherwise it answers a result with no location and
// no orders.
package main

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(ctx context.Context, req struct{ Slug, Start string }) (map[string]any, error) {
		switch req.Slug + req.Start {
		case "panic":
			panic("boom")
		case "slow":
			<-ctx.Done()
			time.Sleep(time.Second)
		case "empty":
			return nil, errors.New("")
		}
		return map[string]any{"notFound": true, "orders": []any{}}, nil
	})
}
