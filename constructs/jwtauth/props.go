package jwtauth

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"

	"github.com/blueprints-cdk/blueprints/internal/defaults"
	contract "github.com/blueprints-cdk/blueprints/internal/jwtauth"
	"github.com/blueprints-cdk/blueprints/internal/ptr"
)

// Rule gives the tokens that carry a scope the routes they may call: see
// internal/jwtauth.Rule ("METHOD /path", {sub} for the token's subject, a
// final * for every path below).
type Rule = contract.Rule

// DefaultRules are the post's: admins may call everything; every other
// valid token may GET anything and POST to its own /users/{sub}.
var DefaultRules = contract.DefaultRules

// Defaults of the authorizer resource.
const (
	// IdentitySource is where API Gateway reads the token.
	IdentitySource = "method.request.header.Authorization"
	// ValidationRegex is the bearer shape API Gateway checks before calling
	// the function: "Bearer" in any case, then a compact JWS.
	ValidationRegex = `^[Bb][Ee][Aa][Rr][Ee][Rr] [A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$`
	// DefaultCacheTtlSeconds is how long API Gateway keeps a token's policy.
	DefaultCacheTtlSeconds = 300
	// MaxCacheTtlSeconds is API Gateway's limit (AWS::ApiGateway::Authorizer
	// AuthorizerResultTtlInSeconds: at most 3600).
	MaxCacheTtlSeconds = 3600
)

// Props configures a JwtAuthorizer: one key source, the algorithms it signs
// with, and what the tokens may call.
type Props struct {
	// ExistingSecret holds the HMAC key (its SecretString). Mutually
	// exclusive with the other key sources.
	ExistingSecret awssecretsmanager.ISecret
	// GenerateSecret creates the HMAC key: 86 random letters and digits,
	// 512 bits, enough for HS512 (RFC 7518 §3.2: a key as long as the hash),
	// whatever Algorithms says, so that changing Algorithms does not make
	// CloudFormation generate a new key. Mutually exclusive with the other
	// key sources.
	GenerateSecret *bool
	// RemovalPolicy of the generated secret. Default: RETAIN.
	RemovalPolicy *awscdk.RemovalPolicy
	// KeyRefresh is how long the function keeps the keys it read (the
	// secret, or a JWKS URL's) before reading them again: a rotated or
	// revoked key takes effect within it. From 30 s to 24 h. Default: 15
	// minutes.
	KeyRefresh awscdk.Duration
	// JwksUrl is an issuer's JWKS (Cognito, Auth0, any OIDC issuer), fetched
	// and cached; an unknown kid fetches it again, at most every 30 s.
	JwksUrl *string //nolint:revive // the CDK Go bindings' casing
	// Jwks is a JWKS given inline, JSON.
	Jwks *string

	// Algorithms the key signs with: HS256, HS384 or HS512 for a secret;
	// RS*, PS*, ES* or EdDSA for a JWKS. "none" is never accepted. Default:
	// HS256 for a secret, RS256 for a JWKS.
	Algorithms *[]*string
	// Issuer, required with JwksUrl, must be the token's iss: a JWKS
	// verifies whatever its issuer signed (RFC 8725 §3.8).
	Issuer *string
	// Audience, when set, must be among the token's aud. Set it when the
	// issuer signs tokens for other APIs too (RFC 8725 §3.9).
	Audience *string
	// Leeway is the clock skew allowed on exp and nbf. Default: 60 s.
	Leeway awscdk.Duration
	// Rules map scopes to routes. Default: DefaultRules.
	Rules *[]Rule
	// ScopeClaim is the claim that holds the scopes. Default: "scope".
	ScopeClaim *string

	// CacheTtl is how long API Gateway keeps a token's policy: a cached
	// Allow outlives the token's exp, and any revocation, by up to this.
	// From 0 (no cache) to 3600 s. Default: 300 s.
	CacheTtl awscdk.Duration
	// IdentitySource is where the token is. Default:
	// method.request.header.Authorization.
	IdentitySource *string
}

// config is Props with the defaults applied: all that the builders read.
type config struct {
	existingSecret awssecretsmanager.ISecret
	generate       bool
	removal        awscdk.RemovalPolicy
	source         string
	env            map[string]string
	ttl            float64
	identity       string
	secretLength   int
}

// resolve validates the props and applies the defaults.
func resolve(p *Props) (*config, error) {
	c := &config{existingSecret: p.ExistingSecret, generate: ptr.Or(p.GenerateSecret, false), identity: ptr.Or(p.IdentitySource, IdentitySource)}
	var sources []string
	for name, set := range map[string]bool{
		"Props.ExistingSecret": p.ExistingSecret != nil, "Props.GenerateSecret": c.generate,
		"Props.JwksUrl": p.JwksUrl != nil, "Props.Jwks": p.Jwks != nil,
	} {
		if set {
			sources = append(sources, name)
		}
	}
	if len(sources) != 1 {
		return nil, fmt.Errorf("pass exactly one key source of Props.ExistingSecret, Props.GenerateSecret, Props.JwksUrl and Props.Jwks (got %v)", sorted(sources))
	}
	algs := []string{"RS256"}
	env := map[string]string{}
	switch {
	case p.ExistingSecret != nil || c.generate:
		c.source, algs = contract.KeySourceSecret, []string{"HS256"}
		env[contract.EnvSecretArn] = "arn:set-at-deploy"
	case p.JwksUrl != nil:
		c.source = contract.KeySourceJwksURL
		env[contract.EnvJwksURL] = *p.JwksUrl
		if p.Issuer == nil {
			return nil, fmt.Errorf("Props.Issuer is required with Props.JwksUrl: a JWKS verifies whatever its issuer signed, for any relying party")
		}
	default:
		c.source = contract.KeySourceJwks
		env[contract.EnvJwks] = *p.Jwks
	}
	env[contract.EnvKeySource] = c.source
	if p.Algorithms != nil {
		algs = nil
		for _, a := range *p.Algorithms {
			algs = append(algs, *a)
		}
	}
	env[contract.EnvAlgorithms] = strings.Join(algs, ",")
	if p.Issuer != nil {
		env[contract.EnvIssuer] = *p.Issuer
	}
	if p.Audience != nil {
		env[contract.EnvAudience] = *p.Audience
	}
	if p.Leeway != nil {
		env[contract.EnvLeeway] = strconv.Itoa(int(*p.Leeway.ToSeconds(nil))) + "s"
	}
	if p.ScopeClaim != nil {
		env[contract.EnvScopeClaim] = *p.ScopeClaim
	}
	if p.KeyRefresh != nil {
		env[contract.EnvRefresh] = strconv.Itoa(int(*p.KeyRefresh.ToSeconds(nil))) + "s"
	}
	if p.Rules != nil {
		b, err := json.Marshal(*p.Rules)
		if err != nil {
			return nil, fmt.Errorf("Props.Rules: %w", err)
		}
		env[contract.EnvRules] = string(b)
	}
	// The handler refuses what it cannot run: the same check at synth, with
	// the props' names.
	if _, err := contract.FromEnv(func(k string) string { return env[k] }); err != nil {
		return nil, fmt.Errorf("the props give the handler a bad configuration: %w", err)
	}
	if c.source == contract.KeySourceSecret {
		delete(env, contract.EnvSecretArn) // set to the secret's ARN by the construct
		c.secretLength = secretLength([]string{"HS512"})
	}
	// Lambda's environment is at most 4 KB, keys and values together
	// ("Lambda quotas"); an inline JWKS or a long rule table can exceed it.
	size := 0
	for k, v := range env {
		size += len(k) + len(v)
	}
	if size > 3500 {
		return nil, fmt.Errorf("Props.Jwks and Props.Rules make a %d-byte environment; Lambda allows 4 KB in all: serve the JWKS from Props.JwksUrl", size)
	}
	c.removal = defaults.RemovalPolicy(p.RemovalPolicy)
	c.env = env
	c.ttl = DefaultCacheTtlSeconds
	if p.CacheTtl != nil {
		c.ttl = *p.CacheTtl.ToSeconds(nil)
	}
	if c.ttl < 0 || c.ttl > MaxCacheTtlSeconds {
		return nil, fmt.Errorf("Props.CacheTtl %v s must be from 0 to %d s (API Gateway's limit)", c.ttl, MaxCacheTtlSeconds)
	}
	if !strings.HasPrefix(c.identity, "method.request.header.") {
		return nil, fmt.Errorf("Props.IdentitySource %q must be a request header, method.request.header.<name>", c.identity)
	}
	return c, nil
}

// SecretAlphabet is how many characters a generated secret draws from:
// letters and digits (Secrets Manager's GenerateSecretString with
// punctuation excluded).
const SecretAlphabet = 62

// secretLength is how many characters of SecretAlphabet carry as many bits
// as the strongest algorithm's hash: RFC 7518 §3.2 requires an HMAC key at
// least as long as the hash (HS256: 256 bits, so 43 characters of log2(62)
// = 5.95 bits each; HS384: 65; HS512: 86).
func secretLength(algs []string) int {
	bits := 256
	for _, a := range algs {
		if n, err := strconv.Atoi(strings.TrimPrefix(a, "HS")); err == nil && n > bits {
			bits = n
		}
	}
	return int(math.Ceil(float64(bits) / math.Log2(SecretAlphabet)))
}

func sorted(s []string) []string {
	slices.Sort(s)
	return s
}
