package main

import (
	"crypto/rand"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
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
	// Lambda gives the function's credentials and region in its environment.
	// Reading them directly, instead of config.LoadDefaultConfig, leaves the
	// SSO, STS and IMDS clients out of a binary that must stay under 10 MB.
	awsCfg := aws.Config{
		Region: os.Getenv("AWS_REGION"),
		Credentials: credentials.NewStaticCredentialsProvider(
			os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), os.Getenv("AWS_SESSION_TOKEN")),
	}
	h := &Handler{
		Secrets: secretsmanager.NewFromConfig(awsCfg), CloudFront: cloudfront.NewFromConfig(awsCfg), WAF: wafv2.NewFromConfig(awsCfg),
		Config: cfg, Random: rand.Reader, Log: slog.New(slog.NewJSONHandler(os.Stdout, nil)),
	}
	lambda.Start(h.Handle)
}
