package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/wafv2"
	waftypes "github.com/aws/aws-sdk-go-v2/service/wafv2/types"
)

func main() {
	cfg := Config{
		DistributionID: os.Getenv("DISTRIBUTION_ID"), OriginID: os.Getenv("ORIGIN_ID"), HeaderName: os.Getenv("HEADER_NAME"),
		PatternSetName: os.Getenv("PATTERN_SET_NAME"), PatternSetID: os.Getenv("PATTERN_SET_ID"), Scope: waftypes.ScopeRegional,
	}
	for name, v := range map[string]string{"DISTRIBUTION_ID": cfg.DistributionID, "ORIGIN_ID": cfg.OriginID, "HEADER_NAME": cfg.HeaderName,
		"PATTERN_SET_NAME": cfg.PatternSetName, "PATTERN_SET_ID": cfg.PatternSetID} {
		if v == "" {
			fmt.Fprintln(os.Stderr, "origin key rotation:", name, "is not set")
			os.Exit(1)
		}
	}
	awsCfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "origin key rotation:", err)
		os.Exit(1)
	}
	h := &Handler{
		Secrets: secretsmanager.NewFromConfig(awsCfg), CloudFront: cloudfront.NewFromConfig(awsCfg), WAF: wafv2.NewFromConfig(awsCfg),
		Config: cfg, Random: rand.Reader, Log: slog.New(slog.NewJSONHandler(os.Stdout, nil)),
	}
	lambda.Start(h.Handle)
}
