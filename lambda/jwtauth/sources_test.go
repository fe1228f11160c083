package main

import (
	"context"
	"encoding/pem"
	"fmt"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/blueprints-cdk/blueprints/internal/jwtauth"
)

// 8. Key sources: Secrets Manager fails, then recovers.
func TestASecretsManagerFailureIsNotUnauthorizedAndCallsRecover(t *testing.T) {
	sign := hmacSigner("HS256", []byte(secretKey))
	token := sign.mint(claims("alice", "admins"))
	for _, fail := range []string{"InternalServiceError", "ResourceNotFoundException", "AccessDeniedException", "DecryptionFailure", "garbage", "short", "down"} {
		t.Run(fail, func(t *testing.T) {
			sm := startSecretsManager(t, secretKey)
			s := secretSetup(t, sm)
			switch fail {
			case "short": // a key shorter than RFC 7518 §3.2 allows is a configuration fault
				sm.value = "only-31-bytes-of-secret-value.."
			case "down": // nothing listens
				sm.srv.Close()
			default:
				sm.set(fail)
			}
			s.unavailable(t, token, fail)
			// A token that is not even valid gets the same answer: the
			// handler cannot tell, and says nothing of the cause.
			s.unavailable(t, hmacSigner("HS256", []byte(wrongKey)).mint(claims("alice", "admins")), fail+", another key")
			if fail == "down" {
				return
			}
			// Recovered: the next call reads the key again, and passes.
			sm.set("")
			sm.value = secretKey
			s.allowed(t, token, getComments)
			if !strings.Contains(s.logs.String(), `"level":"ERROR","msg":"the key source is unavailable"`) {
				t.Errorf("the cause is not logged:\n%s", s.logs)
			}
		})
	}
}

// The key is read once per refresh interval: an outage within it goes
// unseen, one past it is a 500 until Secrets Manager answers again.
func TestTheSecretIsCachedForTheRefreshInterval(t *testing.T) {
	sm := startSecretsManager(t, secretKey)
	s := secretSetup(t, sm, jwtauth.EnvRefresh, "10m")
	token := hmacSigner("HS256", []byte(secretKey)).mint(claims("bob", "users"))
	s.allowed(t, token, getComments)
	s.allowed(t, token, postUser)
	if sm.count() != 1 {
		t.Fatalf("%d reads for two calls, want 1", sm.count())
	}
	sm.set("InternalServiceError")
	s.clock.advance(10*time.Minute - time.Second)
	s.allowed(t, token, getComments)
	s.clock.advance(time.Second)
	s.unavailable(t, token, "the refresh fails")
	s.unavailable(t, token, "the refresh fails again")
	sm.set("")
	s.allowed(t, token, getComments)
	s.allowed(t, token, getComments)
	if sm.count() != 4 {
		t.Errorf("%d reads, want 4 (first, two failed refreshes, the recovery)", sm.count())
	}
	// A rotated secret is read at the next refresh.
	sm.value = wrongKey
	rotated := hmacSigner("HS256", []byte(wrongKey)).mint(claims("bob", "users"))
	s.unauthorized(t, "Bearer "+rotated, "the new key before the refresh")
	s.clock.advance(10 * time.Minute)
	s.allowed(t, rotated, getComments)
	s.unauthorized(t, "Bearer "+token, "the old key after the refresh")
}

func TestASecretBinaryIsTheKeyAsItIs(t *testing.T) {
	key := []byte("\x00\x01binary key of thirty-two bytes+\xff")
	sm := startSecretsManager(t, "")
	sm.binary = key
	s := secretSetup(t, sm)
	s.allowed(t, hmacSigner("HS256", key).mint(claims("bob", "users")), getComments)
}

// 8. Key sources: the JWKS URL fails, then recovers.
func TestAJWKSFailureIsNotUnauthorizedAndCallsRecover(t *testing.T) {
	token := ec256Sig().mint(claims("alice", "admins"))
	for name, fail := range map[string]struct {
		status int
		body   string
	}{
		"503":                {http.StatusServiceUnavailable, `{"message":"unavailable"}`},
		"500":                {http.StatusInternalServerError, ""},
		"404":                {http.StatusNotFound, "not found"},
		"a redirect":         {http.StatusFound, ""},
		"bad JSON":           {http.StatusOK, `{"keys":[`},
		"HTML":               {http.StatusOK, `<html>maintenance</html>`},
		"no keys":            {http.StatusOK, `{"keys":[]}`},
		"no usable key":      {http.StatusOK, jwks(map[string]any{"kty": "oct", "kid": "ec-256", "k": b64url.EncodeToString([]byte(secretKey))})},
		"too large":          {http.StatusOK, `{"keys":[],"padding":"` + strings.Repeat("x", MaxJWKSBytes) + `"}`},
		"an object, no keys": {http.StatusOK, `{}`},
	} {
		t.Run(name, func(t *testing.T) {
			js := startJWKS(t, publicJWKS())
			js.serve(fail.status, fail.body)
			s := urlSetup(t, js)
			s.unavailable(t, token, name)
			js.serve(http.StatusOK, publicJWKS())
			s.allowed(t, token, getComments)
			if js.count() != 2 {
				t.Errorf("%d reads, want 2", js.count())
			}
		})
	}
	t.Run("down", func(t *testing.T) {
		js := startJWKS(t, publicJWKS())
		s := urlSetup(t, js)
		js.srv.Close()
		s.unavailable(t, token, "down")
	})
	t.Run("hanging", func(t *testing.T) {
		js := startJWKS(t, publicJWKS())
		s := urlSetup(t, js)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		js.mu.Lock() // the server cannot answer until the client gives up
		_, err := s.h.Handle(ctx, request("Bearer "+token, getComments))
		js.mu.Unlock()
		if err != ErrKeySourceUnavailable {
			t.Errorf("%v", err)
		}
	})
}

// 8. Key sources: a rotated JWKS key with a new kid is picked up without a
// restart, and unknown kids read the JWKS at most once per MinRefetch.
func TestARotatedJWKSKeyIsPickedUpWithoutARestart(t *testing.T) {
	k := keys()
	js := startJWKS(t, jwks(jwkOf("rsa-1", "RS256", &k.rsa.PublicKey)))
	s := urlSetup(t, js)
	old, rotated := rsaSig().mint(claims("bob", "users")), rsaSig2().mint(claims("bob", "users"))
	s.allowed(t, old, getComments)
	if js.count() != 1 {
		t.Fatalf("%d reads", js.count())
	}
	// The issuer publishes rsa-2 and signs with it, 10 s later: the JWKS
	// was read too recently to read it again.
	js.serve(http.StatusOK, jwks(jwkOf("rsa-1", "RS256", &k.rsa.PublicKey), jwkOf("rsa-2", "RS256", &k.rsa2.PublicKey)))
	s.clock.advance(10 * time.Second)
	s.unauthorized(t, "Bearer "+rotated, "a new kid within MinRefetch of the last read")
	if js.count() != 1 {
		t.Errorf("%d reads, want 1", js.count())
	}
	// Past MinRefetch, the unknown kid reads the JWKS once: picked up.
	s.clock.advance(jwtauth.MinRefetch)
	s.allowed(t, rotated, getComments)
	s.allowed(t, old, getComments)
	if js.count() != 2 {
		t.Errorf("%d reads, want 2", js.count())
	}
	// Unknown kids, however many, read it at most once per MinRefetch.
	for i := range 100 {
		sg := rsaSigner("RS256", fmt.Sprint("made-up-", i), keys().rsa)
		s.unauthorized(t, "Bearer "+sg.mint(claims("bob", "users")), "an unknown kid")
		s.clock.advance(time.Second)
	}
	if got := js.count(); got != 2+100/int(jwtauth.MinRefetch/time.Second) {
		t.Errorf("%d reads for 100 unknown kids over 100 s, want %d", got, 2+100/int(jwtauth.MinRefetch/time.Second))
	}
	// rsa-1 retires: at the next refresh, its tokens are refused.
	js.serve(http.StatusOK, jwks(jwkOf("rsa-2", "RS256", &k.rsa2.PublicKey)))
	s.clock.advance(jwtauth.DefaultRefresh)
	s.unauthorized(t, "Bearer "+old, "a retired kid")
	s.allowed(t, rotated, getComments)
	// A failed read for an unknown kid is a 500, and counts as a read.
	js.serve(http.StatusServiceUnavailable, "")
	s.clock.advance(jwtauth.MinRefetch)
	s.unavailable(t, rsaSigner("RS256", "rsa-3", keys().rsa).mint(claims("bob", "users")), "an unknown kid while the JWKS fails")
	s.allowed(t, rotated, getComments)
	s.unauthorized(t, "Bearer "+rsaSigner("RS256", "rsa-3", keys().rsa).mint(claims("bob", "users")), "the unknown kid again, within MinRefetch")
}

func request(authorization, methodArn string) events.APIGatewayCustomAuthorizerRequest {
	return events.APIGatewayCustomAuthorizerRequest{Type: "TOKEN", AuthorizationToken: authorization, MethodArn: methodArn}
}

func TestParseJWKSRefusesWhatItCannotUse(t *testing.T) {
	k := keys()
	rsaJWK := jwkOf("r", "", &k.rsa.PublicKey)
	with := func(j map[string]any, kv ...any) map[string]any {
		c := map[string]any{}
		for key, v := range j {
			c[key] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			c[kv[i].(string)] = kv[i+1]
		}
		return c
	}
	small := b64url.EncodeToString(new(big.Int).Lsh(big.NewInt(1), 1023).Bytes())
	ec := jwkOf("e", "", &k.p256.PublicKey)
	for name, c := range map[string]struct {
		key  map[string]any
		want string
	}{
		"an encryption key":      {with(rsaJWK, "use", "enc"), `use "enc"`},
		"no verify in key_ops":   {with(rsaJWK, "key_ops", []string{"encrypt"}), "key_ops"},
		"a private key":          {with(rsaJWK, "d", "AQAB"), "private"},
		"a symmetric key":        {map[string]any{"kty": "oct", "k": "c2VjcmV0"}, "symmetric"},
		"an unknown type":        {map[string]any{"kty": "XYZ"}, "key type"},
		"HS256 for an RSA key":   {with(rsaJWK, "alg", "HS256"), "alg"},
		"ES256 for an RSA key":   {with(rsaJWK, "alg", "ES256"), "not an algorithm of a RSA key"},
		"ES384 for a P-256 key":  {with(ec, "alg", "ES384"), "not an algorithm of a EC key"},
		"a 1024-bit modulus":     {with(rsaJWK, "n", small), "1024 bits"},
		"an even exponent":       {with(rsaJWK, "e", "AQAA"), "exponent"},
		"an exponent of 1":       {with(rsaJWK, "e", "AQ"), "exponent"},
		"a huge exponent":        {with(rsaJWK, "e", "AQAAAAAB"), "exponent"},
		"no modulus":             {with(rsaJWK, "n", ""), "n is missing"},
		"standard base64":        {with(rsaJWK, "n", strings.ReplaceAll(strings.ReplaceAll(rsaJWK["n"].(string), "-", "+"), "_", "/")+"+/"), "base64url"},
		"a point off the curve":  {with(ec, "y", b64url.EncodeToString(make([]byte, 32))), "not on curve"},
		"short coordinates":      {with(ec, "x", b64url.EncodeToString([]byte{1, 2, 3})), "32 bytes"},
		"an unknown curve":       {with(ec, "crv", "P-192"), "curve"},
		"secp256k1":              {with(ec, "crv", "secp256k1"), "curve"},
		"Ed448":                  {map[string]any{"kty": "OKP", "crv": "Ed448", "x": "AA"}, "Ed25519"},
		"a short Ed25519 key":    {map[string]any{"kty": "OKP", "crv": "Ed25519", "x": "AAAA"}, "bytes"},
		"a kid that is a number": {with(rsaJWK, "kid", 7), "not a JWK"},
	} {
		_, skipped, err := ParseJWKS([]byte(jwks(c.key)))
		if err == nil || len(skipped) != 1 || !strings.Contains(skipped[0].Error(), c.want) {
			t.Errorf("%s: want a skipped key saying %q, got %v (%v)", name, c.want, skipped, err)
		}
		// Beside a good key, the bad one is skipped.
		got, skipped, err := ParseJWKS([]byte(jwks(c.key, rsaJWK)))
		if err != nil || len(got) != 1 || len(skipped) != 1 {
			t.Errorf("%s beside a good key: %v %v %v", name, got, skipped, err)
		}
	}
	for _, bad := range []string{``, `[]`, `{"keys":{}}`, `{"keys":[]}`, `null`} {
		if _, _, err := ParseJWKS([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	// Padding is tolerated; every supported type reads.
	padded := with(rsaJWK, "e", "AQAB==")
	all := jwks(padded, jwkOf("a", "", &k.p384.PublicKey), jwkOf("b", "", &k.p521.PublicKey), jwkOf("c", "", k.ed.Public()))
	if got, _, err := ParseJWKS([]byte(all)); err != nil || len(got) != 4 {
		t.Errorf("%v %v", got, err)
	}
}

// newHandler builds from the contract's environment, and refuses a bad one.
func TestNewHandlerReadsTheContractsEnvironment(t *testing.T) {
	aws := map[string]string{"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "SECRET"}
	envs := map[string]map[string]string{
		jwtauth.KeySourceSecret: {jwtauth.EnvKeySource: jwtauth.KeySourceSecret, jwtauth.EnvSecretArn: secretArn, jwtauth.EnvAlgorithms: "HS256"},
		jwtauth.KeySourceJwksURL: {jwtauth.EnvKeySource: jwtauth.KeySourceJwksURL, jwtauth.EnvJwksURL: "https://issuer.example.com/jwks.json",
			jwtauth.EnvAlgorithms: "RS256"},
		jwtauth.KeySourceJwks: {jwtauth.EnvKeySource: jwtauth.KeySourceJwks, jwtauth.EnvJwks: publicJWKS(), jwtauth.EnvAlgorithms: "RS256,ES256,EdDSA"},
	}
	getenv := func(env map[string]string, extra ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(extra); i += 2 {
				if extra[i] == k {
					return extra[i+1]
				}
			}
			if v, ok := env[k]; ok {
				return v
			}
			return aws[k]
		}
	}
	for source, env := range envs {
		h, err := newHandler(getenv(env))
		if err != nil || h.Config.KeySource != source || h.Log == nil || h.Now == nil || h.HTTP == nil || h.HTTP.Timeout != FetchTimeout {
			t.Fatalf("%s: %+v %v", source, h, err)
		}
		if (h.Secrets != nil) != (source == jwtauth.KeySourceSecret) || (source == jwtauth.KeySourceJwks) != (len(h.keys) == 5) {
			t.Errorf("%s: secrets %v, %d inline keys", source, h.Secrets, len(h.keys))
		}
	}
	// A JWKS source needs no AWS credentials.
	if _, err := newHandler(func(k string) string { return envs[jwtauth.KeySourceJwksURL][k] }); err != nil {
		t.Errorf("a JWKS URL without AWS credentials: %v", err)
	}
	rsaJWK := jwkOf("r", "", &keys().rsa.PublicKey)
	for _, c := range []struct {
		source, name, value string
	}{
		{jwtauth.KeySourceSecret, jwtauth.EnvKeySource, ""},
		{jwtauth.KeySourceSecret, jwtauth.EnvKeySource, "kms"},
		{jwtauth.KeySourceSecret, jwtauth.EnvSecretArn, "jwt-key"},
		{jwtauth.KeySourceSecret, jwtauth.EnvAlgorithms, ""},
		{jwtauth.KeySourceSecret, jwtauth.EnvAlgorithms, "RS256"},
		{jwtauth.KeySourceSecret, jwtauth.EnvAlgorithms, "none"},
		{jwtauth.KeySourceSecret, jwtauth.EnvLeeway, "1h"},
		{jwtauth.KeySourceSecret, jwtauth.EnvRefresh, "1s"},
		{jwtauth.KeySourceSecret, jwtauth.EnvMaxToken, "100000"},
		{jwtauth.KeySourceSecret, jwtauth.EnvSubjectMax, "0"},
		{jwtauth.KeySourceSecret, jwtauth.EnvRules, `[{"scope":"admins","allow":["GET /a/*/b"]}]`},
		{jwtauth.KeySourceSecret, "AWS_REGION", ""},
		{jwtauth.KeySourceSecret, "AWS_SECRET_ACCESS_KEY", ""},
		{jwtauth.KeySourceSecret, "AWS_ENDPOINT_URL_SECRETS_MANAGER", "127.0.0.1:4566"},
		{jwtauth.KeySourceSecret, "AWS_ENDPOINT_URL", "ftp://127.0.0.1:4566"},
		{jwtauth.KeySourceJwksURL, jwtauth.EnvJwksURL, "http://issuer.example.com/jwks.json"},
		{jwtauth.KeySourceJwksURL, jwtauth.EnvAlgorithms, "HS256"},
		{jwtauth.KeySourceJwks, jwtauth.EnvJwks, `{"keys":[]}`},
		{jwtauth.KeySourceJwks, jwtauth.EnvJwks, `not json`},
		{jwtauth.KeySourceJwks, jwtauth.EnvJwks, jwks(rsaJWK, map[string]any{"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"})},
		{jwtauth.KeySourceJwks, jwtauth.EnvJwks, jwks(map[string]any{"kty": "oct", "k": b64url.EncodeToString([]byte(secretKey))})},
		{jwtauth.KeySourceJwks, jwtauth.EnvJwks, jwks(func() map[string]any { j := jwkOf("r", "", &keys().rsa.PublicKey); j["d"] = "AQAB"; return j }())},
	} {
		_, err := newHandler(getenv(envs[c.source], c.name, c.value))
		name := strings.TrimSuffix(c.name, "_SECRETS_MANAGER")
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s %s=%q: want an error naming it, got %v", c.source, c.name, c.value, err)
		}
	}
}

// newHandler's clients reach the key sources: Secrets Manager at
// AWS_ENDPOINT_URL_SECRETS_MANAGER with the SDK's own retries, and the
// JWKS over HTTPS with a certificate the system trusts (SSL_CERT_FILE, for
// a local run of the binary), never through a redirect to http.
func TestNewHandlersClientsReachTheKeySources(t *testing.T) {
	sm := startSecretsManager(t, secretKey)
	env := map[string]string{"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "SECRET",
		"AWS_ENDPOINT_URL_SECRETS_MANAGER": sm.URL,
		jwtauth.EnvKeySource:               jwtauth.KeySourceSecret, jwtauth.EnvSecretArn: secretArn, jwtauth.EnvAlgorithms: "HS256"}
	h, err := newHandler(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	h.Log = slog.New(slog.DiscardHandler)
	s := setup{h: h, clock: &clock{t: time.Now()}, logs: &logBuffer{}}
	s.allowed(t, hmacSigner("HS256", []byte(secretKey)).mint(claims("bob", "users", "exp", time.Now().Add(time.Hour).Unix())), getComments)
	if sm.count() != 1 {
		t.Errorf("%d reads", sm.count())
	}

	js := startJWKS(t, publicJWKS())
	cert := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(cert, pemCert(js.srv), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SSL_CERT_FILE", cert)
	env = map[string]string{jwtauth.EnvKeySource: jwtauth.KeySourceJwksURL, jwtauth.EnvJwksURL: js.URL, jwtauth.EnvAlgorithms: "ES256"}
	h, err = newHandler(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	h.Log = slog.New(slog.DiscardHandler)
	s = setup{h: h, logs: &logBuffer{}}
	s.allowed(t, ec256Sig().mint(claims("bob", "users", "exp", time.Now().Add(time.Hour).Unix())), getComments)

	// A redirect to http is not followed.
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(publicJWKS())) }))
	t.Cleanup(plain.Close)
	redirect := startJWKS(t, "")
	redirect.srv.Config.Handler = http.RedirectHandler(plain.URL, http.StatusFound)
	env[jwtauth.EnvJwksURL] = redirect.URL
	h, _ = newHandler(func(k string) string { return env[k] })
	h.Log = slog.New(slog.DiscardHandler)
	h.HTTP.Transport = redirect.srv.Client().Transport
	live := ec256Sig().mint(claims("bob", "users", "exp", time.Now().Add(time.Hour).Unix()))
	if _, err := h.Handle(context.Background(), request("Bearer "+live, getComments)); err != ErrKeySourceUnavailable {
		t.Errorf("a redirect to http: %v", err)
	}
}

func pemCert(srv *httptest.Server) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
}
