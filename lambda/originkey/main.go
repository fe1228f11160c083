package main

import (
	"crypto/rand"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/wafv2"
	waftypes "github.com/aws/aws-sdk-go-v2/service/wafv2/types"

	"github.com/blueprints-cdk/blueprints/internal/originkey"
)

func main() {
	env := func(name string) string {
		v := os.Getenv(name)
		if v == "" {
			fmt.Fprintln(os.Stderr, "origin key rotation:", name, "is not set")
			os.Exit(1)
		}
		return v
	}
	cfg := Config{DistributionID: env(originkey.EnvDistributionID), OriginID: env(originkey.EnvOriginID), HeaderName: env(originkey.EnvHeaderName)}
	// Lambda gives the function's credentials and region in its environment.
	// Reading them directly, instead of config.LoadDefaultConfig, leaves the
	// SSO, STS and IMDS clients out of a binary that must stay under 10 MB.
	awsCfg := aws.Config{
		Region: env("AWS_REGION"),
		Credentials: credentials.NewStaticCredentialsProvider(
			os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), os.Getenv("AWS_SESSION_TOKEN")),
	}
	var origin Origin
	switch mode := env(originkey.EnvMode); mode {
	case "Header":
		origin = &PatternSet{WAF: wafv2.NewFromConfig(awsCfg), Name: env(originkey.EnvPatternSetName), ID: env(originkey.EnvPatternSetID), Scope: waftypes.ScopeRegional}
	case "ApiKey":
		origin = &APIKeys{APIGateway: apigateway.NewFromConfig(awsCfg), UsagePlanID: env(originkey.EnvUsagePlanID), Bootstrap: env(originkey.EnvBootstrapKeyID), Tag: env(originkey.EnvKeyTag)}
	default:
		fmt.Fprintf(os.Stderr, "origin key rotation: MODE is %q, want Header or ApiKey\n", mode)
		os.Exit(1)
	}
	h := &Handler{
		Secrets: secretsmanager.NewFromConfig(awsCfg), CloudFront: cloudfront.NewFromConfig(awsCfg), Origin: origin,
		Config: cfg, Random: rand.Reader, Log: slog.New(slog.NewJSONHandler(os.Stdout, nil)),
	}
	lambda.Start(h.Handle)
}
