// Package jwtauth is the contract between constructs/jwtauth and its
// handler, lambda/jwtauth: the handler's environment, its defaults and
// limits, and the rule table that maps a token's scopes to the routes it
// may call. FromEnv is called by the handler at start and by the construct
// at synth, so a bad prop fails `cdk synth`, not the first request.
package jwtauth

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The handler's environment, which the construct sets.
const (
	EnvKeySource  = "KEY_SOURCE"  // KeySourceSecret, KeySourceJwksURL or KeySourceJwks
	EnvSecretArn  = "SECRET_ARN"  // the HMAC secret (KeySourceSecret)
	EnvJwksURL    = "JWKS_URL"    // https URL of the issuer's JWKS (KeySourceJwksURL)
	EnvJwks       = "JWKS"        // the JWKS itself, JSON (KeySourceJwks)
	EnvAlgorithms = "ALGORITHMS"  // comma-separated allow-list, such as RS256,ES256
	EnvIssuer     = "ISSUER"      // required iss, if set
	EnvAudience   = "AUDIENCE"    // required aud, if set
	EnvLeeway     = "LEEWAY"      // a Go duration: clock skew allowed on exp and nbf
	EnvRules      = "RULES"       // the rule table, JSON (Rules)
	EnvRefresh    = "KEY_REFRESH" // a Go duration: how long fetched keys are kept
	EnvMaxToken   = "MAX_TOKEN_BYTES"
	EnvScopeClaim = "SCOPE_CLAIM" // the claim that holds the scopes
	EnvSubjectMax = "MAX_SUBJECT_LENGTH"
)

// Key sources.
const (
	KeySourceSecret  = "secret"   // an HMAC key in Secrets Manager
	KeySourceJwksURL = "jwks-url" // a JWKS fetched from an issuer
	KeySourceJwks    = "jwks"     // a JWKS given inline
)

// Algorithms by key source: HMAC keys sign with HS*, public keys with the
// rest; "none" is never accepted, and a key type never verifies another's
// algorithm.
var (
	HMACAlgorithms   = []string{"HS256", "HS384", "HS512"}
	PublicAlgorithms = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)

// Defaults and limits.
const (
	DefaultLeeway = 60 * time.Second
	// DefaultRefresh is how long keys fetched from a JWKS URL are used
	// before they are fetched again; an unknown kid fetches at most once
	// per MinRefetch.
	DefaultRefresh = 15 * time.Minute
	MinRefetch     = 30 * time.Second
	// DefaultMaxTokenBytes caps a token before any cryptography: API
	// Gateway's header values are at most 10,240 bytes ("Amazon API Gateway
	// quotas", headers), and a real JWT is far shorter.
	DefaultMaxTokenBytes = 8 * 1024
	// DefaultScopeClaim is OAuth 2.0's (RFC 8693 §4.2: a space-separated
	// string); an array of strings is accepted too.
	DefaultScopeClaim = "scope"
	// DefaultMaxSubject bounds a sub that reaches an execute-api resource
	// (at most 256: a policy's resource ARN is at most 512 characters, "Output
	// from an API Gateway Lambda authorizer").
	DefaultMaxSubject = 128
)

// Rule gives the tokens that carry Scope the routes in Allow, each
// "METHOD /path" where METHOD is an HTTP method or *, and the path may end
// in /* (every path below) or be /*; "{sub}" in a path is the token's
// subject. Scope "*" is every valid token.
type Rule struct {
	Scope string   `json:"scope"`
	Allow []string `json:"allow"`
}

// DefaultRules are the post's: admins may call everything; every other
// token may GET anything and POST to its own /users/{sub}.
var DefaultRules = []Rule{
	{Scope: "admins", Allow: []string{"* /*"}},
	{Scope: "*", Allow: []string{"GET /*", "POST /users/{sub}"}},
}

var (
	method  = regexp.MustCompile(`^(\*|GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)$`)
	segment = regexp.MustCompile(`^([A-Za-z0-9._~!$&'()+,;=:@-]+|\{sub\}|\*)$`)
)

// ParseRoute splits a rule's "METHOD /path" and checks it: a known method
// or *, and a path of plain segments, {sub}, or a final *.
func ParseRoute(route string) (verb, path string, err error) {
	m, p, ok := strings.Cut(route, " ")
	if !ok || !method.MatchString(m) || !strings.HasPrefix(p, "/") {
		return "", "", fmt.Errorf("route %q must be \"METHOD /path\" (METHOD an HTTP method or *)", route)
	}
	segs := strings.Split(p[1:], "/")
	for i, s := range segs {
		if !segment.MatchString(s) || (s == "*" && i != len(segs)-1) {
			return "", "", fmt.Errorf("route %q: path segment %q must be plain, {sub}, or a final *", route, s)
		}
	}
	return m, p, nil
}

// Config is the handler's configuration.
type Config struct {
	KeySource, SecretArn, JwksURL, Jwks string
	Algorithms                          []string
	Issuer, Audience                    string
	Leeway, Refresh                     time.Duration
	Rules                               []Rule
	MaxTokenBytes, MaxSubject           int
	ScopeClaim                          string
}

// FromEnv reads the configuration (getenv is os.Getenv in the handler); an
// unset optional variable keeps its default, and a missing or malformed
// one is an error that names the variable.
func FromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		KeySource: getenv(EnvKeySource), SecretArn: getenv(EnvSecretArn), JwksURL: getenv(EnvJwksURL), Jwks: getenv(EnvJwks),
		Issuer: getenv(EnvIssuer), Audience: getenv(EnvAudience), Leeway: DefaultLeeway, Refresh: DefaultRefresh,
		Rules: DefaultRules, MaxTokenBytes: DefaultMaxTokenBytes, MaxSubject: DefaultMaxSubject, ScopeClaim: DefaultScopeClaim,
	}
	var errs []error
	allowed := PublicAlgorithms
	switch c.KeySource {
	case KeySourceSecret:
		allowed = HMACAlgorithms
		if !strings.HasPrefix(c.SecretArn, "arn:") {
			errs = append(errs, fmt.Errorf("%s %q must be a Secrets Manager secret ARN", EnvSecretArn, c.SecretArn))
		}
	case KeySourceJwksURL:
		if !strings.HasPrefix(c.JwksURL, "https://") {
			errs = append(errs, fmt.Errorf("%s %q must be an https URL", EnvJwksURL, c.JwksURL))
		}
	case KeySourceJwks:
		var set struct {
			Keys []json.RawMessage `json:"keys"`
		}
		if json.Unmarshal([]byte(c.Jwks), &set) != nil || len(set.Keys) == 0 {
			errs = append(errs, fmt.Errorf("%s must be a JWKS: a JSON object with a non-empty \"keys\" array", EnvJwks))
		}
	default:
		errs = append(errs, fmt.Errorf("%s %q must be %q, %q or %q", EnvKeySource, c.KeySource, KeySourceSecret, KeySourceJwksURL, KeySourceJwks))
	}
	c.Algorithms = strings.Split(getenv(EnvAlgorithms), ",")
	if getenv(EnvAlgorithms) == "" {
		c.Algorithms = nil
		errs = append(errs, fmt.Errorf("%s is not set: list the algorithms the key source signs with, such as %s", EnvAlgorithms, allowed[0]))
	}
	for _, a := range c.Algorithms {
		if !slices.Contains(allowed, a) {
			errs = append(errs, fmt.Errorf("%s: %q is not one of %v, the algorithms of this key source", EnvAlgorithms, a, allowed))
		}
	}
	for _, d := range []struct {
		name     string
		into     *time.Duration
		min, max time.Duration
	}{{EnvLeeway, &c.Leeway, 0, 5 * time.Minute}, {EnvRefresh, &c.Refresh, MinRefetch, 24 * time.Hour}} {
		if v := getenv(d.name); v != "" {
			t, err := time.ParseDuration(v)
			if err != nil || t < d.min || t > d.max {
				errs = append(errs, fmt.Errorf("%s %q must be a duration from %v to %v", d.name, v, d.min, d.max))
			}
			*d.into = t
		}
	}
	for _, n := range []struct {
		name     string
		into     *int
		min, max int
	}{{EnvMaxToken, &c.MaxTokenBytes, 256, 10240}, {EnvSubjectMax, &c.MaxSubject, 1, 256}} {
		if v := getenv(n.name); v != "" {
			i, err := strconv.Atoi(v)
			if err != nil || i < n.min || i > n.max {
				errs = append(errs, fmt.Errorf("%s %q must be a whole number from %d to %d", n.name, v, n.min, n.max))
			}
			*n.into = i
		}
	}
	if v := getenv(EnvScopeClaim); v != "" {
		c.ScopeClaim = v
	}
	if v := getenv(EnvRules); v != "" {
		c.Rules = nil
		if err := json.Unmarshal([]byte(v), &c.Rules); err != nil || len(c.Rules) == 0 {
			errs = append(errs, fmt.Errorf("%s must be a non-empty JSON array of {\"scope\":…,\"allow\":[\"METHOD /path\",…]}", EnvRules))
		}
	}
	for _, r := range c.Rules {
		if r.Scope == "" || strings.ContainsAny(r.Scope, " \t") || len(r.Allow) == 0 {
			errs = append(errs, fmt.Errorf("%s: rule %+v needs one scope word (or *) and at least one route", EnvRules, r))
		}
		for _, route := range r.Allow {
			if _, _, err := ParseRoute(route); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", EnvRules, err))
			}
		}
	}
	return c, errors.Join(errs...)
}
