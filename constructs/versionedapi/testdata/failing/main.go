// Command failing is a stand-in for lambda/orders that fails: it panics
// when start is "panic", outlives its timeout for "slow", and returns an
// error with an empty message for "empty".
package main

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(ctx context.Context, req struct{ Start string }) (map[string]any, error) {
		switch req.Start {
		case "panic":
			panic("boom")
		case "slow":
			<-ctx.Done()
			time.Sleep(time.Second)
		case "empty":
			return nil, errors.New("")
		}
		return map[string]any{"orders": []any{}}, nil
	})
}
