package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/golang-jwt/jwt/v5"

	"github.com/blueprints-cdk/blueprints/internal/jwtauth"
)

// Limits of the key sources.
const (
	// FetchTimeout bounds one read of the key source (Secrets Manager or
	// the JWKS URL), SDK retries included.
	FetchTimeout = 5 * time.Second
	// MaxJWKSBytes caps a fetched JWKS; an issuer's is a few kilobytes.
	MaxJWKSBytes = 512 * 1024
	// MinRSABits is RFC 7518 §3.3's least RSA key size; MaxRSABits bounds
	// the cost of one verification.
	MinRSABits = 2048
	MaxRSABits = 8192
	// MinHMACBytes is the least HMAC key: HS256's hash size (RFC 7518
	// §3.2). HS384 and HS512 need 48 and 64 bytes (hmacMinimum).
	MinHMACBytes = 32
)

// errKeySource marks a failure to read the keys, as opposed to a token
// that is not valid.
var errKeySource = errors.New("key source")

// errNoKey is a token that no key of the source may verify: an unknown
// kid, or an algorithm no key is for.
var errNoKey = errors.New("no key of the key source verifies this token's kid and alg")

// hmacMinimum is each HMAC algorithm's least key length in bytes: its hash
// size (RFC 7518 §3.2).
var hmacMinimum = map[string]int{"HS256": 32, "HS384": 48, "HS512": 64}

// verificationKey is one key a token may be verified with.
type verificationKey struct {
	kid string // the JWK's kid ("" for the HMAC secret)
	alg string // the JWK's alg, or "" for any algorithm of its type
	// key is []byte (an HMAC secret), *rsa.PublicKey, *ecdsa.PublicKey or
	// ed25519.PublicKey: the types golang-jwt verifies HS*, RS*/PS*, ES*
	// and EdDSA with.
	key any
}

// verifies reports whether k may verify a token signed with alg: only the
// algorithms of its own type (an HMAC key never verifies RS/ES/EdDSA, and a
// public key never verifies HS*, so neither can stand in for the other:
// algorithm confusion), the curve's own ES* (RFC 7518 §3.4), and only its
// JWK's alg when it names one.
func (k verificationKey) verifies(alg string) bool {
	if k.alg != "" && k.alg != alg {
		return false
	}
	switch key := k.key.(type) {
	case []byte:
		return hmacMinimum[alg] > 0 && len(key) >= hmacMinimum[alg]
	case *rsa.PublicKey:
		return rsaAlgorithm(alg)
	case *ecdsa.PublicKey:
		return alg == ecAlgorithm(key.Curve)
	case ed25519.PublicKey:
		return alg == "EdDSA"
	}
	return false
}

func rsaAlgorithm(alg string) bool {
	switch alg {
	case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512":
		return true
	}
	return false
}

// ecAlgorithm is the one JWS algorithm of a curve (RFC 7518 §3.4).
func ecAlgorithm(c elliptic.Curve) string {
	switch c.Params().Name {
	case "P-256":
		return "ES256"
	case "P-384":
		return "ES384"
	case "P-521":
		return "ES512"
	}
	return ""
}

// jwk is a JSON Web Key's members that the handler reads (RFC 7517 §4,
// RFC 7518 §6, RFC 8037 §2).
type jwk struct {
	Kty    string   `json:"kty"`
	Kid    string   `json:"kid"`
	Use    string   `json:"use"`
	Alg    string   `json:"alg"`
	KeyOps []string `json:"key_ops"`
	Crv    string   `json:"crv"`
	N      string   `json:"n"`
	E      string   `json:"e"`
	X      string   `json:"x"`
	Y      string   `json:"y"`
	D      string   `json:"d"`
}

// curves are the JWK curves of ES256/384/512 (RFC 7518 §6.2.1.1) and the
// length of a coordinate (§6.2.1.2: "the full size of a coordinate").
var curves = map[string]struct {
	curve elliptic.Curve
	size  int
}{
	"P-256": {elliptic.P256(), 32},
	"P-384": {elliptic.P384(), 48},
	"P-521": {elliptic.P521(), 66},
}

// ParseJWKS reads a JWK Set (RFC 7517 §5): the signature keys it can use,
// and why it skipped each other key. A key is skipped when it is not for
// signatures ("use" or "key_ops"), is symmetric ("oct": a JWKS is public),
// carries private material, or is malformed or of an unsupported type. A
// set that is not a JWKS, or has no usable key, is an error.
func ParseJWKS(data []byte) (keys []verificationKey, skipped []error, err error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, nil, fmt.Errorf("not a JWKS: %w", err)
	}
	for i, raw := range set.Keys {
		k, err := parseJWK(raw)
		if err != nil {
			skipped = append(skipped, fmt.Errorf("key %d: %w", i, err))
			continue
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, skipped, errors.Join(append([]error{fmt.Errorf("the JWKS has no usable signature key (of %d)", len(set.Keys))}, skipped...)...)
	}
	return keys, skipped, nil
}

func parseJWK(raw json.RawMessage) (verificationKey, error) {
	var j jwk
	if err := json.Unmarshal(raw, &j); err != nil {
		return verificationKey{}, fmt.Errorf("not a JWK: %w", err)
	}
	k := verificationKey{kid: j.Kid, alg: j.Alg}
	switch {
	case j.Use != "" && j.Use != "sig":
		return k, fmt.Errorf("kid %q: use %q is not \"sig\"", j.Kid, j.Use)
	case j.KeyOps != nil && !slices.Contains(j.KeyOps, "verify"):
		return k, fmt.Errorf("kid %q: key_ops %q lacks \"verify\"", j.Kid, j.KeyOps)
	case j.D != "":
		return k, fmt.Errorf("kid %q: the JWK carries a private key (\"d\"); publish the public key only", j.Kid)
	case j.Alg != "" && !slices.Contains(jwtauth.PublicAlgorithms, j.Alg):
		return k, fmt.Errorf("kid %q: alg %q is not one of %v", j.Kid, j.Alg, jwtauth.PublicAlgorithms)
	}
	var err error
	switch j.Kty {
	case "RSA":
		k.key, err = rsaKey(j)
	case "EC":
		k.key, err = ecKey(j)
	case "OKP":
		if j.Crv != "Ed25519" {
			return k, fmt.Errorf("kid %q: OKP curve %q is not Ed25519", j.Kid, j.Crv)
		}
		var x []byte
		if x, err = b64(j.X, "x"); err == nil && len(x) != ed25519.PublicKeySize {
			err = fmt.Errorf("x is %d bytes, not %d", len(x), ed25519.PublicKeySize)
		}
		k.key = ed25519.PublicKey(x)
	case "oct":
		return k, fmt.Errorf("kid %q: a symmetric (oct) key is never accepted from a JWKS", j.Kid)
	default:
		return k, fmt.Errorf("kid %q: key type %q is not RSA, EC or OKP", j.Kid, j.Kty)
	}
	if err != nil {
		return k, fmt.Errorf("kid %q (%s): %w", j.Kid, j.Kty, err)
	}
	if j.Alg != "" && !k.verifies(j.Alg) {
		return k, fmt.Errorf("kid %q: alg %q is not an algorithm of a %s key", j.Kid, j.Alg, j.Kty)
	}
	return k, nil
}

func rsaKey(j jwk) (*rsa.PublicKey, error) {
	n, err := b64(j.N, "n")
	if err != nil {
		return nil, err
	}
	e, err := b64(j.E, "e")
	if err != nil {
		return nil, err
	}
	modulus := new(big.Int).SetBytes(n)
	if bits := modulus.BitLen(); bits < MinRSABits || bits > MaxRSABits {
		return nil, fmt.Errorf("the modulus is %d bits, not from %d to %d (RFC 7518 §3.3)", bits, MinRSABits, MaxRSABits)
	}
	exponent := new(big.Int).SetBytes(e)
	if len(e) > 4 || exponent.Cmp(big.NewInt(3)) < 0 || exponent.Bit(0) == 0 || !exponent.IsInt64() || exponent.Int64() > 1<<31-1 {
		return nil, errors.New("the exponent is not an odd number from 3 to 2^31-1")
	}
	return &rsa.PublicKey{N: modulus, E: int(exponent.Int64())}, nil
}

func ecKey(j jwk) (*ecdsa.PublicKey, error) {
	c, ok := curves[j.Crv]
	if !ok {
		return nil, fmt.Errorf("curve %q is not P-256, P-384 or P-521", j.Crv)
	}
	x, err := b64(j.X, "x")
	if err != nil {
		return nil, err
	}
	y, err := b64(j.Y, "y")
	if err != nil {
		return nil, err
	}
	if len(x) != c.size || len(y) != c.size {
		return nil, fmt.Errorf("x and y must be %d bytes each (RFC 7518 §6.2.1.2)", c.size)
	}
	// Checks that the point is on the curve.
	return ecdsa.ParseUncompressedPublicKey(c.curve, append(append([]byte{4}, x...), y...))
}

// b64 decodes a JWK member: base64url without padding (RFC 7515 §2;
// trailing "=" tolerated).
func b64(s, member string) ([]byte, error) {
	if s == "" {
		return nil, fmt.Errorf("%s is missing", member)
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil, fmt.Errorf("%s is not base64url: %w", member, err)
	}
	return b, nil
}

// keysFor is the keys that may verify a token signed with alg whose header
// names kid (when hasKid). A fetched source is read when its keys are
// older than Config.Refresh (or were never read); and a JWKS URL is read
// once more when no key has the token's kid, at most once per
// jwtauth.MinRefetch, so that a rotated key is picked up without a restart
// and unknown kids cannot make the handler hammer the issuer. A failed read
// is an error wrapping errKeySource, and it is not remembered: the next
// call reads again.
func (h *Handler) keysFor(ctx context.Context, alg, kid string, hasKid bool) ([]jwt.VerificationKey, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.Now()
	if h.fetch != nil && !now.Before(h.expires) {
		if err := h.refresh(ctx, now); err != nil {
			return nil, err
		}
	}
	if h.Config.KeySource == jwtauth.KeySourceSecret {
		hasKid = false // the secret is the one key, whatever the token's kid
	}
	found := match(h.keys, alg, kid, hasKid)
	if len(found) == 0 && hasKid && h.Config.KeySource == jwtauth.KeySourceJwksURL && now.Sub(h.tried) >= jwtauth.MinRefetch {
		h.Log.InfoContext(ctx, "reading the JWKS again for a kid it did not have")
		if err := h.refresh(ctx, now); err != nil {
			return nil, err
		}
		found = match(h.keys, alg, kid, hasKid)
	}
	if len(found) == 0 {
		return nil, errNoKey
	}
	return found, nil
}

func match(keys []verificationKey, alg, kid string, hasKid bool) []jwt.VerificationKey {
	var found []jwt.VerificationKey
	for _, k := range keys {
		if (!hasKid || k.kid == kid) && k.verifies(alg) {
			found = append(found, k.key)
		}
	}
	return found
}

// refresh reads the keys from the source; h.mu is held.
func (h *Handler) refresh(ctx context.Context, now time.Time) error {
	h.tried = now
	ctx, cancel := context.WithTimeout(ctx, FetchTimeout)
	defer cancel()
	keys, err := h.fetch(ctx)
	if err != nil {
		return fmt.Errorf("%w: %w", errKeySource, err)
	}
	h.keys, h.expires = keys, now.Add(h.Config.Refresh)
	return nil
}

// fetchSecret reads the HMAC key: the secret's SecretBinary, or else its
// SecretString's bytes as they are (not decoded).
func (h *Handler) fetchSecret(ctx context.Context) ([]verificationKey, error) {
	out, err := h.Secrets.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(h.Config.SecretArn)})
	if err != nil {
		return nil, fmt.Errorf("reading the secret %s: %w", h.Config.SecretArn, err)
	}
	key := out.SecretBinary
	if key == nil && out.SecretString != nil {
		key = []byte(*out.SecretString)
	}
	if len(key) < MinHMACBytes {
		return nil, fmt.Errorf("the secret %s holds %d bytes; an HMAC key needs at least %d (RFC 7518 §3.2)", h.Config.SecretArn, len(key), MinHMACBytes)
	}
	return []verificationKey{{key: key}}, nil
}

// fetchJWKS reads the JWKS from its URL; a status other than 200, a body
// over MaxJWKSBytes or a set without a usable key is an error.
func (h *Handler) fetchJWKS(ctx context.Context) ([]verificationKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.Config.JwksURL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	resp, err := h.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("reading the JWKS: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("reading the JWKS %s: HTTP status %d", h.Config.JwksURL, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxJWKSBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading the JWKS %s: %w", h.Config.JwksURL, err)
	}
	if len(body) > MaxJWKSBytes {
		return nil, fmt.Errorf("the JWKS %s is over %d bytes", h.Config.JwksURL, MaxJWKSBytes)
	}
	keys, skipped, err := ParseJWKS(body)
	for _, s := range skipped {
		h.Log.WarnContext(ctx, "skipping a key of the JWKS", "url", h.Config.JwksURL, "error", s.Error())
	}
	if err != nil {
		return nil, fmt.Errorf("the JWKS %s: %w", h.Config.JwksURL, err)
	}
	return keys, nil
}
