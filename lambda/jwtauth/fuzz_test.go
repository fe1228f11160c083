package main

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/blueprints-cdk/blueprints/internal/jwtauth"
)

// memSetup is a handler whose HMAC key comes from memSecrets, or whose
// JWKS is inline, with the tests' clock and no log.
func memSetup(tb testing.TB, source string) (*Handler, *memSecrets) {
	tb.Helper()
	secrets := &memSecrets{value: secretKey}
	var cfg jwtauth.Config
	if source == jwtauth.KeySourceSecret {
		cfg = config(tb, jwtauth.EnvKeySource, jwtauth.KeySourceSecret, jwtauth.EnvSecretArn, secretArn, jwtauth.EnvAlgorithms, "HS256,HS384,HS512")
	} else {
		cfg = config(tb, jwtauth.EnvKeySource, jwtauth.KeySourceJwks, jwtauth.EnvJwks, publicJWKS(), jwtauth.EnvAlgorithms, inlineAlgorithms)
	}
	h, err := New(cfg, secrets, nil)
	if err != nil {
		tb.Fatal(err)
	}
	h.Now, h.Log = func() time.Time { return t0 }, slog.New(slog.DiscardHandler)
	return h, secrets
}

// FuzzToken feeds the token parsing and verification path arbitrary
// Authorization values and methodArns, from valid tokens of every
// algorithm family and near misses: it must never panic, never return an
// error other than Unauthorized (the key sources here cannot fail), and
// never return an Allow unless the value carries one of the valid tokens
// exactly, for the stage of the methodArn.
func FuzzToken(f *testing.F) {
	hmacH, _ := memSetup(f, jwtauth.KeySourceSecret)
	jwksH, _ := memSetup(f, jwtauth.KeySourceJwks)
	c := claims("alice", "admins users")
	valid := []string{hmacSigner("HS256", []byte(secretKey)).mint(c), hmacSigner("HS512", []byte(secretKey+secretKey)).mint(c),
		rsaSig().mint(c), psSig().mint(c), ec256Sig().mint(c), ec384Sig().mint(c), edSig().mint(c)}
	for _, v := range valid {
		f.Add("Bearer "+v, getComments)
		parts := strings.Split(v, ".")
		f.Add("bearer "+parts[0]+"."+parts[1]+".", postUser)
		f.Add("Bearer "+parts[0]+".."+parts[2], getComments)
	}
	for _, s := range []string{"", "Bearer", "Bearer ", "Bearer a.b.c", "Bearer ..", "Basic Zm9v", "Bearer eyJhbGciOiJub25lIn0.e30.",
		"Bearer " + segment(map[string]any{"alg": "HS256", "kid": []any{1}}) + "." + segment(c) + ".AAAA",
		"Bearer " + segment(map[string]any{"alg": "RS256", "crit": []any{}}) + "." + segment(c) + ".AAAA"} {
		f.Add(s, getComments)
	}
	f.Fuzz(func(t *testing.T, authorization, methodArn string) {
		stage, arnOK := parseMethodArn(methodArn)
		for _, h := range []*Handler{hmacH, jwksH} {
			resp, err := h.Handle(context.Background(), events.APIGatewayCustomAuthorizerRequest{Type: "TOKEN", AuthorizationToken: authorization, MethodArn: methodArn})
			if err != nil {
				if !errors.Is(err, ErrUnauthorized) {
					t.Fatalf("error %v", err)
				}
				continue
			}
			carried := len(authorization) > 7 && strings.EqualFold(authorization[:7], "bearer ") && slices.Contains(valid, authorization[7:])
			if !carried || !arnOK {
				t.Fatalf("a policy for %q at %q: %+v", authorization, methodArn, resp)
			}
			for _, r := range resources(resp) {
				if !strings.HasPrefix(r, stage+"/") {
					t.Fatalf("resource %q outside the stage %q", r, stage)
				}
			}
		}
	})
}

// BenchmarkVerifyCachedKey is one authorization, its key cached, per
// algorithm family: the handler's whole Handle, policy included.
func BenchmarkVerifyCachedKey(b *testing.B) {
	hmacH, secrets := memSetup(b, jwtauth.KeySourceSecret)
	jwksH, _ := memSetup(b, jwtauth.KeySourceJwks)
	c := claims("bob", "users")
	for _, bc := range []struct {
		h     *Handler
		token string
		alg   string
	}{
		{hmacH, hmacSigner("HS256", []byte(secretKey)).mint(c), "HS256"},
		{jwksH, rsaSig().mint(c), "RS256"},
		{jwksH, ec256Sig().mint(c), "ES256"},
		{jwksH, edSig().mint(c), "EdDSA"},
	} {
		b.Run(bc.alg, func(b *testing.B) {
			req := events.APIGatewayCustomAuthorizerRequest{Type: "TOKEN", AuthorizationToken: "Bearer " + bc.token, MethodArn: getComments}
			if _, err := bc.h.Handle(context.Background(), req); err != nil { // reads the key
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bc.h.Handle(context.Background(), req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	if secrets.calls != 1 {
		b.Errorf("the secret was read %d times, want once", secrets.calls)
	}
}
