// Package main rotates the origin key of constructs/frontdoor: a random value
// in Secrets Manager that CloudFront sends to the origin in a custom header.
// The origin accepts it in one of two ways (see origin.go): a regional WAF web
// ACL matching a regex pattern set of exact-match patterns (Header mode), or
// API Gateway API keys in the CloudFront_only usage plan (ApiKey mode).
//
// It implements Secrets Manager's four rotation steps (createSecret,
// setSecret, testSecret, finishSecret), each idempotent, so that at every
// moment the value CloudFront sends is one the origin accepts. The timeline,
// and why it replaces the post's approach, is written once, in
// constructs/frontdoor/README.md, "Rotation timeline".
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"time"

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
	// Probe asks the origin itself whether it accepts a value; nil where the
	// function cannot reach the origin (a VPC origin), which then relies on
	// Timing.SettleMargin alone.
	Probe Prober
	// Config names the distribution, its origin and the header it sends
	// (the mode's fields are read into Origin).
	Config originkey.Config
	Timing Timing
	Clock  Clock
	Random io.Reader
	Log    *slog.Logger
}

// Timing bounds the waits of one step. Every wait polls a real signal
// (CloudFront's status, the origin's answer to probes), except
// SettleMargin, which constructs/frontdoor/README.md's rotation timeline explains.
type Timing struct {
	// Poll is the interval between two reads of CloudFront's status.
	Poll time.Duration
	// Probes is how many probes in a row must find the origin accepting the
	// pending value (and refusing a random one), ProbeInterval apart.
	Probes        int
	ProbeInterval time.Duration
	// SettleMargin is the least time between making the origin accept a
	// value and making CloudFront send it. AWS WAF says a change takes "from
	// a few seconds to a number of minutes" to propagate and may be in
	// effect in one area and not yet in another (AWS WAF API Reference,
	// UpdateRegexPatternSet), which probes from one place cannot rule out.
	SettleMargin time.Duration
	// MaxWait bounds a step when its context has no deadline; with one, a
	// step stops waiting Reserve before it.
	MaxWait time.Duration
	Reserve time.Duration
}

// DefaultTiming is the rotation's timing in Lambda, whose timeout the
// construct sets to 15 minutes (originkey.FunctionTimeout).
var DefaultTiming = Timing{
	Poll: 15 * time.Second, Probes: 5, ProbeInterval: 5 * time.Second,
	SettleMargin: originkey.SettleMargin, MaxWait: 14 * time.Minute, Reserve: 30 * time.Second,
}

// Clock is the time the handler reads and waits in; tests simulate it.
type Clock interface {
	Now() time.Time
	Sleep(ctx context.Context, d time.Duration) error
}

// SystemClock is the real time.
type SystemClock struct{}

// Now implements Clock.
func (SystemClock) Now() time.Time { return time.Now() }

// Sleep implements Clock: it waits d, or returns the context's error.
func (SystemClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// deadline is when the step must stop waiting.
func (h *Handler) deadline(ctx context.Context) time.Time {
	if d, ok := ctx.Deadline(); ok {
		return d.Add(-h.Timing.Reserve)
	}
	return h.Clock.Now().Add(h.Timing.MaxWait)
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
	h := &Handler{
		Secrets: secretsmanager.NewFromConfig(awsCfg), CloudFront: cloudfront.NewFromConfig(awsCfg), Origin: origin,
		Config: cfg, Timing: DefaultTiming, Clock: SystemClock{}, Random: rand.Reader, Log: lambdamain.Logger(os.Stdout),
	}
	if cfg.ProbeURL != "" {
		h.Probe = &HTTPProber{URL: cfg.ProbeURL, Header: cfg.HeaderName, RefusedHeader: cfg.RefusedHeader, Client: &http.Client{
			Timeout: 10 * time.Second,
			// Never follow a redirect: Go would send the key header to
			// wherever it points (net/http: only Authorization, Cookie and
			// WWW-Authenticate are dropped across hosts).
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}}
	}
	return h, nil
}

// ErrNotDeployed is a step that waited as long as it may for CloudFront to
// finish deploying; Secrets Manager's retry finds the work done so far.
var ErrNotDeployed = errors.New("CloudFront has not finished deploying")

// ErrNotAccepted is a setSecret that waited as long as it may for the origin
// to accept the pending value.
var ErrNotAccepted = errors.New("the origin does not accept the pending origin key yet")

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

// set makes CloudFront send the pending value, once the origin surely
// accepts it:
//  1. it waits until CloudFront's last change is Deployed, so that no edge
//     still sends a value older than the one the distribution names;
//  2. it makes the origin accept {current, pending, the value CloudFront
//     sends}: nothing any edge may send is dropped;
//  3. it probes until the origin accepts the pending value (and refuses a
//     random one) Timing.Probes times in a row, and waits until
//     Timing.SettleMargin has passed since step 2;
//  4. only then it points CloudFront's header at the pending value.
//
// Every step is idempotent, and a wait that reaches its bound fails the
// step, which Secrets Manager retries.
func (h *Handler) set(ctx context.Context, ev events.SecretsManagerSecretRotationEvent) error {
	deadline := h.deadline(ctx)
	if _, err := h.waitDeployed(ctx, deadline); err != nil {
		return fmt.Errorf("before changing the origin: %w", err)
	}
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
		return nil // a retry: CloudFront was switched after the origin settled
	}
	settled := h.Clock.Now().Add(h.Timing.SettleMargin)
	if err := h.waitAccepted(ctx, pending, deadline); err != nil {
		return err
	}
	if wait := settled.Sub(h.Clock.Now()); wait > 0 {
		if settled.After(deadline) {
			return fmt.Errorf("%w: the settle margin ends after this step's deadline", ErrNotAccepted)
		}
		if err := h.Clock.Sleep(ctx, wait); err != nil {
			return err
		}
	}
	header.HeaderValue = aws.String(pending)
	_, err = h.CloudFront.UpdateDistribution(ctx, &cloudfront.UpdateDistributionInput{
		Id: aws.String(h.Config.DistributionID), IfMatch: cfg.ETag, DistributionConfig: cfg.DistributionConfig,
	})
	if err != nil {
		return fmt.Errorf("updating the distribution's origin header: %w", err)
	}
	h.Log.InfoContext(ctx, "CloudFront now sends the pending origin key")
	return nil
}

// waitDeployed polls the distribution until it is Deployed, or deadline,
// and returns the value it sends.
func (h *Handler) waitDeployed(ctx context.Context, deadline time.Time) (string, error) {
	for {
		d, err := h.CloudFront.GetDistribution(ctx, &cloudfront.GetDistributionInput{Id: aws.String(h.Config.DistributionID)})
		if err != nil {
			return "", fmt.Errorf("reading the distribution: %w", err)
		}
		_, sent, err := h.originHeader(d.Distribution.DistributionConfig)
		if err != nil {
			return "", err
		}
		status := aws.ToString(d.Distribution.Status)
		if status == "Deployed" {
			return sent, nil
		}
		if !h.Clock.Now().Add(h.Timing.Poll).Before(deadline) {
			return "", fmt.Errorf("%w (status %s)", ErrNotDeployed, status)
		}
		if err := h.Clock.Sleep(ctx, h.Timing.Poll); err != nil {
			return "", err
		}
	}
}

// waitAccepted probes the origin until it accepts pending and refuses a
// random value Timing.Probes times in a row, or deadline. Without a Probe
// it returns at once: the settle margin is then all there is.
func (h *Handler) waitAccepted(ctx context.Context, pending string, deadline time.Time) error {
	if h.Probe == nil {
		return nil
	}
	// The refused value comes from the system's randomness, not h.Random:
	// it must differ from pending whatever a test injects.
	wrong, err := NewKey(rand.Reader)
	if err != nil {
		return err
	}
	for streak := 0; streak < h.Timing.Probes; {
		ok, err := h.probeOnce(ctx, pending, wrong)
		switch {
		case err != nil:
			h.Log.WarnContext(ctx, "probe failed", "error", err.Error())
			streak = 0
		case ok:
			streak++
		default:
			streak = 0
		}
		if streak == h.Timing.Probes {
			break
		}
		if !h.Clock.Now().Add(h.Timing.ProbeInterval).Before(deadline) {
			return fmt.Errorf("%w after probing until the step's deadline", ErrNotAccepted)
		}
		if err := h.Clock.Sleep(ctx, h.Timing.ProbeInterval); err != nil {
			return err
		}
	}
	return nil
}

// probeOnce is true when the origin accepts pending and refuses wrong.
func (h *Handler) probeOnce(ctx context.Context, pending, wrong string) (bool, error) {
	accepted, err := h.Probe.Accepts(ctx, pending)
	if err != nil || !accepted {
		return false, err
	}
	refused, err := h.Probe.Accepts(ctx, wrong)
	return !refused, err
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

// test succeeds once CloudFront is Deployed sending the pending value,
// polling until then within the step's deadline.
func (h *Handler) test(ctx context.Context, ev events.SecretsManagerSecretRotationEvent) error {
	pending, err := h.value(ctx, ev.SecretID, "AWSPENDING", ev.ClientRequestToken)
	if err != nil {
		return fmt.Errorf("reading the pending value: %w", err)
	}
	sent, err := h.waitDeployed(ctx, h.deadline(ctx))
	if err != nil {
		return err
	}
	if sent != pending {
		return fmt.Errorf("the distribution does not send the pending origin key: setSecret has not run")
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
