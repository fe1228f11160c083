package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

func main() {
	policy, err := PolicyFromEnv(os.Getenv)
	table := os.Getenv("TABLE_NAME")
	if err == nil && table == "" {
		err = fmt.Errorf("TABLE_NAME is not set")
	}
	cfg, cfgErr := config.LoadDefaultConfig(context.Background())
	if err == nil {
		err = cfgErr
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "email hygiene handler configuration:", err)
		os.Exit(1)
	}
	h := &Handler{
		DB: dynamodb.NewFromConfig(cfg), Table: table, Policy: policy, MaxAttempts: 20,
		Log: slog.New(slog.NewJSONHandler(os.Stdout, nil)),
	}
	lambda.Start(h.Handle)
}
