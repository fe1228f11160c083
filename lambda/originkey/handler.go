// Package main rotates the origin key of constructs/frontdoor: a random value
// in Secrets Manager that CloudFront sends to the origin in a custom header.
// The origin accepts it in one of two ways (see origin.go): a regional WAF web
// ACL matching a regex pattern set of exact-match patterns (Header mode), or
// API Gateway API keys in the CloudFront_only usage plan (ApiKey mode).
//
// It implements Secrets Manager's four rotation steps (createSecret,
// setSecret, testSecret, finishSecret), each idempotent, so that at every
// moment the value CloudFront sends is one the origin accepts. The timeline,
// and why it replaces the post's approach, is written once, in the README:
// "What the constructs do beyond the blog posts", frontdoor, "Rotation
// timeline".
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	smtypes "github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/aws-sdk-go-v2/service/wafv2"
	waftypes "github.com/aws/aws-sdk-go-v2/service/wafv2/types"

	"github.com/blueprints-cdk/blueprints/internal/lambdamain"
	"github.com/blueprints-cdk/blueprints/internal/originkey"
)

// KeyLength is the length of an origin key, in characters of [A-Za-z0-9].
const KeyLength = originkey.KeyLength

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// SecretsAPI is the part of Secrets Manager the handler calls; a
// *secretsmanager.Client is one.
type SecretsAPI interface {
	DescribeSecret(context.Context, *secretsmanager.DescribeSecretInput, ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error)
	GetSecretValue(context.Context, *secretsmanager.GetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
	PutSecretValue(context.Context, *secretsmanager.PutSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.PutSecretValueOutput, error)
	UpdateSecretVersionStage(context.Context, *secretsmanager.UpdateSecretVersionStageInput,
		...func(*secretsmanager.Options)) (*secretsmanager.UpdateSecretVersionStageOutput, error)
}

// CloudFrontAPI is the part of CloudFront the handler calls; a
// *cloudfront.Client is one.
type CloudFrontAPI interface {
	GetDistribution(context.Context, *cloudfront.GetDistributionInput, ...func(*cloudfront.Options)) (*cloudfront.GetDistributionOutput, error)
	GetDistributionConfig(context.Context, *cloudfront.GetDistributionConfigInput,
		...func(*cloudfront.Options)) (*cloudfront.GetDistributionConfigOutput, error)
	UpdateDistribution(context.Context, *cloudfront.UpdateDistributionInput, ...func(*cloudfront.Options)) (*cloudfront.UpdateDistributionOutput, error)
}

// Handler rotates one secret.
type Handler struct {
	Secrets    SecretsAPI
	CloudFront CloudFrontAPI
	Origin     Origin // what the origin accepts
	// Config names the distribution, its origin and the header it sends
	// (the mode's fields are read into Origin).
	Config originkey.Config
	Random io.Reader
	Log    *slog.Logger
}

// newHandler builds the handler from the environment the construct set,
// through the contract package, with clients for Lambda's region and
// credentials: a bad configuration is an error.
func newHandler(getenv func(string) string) (*Handler, error) {
	cfg, err := originkey.FromEnv(getenv)
	if err != nil {
		return nil, err
	}
	awsCfg, err := lambdamain.AWSConfig(getenv)
	if err != nil {
		return nil, err
	}
	var origin Origin
	if cfg.Mode == originkey.ModeHeader {
		origin = &PatternSet{WAF: wafv2.NewFromConfig(awsCfg), Name: cfg.PatternSetName, ID: cfg.PatternSetID, Scope: waftypes.ScopeRegional}
	} else {
		origin = &APIKeys{APIGateway: apigateway.NewFromConfig(awsCfg), UsagePlanID: cfg.UsagePlanID, Bootstrap: cfg.BootstrapKeyID, Tag: cfg.KeyTag}
	}
	return &Handler{
		Secrets: secretsmanager.NewFromConfig(awsCfg), CloudFront: cloudfront.NewFromConfig(awsCfg), Origin: origin,
		Config: cfg, Random: rand.Reader, Log: lambdamain.Logger(os.Stdout),
	}, nil
}

// ErrNotDeployed makes testSecret fail while CloudFront deploys; Secrets
// Manager calls the step again later.
var ErrNotDeployed = errors.New("CloudFront has not finished deploying the pending origin key")

// Handle runs one rotation step.
func (h *Handler) Handle(ctx context.Context, ev events.SecretsManagerSecretRotationEvent) error {
	if ev.SecretID == "" || ev.ClientRequestToken == "" {
		return fmt.Errorf("rotation event lacks SecretId or ClientRequestToken")
	}
	desc, err := h.Secrets.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(ev.SecretID)})
	if err != nil {
		return fmt.Errorf("describing the secret: %w", err)
	}
	stages, ok := desc.VersionIdsToStages[ev.ClientRequestToken]
	if !ok {
		return fmt.Errorf("version %s is not a version of the secret", ev.ClientRequestToken)
	}
	if slices.Contains(stages, "AWSCURRENT") {
		h.Log.InfoContext(ctx, "version is already current", "step", ev.Step)
		return nil // a retried finishSecret, or a rotation already done
	}
	if !slices.Contains(stages, "AWSPENDING") {
		return fmt.Errorf("version %s is not AWSPENDING", ev.ClientRequestToken)
	}
	h.Log.InfoContext(ctx, "rotation step", "step", ev.Step, "secret", ev.SecretID)
	switch ev.Step {
	case "createSecret":
		return h.create(ctx, ev)
	case "setSecret":
		return h.set(ctx, ev)
	case "testSecret":
		return h.test(ctx, ev)
	case "finishSecret":
		return h.finish(ctx, ev, desc)
	}
	return fmt.Errorf("unknown rotation step %q", ev.Step)
}

func (h *Handler) value(ctx context.Context, secret, stage, version string) (string, error) {
	in := &secretsmanager.GetSecretValueInput{SecretId: aws.String(secret)}
	if version != "" {
		in.VersionId = aws.String(version)
	}
	if stage != "" {
		in.VersionStage = aws.String(stage)
	}
	out, err := h.Secrets.GetSecretValue(ctx, in)
	if err != nil {
		return "", err
	}
	return aws.ToString(out.SecretString), nil
}

// create stores a new random value as the pending version, unless a retry
// finds it there already.
func (h *Handler) create(ctx context.Context, ev events.SecretsManagerSecretRotationEvent) error {
	_, err := h.value(ctx, ev.SecretID, "AWSPENDING", ev.ClientRequestToken)
	if err == nil {
		return nil
	}
	var missing *smtypes.ResourceNotFoundException
	if !errors.As(err, &missing) {
		return fmt.Errorf("reading the pending value: %w", err)
	}
	key, err := NewKey(h.Random)
	if err != nil {
		return err
	}
	_, err = h.Secrets.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
		SecretId: aws.String(ev.SecretID), ClientRequestToken: aws.String(ev.ClientRequestToken),
		SecretString: aws.String(key), VersionStages: []string{"AWSPENDING"},
	})
	return err
}

// set makes the origin accept the pending value (keeping what CloudFront
// sends now), then makes CloudFront send it.
func (h *Handler) set(ctx context.Context, ev events.SecretsManagerSecretRotationEvent) error {
	current, err := h.value(ctx, ev.SecretID, "AWSCURRENT", "")
	if err != nil {
		return fmt.Errorf("reading the current value: %w", err)
	}
	pending, err := h.value(ctx, ev.SecretID, "AWSPENDING", ev.ClientRequestToken)
	if err != nil {
		return fmt.Errorf("reading the pending value: %w", err)
	}
	cfg, err := h.CloudFront.GetDistributionConfig(ctx, &cloudfront.GetDistributionConfigInput{Id: aws.String(h.Config.DistributionID)})
	if err != nil {
		return fmt.Errorf("reading the distribution: %w", err)
	}
	header, sent, err := h.originHeader(cfg.DistributionConfig)
	if err != nil {
		return err
	}
	accepted := []string{current, pending}
	if sent != "" {
		accepted = append(accepted, sent)
	}
	if err := h.Origin.Accept(ctx, accepted); err != nil {
		return fmt.Errorf("making the origin accept the pending value: %w", err)
	}
	if sent == pending {
		return nil
	}
	header.HeaderValue = aws.String(pending)
	_, err = h.CloudFront.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{
		Id: aws.String(h.Config.DistributionID), IfMatch: cfg.ETag, DistributionConfig: cfg.DistributionConfig,
	})
	if err != nil {
		return fmt.Errorf("updating the distribution's origin header: %w", err)
	}
	return nil
}

// originHeader finds the origin's custom header and the value it sends.
func (h *Handler) originHeader(cfg *cftypes.DistributionConfig) (*cftypes.OriginCustomHeader, string, error) {
	if cfg == nil || cfg.Origins == nil {
		return nil, "", fmt.Errorf("the distribution has no origins")
	}
	for i := range cfg.Origins.Items {
		o := &cfg.Origins.Items[i]
		if aws.ToString(o.Id) != h.Config.OriginID {
			continue
		}
		if o.CustomHeaders == nil {
			break
		}
		for j := range o.CustomHeaders.Items {
			hd := &o.CustomHeaders.Items[j]
			if aws.ToString(hd.HeaderName) == h.Config.HeaderName {
				return hd, aws.ToString(hd.HeaderValue), nil
			}
		}
	}
	return nil, "", fmt.Errorf("origin %s of distribution %s has no %s header", h.Config.OriginID, h.Config.DistributionID, h.Config.HeaderName)
}

// test succeeds once CloudFront is Deployed sending the pending value.
func (h *Handler) test(ctx context.Context, ev events.SecretsManagerSecretRotationEvent) error {
	pending, err := h.value(ctx, ev.SecretID, "AWSPENDING", ev.ClientRequestToken)
	if err != nil {
		return fmt.Errorf("reading the pending value: %w", err)
	}
	d, err := h.CloudFront.GetDistribution(ctx, &cloudfront.GetDistributionInput{Id: aws.String(h.Config.DistributionID)})
	if err != nil {
		return fmt.Errorf("reading the distribution: %w", err)
	}
	_, sent, err := h.originHeader(d.Distribution.DistributionConfig)
	if err != nil {
		return err
	}
	if sent != pending {
		return fmt.Errorf("the distribution does not send the pending origin key: setSecret has not run")
	}
	if status := aws.ToString(d.Distribution.Status); status != "Deployed" {
		return fmt.Errorf("%w (status %s)", ErrNotDeployed, status)
	}
	return nil
}

// finish makes the pending version current.
func (h *Handler) finish(ctx context.Context, ev events.SecretsManagerSecretRotationEvent, desc *secretsmanager.DescribeSecretOutput) error {
	var current string
	for version, stages := range desc.VersionIdsToStages {
		if slices.Contains(stages, "AWSCURRENT") {
			current = version
		}
	}
	_, err := h.Secrets.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{
		SecretId: aws.String(ev.SecretID), VersionStage: aws.String("AWSCURRENT"),
		MoveToVersionId: aws.String(ev.ClientRequestToken), RemoveFromVersionId: aws.String(current),
	})
	return err
}

// NewKey is a random origin key.
func NewKey(random io.Reader) (string, error) {
	b := make([]byte, KeyLength)
	out := make([]byte, KeyLength)
	for i := 0; i < KeyLength; {
		if _, err := io.ReadFull(random, b); err != nil {
			return "", fmt.Errorf("reading random bytes: %w", err)
		}
		for _, c := range b {
			if c < 248 && i < KeyLength { // 248 = 4 × 62: no modulo bias
				out[i] = alphabet[int(c)%len(alphabet)]
				i++
			}
		}
	}
	return string(out), nil
}
