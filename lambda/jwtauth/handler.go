// Package main is the JWT authorizer of constructs/jwtauth: a Lambda TOKEN
// authorizer for API Gateway REST APIs, after "Introducing custom
// authorizers in Amazon API Gateway". API Gateway passes it the
// Authorization header and the methodArn of the request; it verifies the
// bearer JWT and returns an IAM policy that allows the routes the token's
// scopes grant, which API Gateway caches for the token.
//
// Unlike the post's function, it compares scopes as whole words (the post's
// indexOf made "notadmins" an admin); refuses a subject that would change
// the meaning of an execute-api resource (*, ?, /, whitespace, control
// characters, "${"); accepts only the algorithms of its key source's type,
// never "none", and requires exp, honours nbf, and checks iss and aud when
// configured; reads its key once per refresh interval instead of calling
// KMS on every request; and returns a policy that covers every route the
// token may call, not only the requested one, so that it stays right when
// API Gateway answers the token's next request, to another route, from its
// cache.
//
// Tokens are verified with github.com/golang-jwt/jwt/v5: a small, widely
// used and maintained library with no dependency of its own, whose parser
// takes the checks this handler needs as explicit options (WithValidMethods,
// an allow-list checked before any key is looked up; WithExpirationRequired;
// WithLeeway; WithIssuer; WithAudience; WithStrictDecoding), and which
// leaves the key lookup to the handler, so that the handler alone decides
// which key may verify which algorithm. JWKS keys (RSA n/e, EC P-256, P-384
// and P-521 x/y, OKP Ed25519 x) are read with the standard library. The
// tests mint their tokens with the standard library's crypto alone, an
// implementation independent of golang-jwt.
//
// Answers: a policy (Allow for the granted routes, or Deny for everything
// when the token is valid but its scopes grant no route); the error
// ErrUnauthorized ("Unauthorized", which API Gateway turns into a 401) for
// any invalid token; ErrKeySourceUnavailable (a 500) when the keys cannot
// be read. The log says why, and never holds the token or the key.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/golang-jwt/jwt/v5"

	"github.com/blueprints-cdk/blueprints/internal/jwtauth"
	"github.com/blueprints-cdk/blueprints/internal/lambdamain"
)

// The handler's errors, the only ones Handle returns.
var (
	// ErrUnauthorized refuses a token: API Gateway answers 401 Unauthorized
	// to a Lambda authorizer's error whose message is exactly
	// "Unauthorized" (API Gateway developer guide, "Use API Gateway Lambda
	// authorizers").
	ErrUnauthorized = errors.New("Unauthorized")
	// ErrKeySourceUnavailable is a failure to read the keys (Secrets
	// Manager, or the JWKS URL): API Gateway answers 500, and the cause is
	// in the log only.
	ErrKeySourceUnavailable = errors.New("authorizer key source unavailable")
)

// SecretsAPI is the part of Secrets Manager the handler calls; a
// *secretsmanager.Client is one.
type SecretsAPI interface {
	GetSecretValue(context.Context, *secretsmanager.GetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// Handler is the authorizer. Build it with New.
type Handler struct {
	Config jwtauth.Config
	// Secrets reads the HMAC key (jwtauth.KeySourceSecret).
	Secrets SecretsAPI
	// HTTP reads the JWKS (jwtauth.KeySourceJwksURL).
	HTTP *http.Client
	Log  *slog.Logger
	// Now is the time tokens and cached keys are checked against.
	Now func() time.Time

	routes []rule

	mu      sync.Mutex
	fetch   func(context.Context) ([]verificationKey, error) // nil for an inline JWKS
	keys    []verificationKey
	expires time.Time // when the fetched keys are due to be read again
	tried   time.Time // the last read of the source, successful or not
}

// rule is a jwtauth.Rule with its routes parsed into resource suffixes:
// "METHOD/path".
type rule struct {
	scope     string
	resources []string
}

// newHandler builds the handler from the environment the construct set,
// through the contract package: for KeySourceSecret, with a Secrets Manager
// client for Lambda's region and credentials, which
// AWS_ENDPOINT_URL_SECRETS_MANAGER (or AWS_ENDPOINT_URL) points elsewhere
// for a local run. A bad configuration, an inline JWKS included, is an
// error.
func newHandler(getenv func(string) string) (*Handler, error) {
	cfg, err := jwtauth.FromEnv(getenv)
	if err != nil {
		return nil, err
	}
	var secrets SecretsAPI
	if cfg.KeySource == jwtauth.KeySourceSecret {
		awsCfg, err := lambdamain.AWSConfig(getenv)
		if err != nil {
			return nil, err
		}
		endpoint := lambdamain.Endpoint(getenv, "SECRETS_MANAGER")
		if endpoint != nil {
			if u, err := url.Parse(*endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return nil, fmt.Errorf("AWS_ENDPOINT_URL_SECRETS_MANAGER (or AWS_ENDPOINT_URL) %q must be an http or https URL", *endpoint)
			}
		}
		secrets = secretsmanager.NewFromConfig(awsCfg, func(o *secretsmanager.Options) {
			o.BaseEndpoint = endpoint
		})
	}
	client := &http.Client{
		Timeout: FetchTimeout,
		// An https JWKS URL may redirect, to https only.
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if req.URL.Scheme != "https" || len(via) >= 3 {
				return fmt.Errorf("the JWKS URL redirects to %s", req.URL.Redacted())
			}
			return nil
		},
	}
	return New(cfg, secrets, client)
}

// New builds the handler for cfg (jwtauth.FromEnv's): secrets reads the
// HMAC key of KeySourceSecret, client the JWKS of KeySourceJwksURL, and an
// inline JWKS (KeySourceJwks) is read here: a JWKS with a key the handler
// cannot use is an error. The keys of the other sources are read at the
// first token.
func New(cfg jwtauth.Config, secrets SecretsAPI, client *http.Client) (*Handler, error) {
	h := &Handler{Config: cfg, Secrets: secrets, HTTP: client, Log: lambdamain.Logger(os.Stdout), Now: time.Now}
	if len(cfg.Algorithms) == 0 || cfg.MaxTokenBytes <= 0 || cfg.MaxSubject <= 0 || cfg.ScopeClaim == "" {
		return nil, errors.New("the configuration needs algorithms, a token size cap, a subject length cap and a scope claim")
	}
	for _, r := range cfg.Rules {
		parsed := rule{scope: r.Scope}
		for _, route := range r.Allow {
			verb, path, err := jwtauth.ParseRoute(route)
			if err != nil {
				return nil, err
			}
			parsed.resources = append(parsed.resources, verb+path)
		}
		h.routes = append(h.routes, parsed)
	}
	switch cfg.KeySource {
	case jwtauth.KeySourceSecret:
		if secrets == nil {
			return nil, errors.New("a secret key source needs a Secrets Manager client")
		}
		h.fetch = h.fetchSecret
	case jwtauth.KeySourceJwksURL:
		if client == nil {
			return nil, errors.New("a JWKS URL key source needs an HTTP client")
		}
		h.fetch = h.fetchJWKS
	case jwtauth.KeySourceJwks:
		keys, skipped, err := ParseJWKS([]byte(cfg.Jwks))
		if err == nil {
			err = errors.Join(skipped...) // inline, every key must be usable
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", jwtauth.EnvJwks, err)
		}
		h.keys = keys
	default:
		return nil, fmt.Errorf("unknown key source %q", cfg.KeySource)
	}
	return h, nil
}

// Handle authorizes one token: see the package documentation.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
	var none events.APIGatewayCustomAuthorizerResponse
	// The size cap comes first: nothing of an oversized token is read.
	token, ok := bearer(req.AuthorizationToken, h.Config.MaxTokenBytes)
	if !ok {
		return none, h.refuse(ctx, fmt.Sprintf("the authorization is not \"Bearer <token>\" with a token of at most %d bytes", h.Config.MaxTokenBytes))
	}
	stage, ok := parseMethodArn(req.MethodArn)
	if !ok {
		return none, h.refuse(ctx, "the methodArn is not an execute-api method ARN")
	}
	claims, err := h.verify(ctx, token)
	if errors.Is(err, errKeySource) {
		h.Log.ErrorContext(ctx, "the key source is unavailable", "keySource", h.Config.KeySource, "error", err.Error())
		return none, ErrKeySourceUnavailable
	}
	if err != nil {
		return none, h.refuse(ctx, err.Error())
	}
	sub, err := subject(claims, h.Config.MaxSubject)
	if err != nil {
		return none, h.refuse(ctx, err.Error())
	}
	scopes, err := tokenScopes(claims, h.Config.ScopeClaim)
	if err != nil {
		return none, h.refuse(ctx, err.Error())
	}
	resources := h.resources(stage, sub, scopes)
	effect := "Allow"
	if len(resources) == 0 {
		// A valid token that no rule grants anything: 403 for every route.
		effect, resources = "Deny", []string{stage + "/*/*"}
	}
	h.Log.InfoContext(ctx, "authorized", "sub", sub, "effect", effect, "resources", len(resources))
	return events.APIGatewayCustomAuthorizerResponse{
		PrincipalID: sub,
		PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{
			Version:   "2012-10-17",
			Statement: []events.IAMPolicyStatement{{Action: []string{"execute-api:Invoke"}, Effect: effect, Resource: resources}},
		},
		Context: map[string]any{"sub": sub, "scope": strings.Join(scopes, " ")},
	}, nil
}

// refuse logs why a token is refused (never the token) and returns
// ErrUnauthorized.
func (h *Handler) refuse(ctx context.Context, reason string) error {
	h.Log.InfoContext(ctx, "unauthorized", "reason", reason)
	return ErrUnauthorized
}

// bearer is the token of an Authorization value "Bearer <token>" (RFC 6750
// §2.1; the scheme in any case), if the token is at most max bytes.
func bearer(authorization string, max int) (string, bool) {
	const prefix = "bearer "
	if len(authorization) <= len(prefix) || len(authorization)-len(prefix) > max || !strings.EqualFold(authorization[:len(prefix)], prefix) {
		return "", false
	}
	return authorization[len(prefix):], true
}

// methodArn is a Lambda authorizer's methodArn,
// arn:partition:execute-api:region:account:apiId/stage/METHOD/path ("Input
// to an API Gateway Lambda authorizer"; "Control access to an API with IAM
// permissions" for the resource format). Stage names are letters, digits,
// hyphens and underscores (CreateStage). The policy depends on the stage's
// ARN alone, so the method and path after it are not parsed: whether API
// Gateway sends the path percent-decoded is not documented.
var methodArn = regexp.MustCompile(
	`^(arn:aws(?:-[a-z]+)*:execute-api:[a-z]{2,8}(?:-[a-z]+)+-[0-9]{1,2}:[0-9]{12}:[A-Za-z0-9]{1,64}/[A-Za-z0-9_-]{1,128})/[A-Z]{1,16}/`)

// parseMethodArn is the ARN of the request's stage,
// arn:partition:execute-api:region:account:apiId/stage.
func parseMethodArn(arn string) (string, bool) {
	if len(arn) > 2048 || !utf8.ValidString(arn) {
		return "", false
	}
	m := methodArn.FindStringSubmatch(arn)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// verify checks the token's signature with a key of the key source, then
// its claims.
func (h *Handler) verify(ctx context.Context, token string) (jwt.MapClaims, error) {
	opts := []jwt.ParserOption{
		jwt.WithValidMethods(h.Config.Algorithms), jwt.WithExpirationRequired(), jwt.WithLeeway(h.Config.Leeway),
		jwt.WithTimeFunc(h.Now), jwt.WithStrictDecoding(),
	}
	if h.Config.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(h.Config.Issuer))
	}
	if h.Config.Audience != "" {
		opts = append(opts, jwt.WithAudience(h.Config.Audience))
	}
	claims := jwt.MapClaims{}
	_, err := jwt.NewParser(opts...).ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		// The alg is one of Config.Algorithms here (WithValidMethods).
		if _, ok := t.Header["crit"]; ok {
			return nil, errors.New("the token has critical header parameters, and the handler knows none (RFC 7515 §4.1.11)")
		}
		raw, hasKid := t.Header["kid"]
		kid, ok := raw.(string)
		if hasKid && !ok {
			return nil, errors.New("the token's kid is not a string")
		}
		keys, err := h.keysFor(ctx, t.Method.Alg(), kid, hasKid)
		if err != nil {
			return nil, err
		}
		return jwt.VerificationKeySet{Keys: keys}, nil
	})
	return claims, err
}

// subject is the token's sub if it is safe in an execute-api resource,
// where IAM reads * and ? as wildcards and ${…} as a policy variable, and /
// separates the method and the path's segments: a sub with any of them,
// whitespace, a control character or invalid UTF-8 (read as U+FFFD, so two
// subjects could read the same) is refused, and so is one over max bytes.
func subject(claims jwt.MapClaims, max int) (string, error) {
	sub, ok := claims["sub"].(string)
	switch {
	case !ok || sub == "":
		return "", errors.New("the token has no sub")
	case len(sub) > max:
		return "", fmt.Errorf("the sub is over %d bytes", max)
	case strings.Contains(sub, "${"):
		return "", errors.New("the sub holds an IAM policy variable (${)")
	}
	for _, r := range sub {
		if r == '*' || r == '?' || r == '/' || r == utf8.RuneError || unicode.IsSpace(r) || unicode.IsControl(r) {
			return "", fmt.Errorf("the sub holds %q, which is not safe in an execute-api resource", r)
		}
	}
	return sub, nil
}

// tokenScopes is the token's scopes: the claim is a space-separated string
// (RFC 8693 §4.2) or an array of strings; absent, it is no scope.
func tokenScopes(claims jwt.MapClaims, claim string) ([]string, error) {
	switch v := claims[claim].(type) {
	case nil:
		return nil, nil
	case string:
		return strings.Fields(v), nil
	case []any:
		scopes := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("the %s claim is an array with an element that is not a string", claim)
			}
			scopes = append(scopes, s)
		}
		return scopes, nil
	}
	return nil, fmt.Errorf("the %s claim is neither a string nor an array of strings", claim)
}

// resources is the union of the routes of every rule whose scope the token
// has (scope "*": every token), as execute-api resources of the stage with
// {sub} substituted. They are sorted, without duplicates and without a
// resource another one covers (the admin's .../*/* covers all), so the
// policy is the same whichever route of the stage asked.
func (h *Handler) resources(stage, sub string, scopes []string) []string {
	var all []string
	for _, r := range h.routes {
		if r.scope != "*" && !slices.Contains(scopes, r.scope) {
			continue
		}
		for _, res := range r.resources {
			all = append(all, stage+"/"+strings.ReplaceAll(res, "{sub}", sub))
		}
	}
	slices.Sort(all)
	all = slices.Compact(all)
	return slices.DeleteFunc(slices.Clone(all), func(q string) bool {
		for _, p := range all {
			if p != q && wildcard(p, q) && (!wildcard(q, p) || p < q) {
				return true
			}
		}
		return false
	})
}

// wildcard reports whether pattern, whose every * matches any run of
// characters, matches s. Applied to a resource s whose own * are read as
// characters, it is a sound test that pattern covers s: each * of s falls
// within a run a * of pattern matches (the patterns have no literal *, and
// a safe sub has no * or ?).
func wildcard(pattern, s string) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case p < len(pattern) && pattern[p] == s[i]:
			p++
			i++
		case star >= 0:
			p, mark = star+1, mark+1
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
