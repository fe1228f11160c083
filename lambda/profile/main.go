package main

import (
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/blueprints-cdk/blueprints/internal/cookies"
)

func main() {
	attrs, err := cookies.FromEnv(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "profile handler configuration:", err)
		os.Exit(1)
	}
	h := &Handler{Attrs: attrs, Now: time.Now, Log: slog.New(slog.NewJSONHandler(os.Stderr, nil))}
	lambda.Start(h.Handle)
}
