package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/blueprints-cdk/blueprints/internal/jwtauth"
)

func (s setup) handle(authorization, methodArn string) (events.APIGatewayCustomAuthorizerResponse, error) {
	return s.h.Handle(context.Background(), events.APIGatewayCustomAuthorizerRequest{Type: "TOKEN", AuthorizationToken: authorization, MethodArn: methodArn})
}

// allowed asks with "Bearer token" and wants a policy that allows the
// request of methodArn.
func (s setup) allowed(t *testing.T, token, methodArn string) events.APIGatewayCustomAuthorizerResponse {
	t.Helper()
	resp, err := s.handle("Bearer "+token, methodArn)
	if err != nil {
		t.Fatalf("want a policy, got %v; log:\n%s", err, s.logs)
	}
	method, path, _ := strings.Cut(strings.TrimPrefix(methodArn, stageArn+"/"), "/")
	if decide(resp, method, "/"+path) != "Allow" {
		t.Fatalf("the policy does not allow %s: %+v", methodArn, resp)
	}
	return resp
}

// unauthorized wants exactly ErrUnauthorized and no policy.
func (s setup) unauthorized(t *testing.T, authorization, why string) {
	t.Helper()
	resp, err := s.handle(authorization, getComments)
	if err == nil || err.Error() != "Unauthorized" || !reflect.ValueOf(resp).IsZero() {
		t.Errorf("%s: want the error Unauthorized and no policy, got %+v, %v", why, resp, err)
	}
}

// unavailable wants ErrKeySourceUnavailable (API Gateway's 500) and no
// policy.
func (s setup) unavailable(t *testing.T, token, why string) {
	t.Helper()
	resp, err := s.handle("Bearer "+token, getComments)
	if !errors.Is(err, ErrKeySourceUnavailable) || err.Error() == "Unauthorized" || !reflect.ValueOf(resp).IsZero() {
		t.Errorf("%s: want ErrKeySourceUnavailable and no policy, got %+v, %v", why, resp, err)
	}
}

func resources(resp events.APIGatewayCustomAuthorizerResponse) []string {
	var out []string
	for _, st := range resp.PolicyDocument.Statement {
		out = append(out, st.Resource...)
	}
	return out
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// 1. The admin scope.
func TestTheAdminScopeAllowsEveryMethodOfTheStage(t *testing.T) {
	s := secretSetup(t, startSecretsManager(t, secretKey))
	resp := s.allowed(t, hmacSigner("HS256", []byte(secretKey)).mint(claims("alice", "admins")), getComments)
	want := `{"principalId":"alice","policyDocument":{"Version":"2012-10-17","Statement":[{"Action":["execute-api:Invoke"],"Effect":"Allow",` +
		`"Resource":["arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/*/*"]}]},"context":{"scope":"admins","sub":"alice"}}`
	if got := mustJSON(t, resp); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	for _, r := range [][2]string{{"DELETE", "/users/bob"}, {"GET", "/"}, {"POST", "/comments"}, {"PATCH", "/a/b/c"}} {
		if decide(resp, r[0], r[1]) != "Allow" {
			t.Errorf("the admin may not %s %s", r[0], r[1])
		}
	}
}

// 2. The user scope, byte-identical whichever methodArn asked.
func TestTheUserScopeAllowsExactlyGetAndPostToItsOwnUser(t *testing.T) {
	s := secretSetup(t, startSecretsManager(t, secretKey))
	token := hmacSigner("HS256", []byte(secretKey)).mint(claims("bob", "users"))
	first := s.allowed(t, token, getComments)
	second := s.allowed(t, token, postUser)
	want := []string{stageArn + "/GET/*", stageArn + "/POST/users/bob"}
	if got := resources(first); !slices.Equal(got, want) || first.PrincipalID != "bob" || first.PolicyDocument.Statement[0].Effect != "Allow" {
		t.Errorf("got %+v, want Allow on %v", first, want)
	}
	if a, b := mustJSON(t, first), mustJSON(t, second); a != b {
		t.Errorf("the policy depends on the methodArn:\n%s\n%s", a, b)
	}
	if !reflect.DeepEqual(first.Context, map[string]any{"sub": "bob", "scope": "users"}) {
		t.Errorf("context %v", first.Context)
	}
	for _, c := range []struct{ method, path, want string }{
		{"GET", "/anything", "Allow"}, {"GET", "/", "Allow"}, {"GET", "/users/alice/private", "Allow"},
		{"POST", "/users/bob", "Allow"},
		{"POST", "/users/alice", "Deny"}, {"DELETE", "/users/bob", "Deny"}, {"PUT", "/users/bob", "Deny"},
		{"POST", "/users/bob/extra", "Deny"}, {"POST", "/users/bobby", "Deny"}, {"POST", "/comments", "Deny"},
	} {
		if got := decide(first, c.method, c.path); got != c.want {
			t.Errorf("%s %s: %s, want %s", c.method, c.path, got, c.want)
		}
	}
}

// 3. Scope matching: whole words of a string, or whole elements of an array.
func TestScopesMatchAsWholeWordsOrArrayElements(t *testing.T) {
	s := secretSetup(t, startSecretsManager(t, secretKey))
	sign := hmacSigner("HS256", []byte(secretKey))
	admin := []string{stageArn + "/*/*"}
	user := []string{stageArn + "/GET/*", stageArn + "/POST/users/carol"}
	for _, c := range []struct {
		scope any
		want  []string
	}{
		{"notadmins", user}, {"admins-readonly", user}, {"ADMINS", user}, {"admin", user}, {"", user}, {nil, user},
		{[]any{"notadmins", "users"}, user}, {[]any{"users admins"}, user}, {[]any{}, user},
		{"users admins", admin}, {"admins", admin}, {"  users\tadmins  ", admin}, {[]any{"users", "admins"}, admin},
	} {
		resp := s.allowed(t, sign.mint(claims("carol", c.scope)), getComments)
		if got := resources(resp); !slices.Equal(got, c.want) {
			t.Errorf("scope %#v: %v, want %v", c.scope, got, c.want)
		}
	}
	for _, scope := range []any{42, []any{"admins", 1}, map[string]any{"admins": true}, true} {
		s.unauthorized(t, "Bearer "+sign.mint(claims("carol", scope)), "a scope claim that is neither a string nor strings")
	}
	// The claim is configurable, as Cognito's groups are an array.
	s = secretSetup(t, startSecretsManager(t, secretKey), jwtauth.EnvScopeClaim, "cognito:groups")
	resp := s.allowed(t, sign.mint(claims("carol", "users", "cognito:groups", []any{"admins"})), getComments)
	if got := resources(resp); !slices.Equal(got, admin) || resp.Context["scope"] != "admins" {
		t.Errorf("cognito:groups: %+v", resp)
	}
}

func TestRulesGrantTheUnionOfTheirRoutesAndDenyWhenNoneApplies(t *testing.T) {
	rules := `[{"scope":"editors","allow":["PUT /comments/*","DELETE /comments/*"]},{"scope":"readers","allow":["GET /comments/*"]},` +
		`{"scope":"self","allow":["GET /users/{sub}","GET /users/{sub}/*","GET /comments/*"]}]`
	s := secretSetup(t, startSecretsManager(t, secretKey), jwtauth.EnvRules, rules)
	sign := hmacSigner("HS256", []byte(secretKey))
	resp := s.allowed(t, sign.mint(claims("dave", "readers self editors readers")), getComments)
	want := []string{stageArn + "/DELETE/comments/*", stageArn + "/GET/comments/*", stageArn + "/GET/users/dave", stageArn + "/GET/users/dave/*",
		stageArn + "/PUT/comments/*"}
	if got := resources(resp); !slices.Equal(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
	// A valid token that no rule grants anything: a Deny, API Gateway's 403.
	resp, err := s.handle("Bearer "+sign.mint(claims("erin", "users")), getComments)
	if err != nil || resp.PolicyDocument.Statement[0].Effect != "Deny" || decide(resp, "GET", "/comments/x") != "Deny" || resp.PrincipalID != "erin" {
		t.Errorf("%+v %v", resp, err)
	}
}

// 4. Unsafe subjects; and real issuers' subjects.
func TestSubjectsMustBeSafeInAnExecuteAPIResource(t *testing.T) {
	s := secretSetup(t, startSecretsManager(t, secretKey))
	sign := hmacSigner("HS256", []byte(secretKey))
	for _, sub := range []any{"*", "bob/*", "a?b", "", "/", "bob/../alice", "a b", "a\tb", "a\nb", "nul\x00", "del\x7f", "nbsp\u00a0x", "ls\u2028x",
		"${aws:username}", "a${*}", "bad-\xff-utf8", strings.Repeat("a", jwtauth.DefaultMaxSubject+1), 42, nil, []any{"bob"}} {
		c := claims("", "users", "sub", sub)
		if sub == nil {
			delete(c, "sub")
		}
		s.unauthorized(t, "Bearer "+sign.mint(c), fmt.Sprintf("sub %q", sub))
	}
	for _, sub := range []string{"auth0|5f7c8ec7c33c6c004bbafe82", "google-oauth2|1234", "alice@example.com", "00u1a2b3c4D5e6F7g8h9",
		"7d6c5b4a-0000-4000-8000-123456789abc", "amzn1.account.AEXAMPLE", "zoë", "a$b", "{sub}", strings.Repeat("a", jwtauth.DefaultMaxSubject)} {
		resp := s.allowed(t, sign.mint(claims(sub, "users")), getComments)
		if decide(resp, "POST", "/users/"+sub) != "Allow" || decide(resp, "POST", "/users/x"+sub) != "Deny" || resp.PrincipalID != sub {
			t.Errorf("sub %q: %+v", sub, resp)
		}
	}
}

// 5. Bad signatures, algorithm confusion included.
func TestBadSignaturesAreUnauthorized(t *testing.T) {
	sm := startSecretsManager(t, secretKey)
	hmacSource := secretSetup(t, sm)
	jwksSource := inlineSetup(t)
	c := claims("mallory", "admins")
	none := func(alg string) string {
		return segment(map[string]any{"alg": alg, "typ": "JWT"}) + "." + segment(c) + "."
	}
	for _, s := range []setup{hmacSource, jwksSource} {
		for _, alg := range []string{"none", "None", "NONE", ""} {
			s.unauthorized(t, "Bearer "+none(alg), "alg "+alg)
		}
		s.unauthorized(t, "Bearer "+none("HS256"), "HS256 without a signature")
	}
	hmacSource.unauthorized(t, "Bearer "+hmacSigner("HS256", []byte(wrongKey)).mint(c), "HS256 with the wrong key")
	// RS256 (and other public-key algorithms) against the HMAC secret.
	for _, sg := range []signer{rsaSig(), ec256Sig(), edSig()} {
		hmacSource.unauthorized(t, "Bearer "+sg.mint(c), sg.alg+" against the HMAC secret")
	}
	// An RS256 header over an HMAC of the secret: the secret never verifies RS256.
	forged := signer{alg: "RS256", sign: hmacSigner("HS256", []byte(secretKey)).sign}
	hmacSource.unauthorized(t, "Bearer "+forged.mint(c), "RS256 header, HMAC signature")

	// Algorithm confusion: HS256 with the JWKS's public key, in every form
	// an attacker might try, as the HMAC key.
	pub := &keys().rsa.PublicKey
	pkix, _ := x509.MarshalPKIXPublicKey(pub)
	forms := map[string][]byte{
		"PEM":        pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pkix}),
		"PKIX DER":   pkix,
		"PKCS#1 DER": x509.MarshalPKCS1PublicKey(pub),
		"modulus":    pub.N.Bytes(),
		"JWKS":       []byte(publicJWKS()),
		"JWK":        []byte(mustJSON(t, jwkOf("rsa-1", "", pub))),
	}
	js := startJWKS(t, publicJWKS())
	urlSource := urlSetup(t, js)
	// Even with HS256 slipped into the allow-list (FromEnv refuses it for a
	// JWKS), no JWKS key is an HMAC key.
	tampered := config(t, jwtauth.EnvKeySource, jwtauth.KeySourceJwks, jwtauth.EnvJwks, publicJWKS(), jwtauth.EnvAlgorithms, inlineAlgorithms)
	tampered.Algorithms = append(tampered.Algorithms, "HS256", "HS384", "HS512", "none")
	permissive := newSetup(t, tampered, nil, nil)
	for name, key := range forms {
		for _, alg := range []string{"HS256", "HS512"} {
			sg := hmacSigner(alg, key)
			sg.kid = "rsa-1"
			for which, s := range map[string]setup{"inline": jwksSource, "url": urlSource, "HS* allowed": permissive} {
				s.unauthorized(t, "Bearer "+sg.mint(c), fmt.Sprintf("%s signed with the %s public key (%s JWKS)", alg, name, which))
			}
		}
	}
	permissive.unauthorized(t, "Bearer "+none("none"), "alg none, allowed")
	// A signature by a key the JWKS does not have, under a kid it does.
	stranger := rsaSigner("RS256", "rsa-1", keys().rsa2)
	jwksSource.unauthorized(t, "Bearer "+stranger.mint(c), "RS256 by another key")
	// An ES256 signature presented as ES384, and an EC key under another curve's alg.
	es := ec256Sig()
	es.alg = "ES384"
	jwksSource.unauthorized(t, "Bearer "+es.mint(c), "ES256 signature as ES384")
	// A tampered payload.
	good := rsaSig().mint(c)
	parts := strings.Split(good, ".")
	jwksSource.unauthorized(t, "Bearer "+parts[0]+"."+segment(claims("mallory", "admins", "sub", "alice"))+"."+parts[2], "a tampered payload")
	// A critical header the handler does not know.
	jwksSource.unauthorized(t, "Bearer "+rsaSig().mintHeader(map[string]any{"alg": "RS256", "kid": "rsa-1", "crit": []string{"exp"}, "exp": 1}, c), "crit")
	// And the same tokens, well signed, pass: the refusals above are the signatures'.
	jwksSource.allowed(t, good, getComments)
	hmacSource.allowed(t, hmacSigner("HS256", []byte(secretKey)).mint(c), getComments)
}

// Every algorithm family verifies: HS*, RS256 and PS256, ES256/384/512, EdDSA.
func TestEveryAlgorithmFamilyVerifies(t *testing.T) {
	inline := inlineSetup(t)
	for _, sg := range []signer{rsaSig(), psSig(), ec256Sig(), ec384Sig(), ec521Sig(), edSig()} {
		resp := inline.allowed(t, sg.mint(claims("bob", "users")), postUser)
		if resp.PrincipalID != "bob" {
			t.Errorf("%s: %+v", sg.alg, resp)
		}
		// Without a kid, every key of the algorithm's type is tried.
		sg.kid = ""
		inline.allowed(t, sg.mint(claims("bob", "users")), postUser)
		// An unknown kid is refused (an inline JWKS is never read again).
		sg.kid = "unknown"
		inline.unauthorized(t, "Bearer "+sg.mint(claims("bob", "users")), sg.alg+" with an unknown kid")
	}
	// An algorithm the allow-list lacks is refused, though the key exists.
	narrow := inlineSetup(t, jwtauth.EnvAlgorithms, "ES256")
	narrow.unauthorized(t, "Bearer "+rsaSig().mint(claims("bob", "users")), "RS256 not allowed")
	narrow.allowed(t, ec256Sig().mint(claims("bob", "users")), postUser)

	// HS384 and HS512 need keys of 48 and 64 bytes (RFC 7518 §3.2).
	long := secretSetup(t, startSecretsManager(t, longKey), jwtauth.EnvAlgorithms, "HS256,HS384,HS512")
	short := secretSetup(t, startSecretsManager(t, secretKey), jwtauth.EnvAlgorithms, "HS256,HS384,HS512")
	for _, alg := range []string{"HS256", "HS384", "HS512"} {
		long.allowed(t, hmacSigner(alg, []byte(longKey)).mint(claims("bob", "users")), postUser)
		if alg == "HS256" {
			short.allowed(t, hmacSigner(alg, []byte(secretKey)).mint(claims("bob", "users")), postUser)
		} else {
			short.unauthorized(t, "Bearer "+hmacSigner(alg, []byte(secretKey)).mint(claims("bob", "users")), alg+" with a 43-byte key")
		}
	}
}

// 6. Bad claims.
func TestBadClaimsAreUnauthorized(t *testing.T) {
	s := inlineSetup(t)
	sg := ec256Sig()
	for name, c := range map[string]map[string]any{
		"exp 2 minutes past":       claims("bob", "users", "exp", t0.Add(-2*time.Minute).Unix()),
		"no exp":                   claims("bob", "users", "exp", nil),
		"exp not a number":         claims("bob", "users", "exp", "tomorrow"),
		"nbf 2 minutes ahead":      claims("bob", "users", "nbf", t0.Add(2*time.Minute).Unix()),
		"the wrong iss":            claims("bob", "users", "iss", "https://evil.example.com/"),
		"no iss":                   claims("bob", "users", "iss", nil),
		"a foreign aud":            claims("bob", "users", "aud", "other-api"),
		"foreign auds":             claims("bob", "users", "aud", []any{"other-api", "third-api"}),
		"no aud":                   claims("bob", "users", "aud", nil),
		"claims that are an array": nil,
	} {
		token := sg.mint(c)
		if c == nil {
			token = sg.mintHeader(map[string]any{"alg": "ES256", "kid": "ec-256"}, []any{"sub", "bob", "exp", t0.Add(time.Hour).Unix()})
		}
		s.unauthorized(t, "Bearer "+token, name)
	}
	// Within the leeway (60 s), and an aud array that holds the audience, pass.
	for name, c := range map[string]map[string]any{
		"exp 30 s past":      claims("bob", "users", "exp", t0.Add(-30*time.Second).Unix()),
		"nbf 30 s ahead":     claims("bob", "users", "nbf", t0.Add(30*time.Second).Unix()),
		"aud among others":   claims("bob", "users", "aud", []any{"other-api", audience}),
		"nbf past, exp soon": claims("bob", "users", "nbf", t0.Add(-time.Hour).Unix(), "exp", t0.Add(time.Second).Unix()),
	} {
		if _, err := s.handle("Bearer "+sg.mint(c), getComments); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Without ISSUER and AUDIENCE, iss and aud are not required.
	lax := newSetup(t, func() jwtauth.Config {
		cfg := config(t, jwtauth.EnvKeySource, jwtauth.KeySourceJwks, jwtauth.EnvJwks, publicJWKS(), jwtauth.EnvAlgorithms, "ES256")
		cfg.Issuer, cfg.Audience = "", ""
		return cfg
	}(), nil, nil)
	lax.allowed(t, sg.mint(claims("bob", "users", "iss", nil, "aud", nil)), postUser)
	// A leeway of 0 is exact.
	exact := inlineSetup(t, jwtauth.EnvLeeway, "0s")
	exact.unauthorized(t, "Bearer "+sg.mint(claims("bob", "users", "exp", t0.Add(-time.Second).Unix())), "exp 1 s past without leeway")
}

// 7. Headers, and the size cap before any key or cryptography.
func TestTheAuthorizationHeader(t *testing.T) {
	sm := startSecretsManager(t, secretKey)
	s := secretSetup(t, sm)
	token := hmacSigner("HS256", []byte(secretKey)).mint(claims("bob", "users"))
	for _, prefix := range []string{"Bearer ", "bearer ", "BEARER ", "bEaReR "} {
		if _, err := s.handle(prefix+token, getComments); err != nil {
			t.Errorf("%q: %v", prefix, err)
		}
	}
	for _, h := range []string{"Basic Zm9v", "", "Bearer", "Bearer ", "Bearer  " + token, "Bearer " + token + " ", "Bearer\t" + token, token,
		"Token " + token, "Bearer " + token + "." + "x", "Bearer a.b.c", "Bearer ..", "Bearer " + strings.ReplaceAll(token, ".", " ")} {
		s.unauthorized(t, h, fmt.Sprintf("header %q", h))
	}
	// A malformed methodArn is refused too.
	for _, arn := range []string{"", "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5", "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod",
		"arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/GET", "arn:aws:lambda:us-east-1:123456789012:a1b2c3d4e5/prod/GET/x",
		"arn:aws:execute-api:us-east-1:12345:a1b2c3d4e5/prod/GET/x", "arn:aws:execute-api:us-east-1:123456789012:a1b2/c3d4e5/prod/GET/x",
		"arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/pr*d/GET/x", "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/get/x",
		"arn:aws:execute-api:us-east-1:123456789012:a1*/prod/GET/x"} {
		if resp, err := s.handle("Bearer "+token, arn); !errors.Is(err, ErrUnauthorized) {
			t.Errorf("methodArn %q: %+v %v", arn, resp, err)
		}
	}
	// The path after the method is not parsed (the policy is the stage's):
	// decoded or not, it is accepted.
	for _, arn := range []string{"arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/GET/a b",
		"arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/POST/users/auth0%7C5f"} {
		if _, err := s.handle("Bearer "+token, arn); err != nil {
			t.Errorf("methodArn %q: %v", arn, err)
		}
	}
	// Other partitions and the root path are methodArns too.
	for _, arn := range []string{"arn:aws-cn:execute-api:cn-north-1:123456789012:a1b2c3d4e5/prod/GET/",
		"arn:aws:execute-api:us-east-1:123456789012:local/prod/POST/comments", "arn:aws-eusc:execute-api:eusc-de-east-1:123456789012:a1b2c3d4e5/v1/PUT/x",
		"arn:aws-us-gov:execute-api:us-gov-west-1:123456789012:a1b2c3d4e5/test-invoke-stage/DELETE/users/bob"} {
		if resp, err := s.handle("Bearer "+token, arn); err != nil || !strings.HasPrefix(resources(resp)[0], arn[:strings.Index(arn, "/")]) {
			t.Errorf("methodArn %q: %+v %v", arn, resp, err)
		}
	}
	calls := sm.count()

	// A 9 KB token, validly signed: refused before the key is read (the
	// key is read only to verify a signature, so no cryptography is done).
	big := hmacSigner("HS256", []byte(secretKey)).mint(claims("bob", "users", "padding", strings.Repeat("p", 7000)))
	if len(big) <= 9*1024 || len(big) > 10240 {
		t.Fatal(len(big))
	}
	fresh := secretSetup(t, sm)
	fresh.unauthorized(t, "Bearer "+big, "a 9 KB token")
	if sm.count() != calls {
		t.Errorf("the key was read for a 9 KB token: %d calls, want %d", sm.count(), calls)
	}
	js := startJWKS(t, publicJWKS())
	bigRS := rsaSig().mint(claims("bob", "users", "padding", strings.Repeat("p", 7000)))
	urlSetup(t, js).unauthorized(t, "Bearer "+bigRS, "a 9 KB RS256 token")
	if js.count() != 0 {
		t.Errorf("the JWKS was read for a 9 KB token")
	}
	// The same token under a higher cap is read and verified: the test
	// above would see a fetch.
	raised := secretSetup(t, sm, jwtauth.EnvMaxToken, "10240")
	raised.allowed(t, big, getComments)
	if sm.count() != calls+1 {
		t.Errorf("want one read for the raised cap, got %d", sm.count()-calls)
	}
}

// The log says why, and never holds the token or the key.
func TestTheLogNeverHoldsTheTokenOrTheKey(t *testing.T) {
	sm := startSecretsManager(t, secretKey)
	s := secretSetup(t, sm)
	sign := hmacSigner("HS256", []byte(secretKey))
	tokens := []string{sign.mint(claims("bob", "users")), sign.mint(claims("bob", "users", "exp", t0.Add(-time.Hour).Unix())),
		hmacSigner("HS256", []byte(wrongKey)).mint(claims("bob", "users")), sign.mint(claims("a/b", "users"))}
	for _, tok := range tokens {
		_, _ = s.handle("Bearer "+tok, getComments)
	}
	sm.set("InternalServiceError")
	s.clock.advance(jwtauth.DefaultRefresh)
	_, _ = s.handle("Bearer "+tokens[0], getComments)
	logs := s.logs.String()
	for _, tok := range tokens {
		for _, part := range strings.Split(tok, ".") {
			if strings.Contains(logs, part) {
				t.Errorf("the log holds part of a token: %s", part)
			}
		}
	}
	if strings.Contains(logs, secretKey) || strings.Contains(logs, b64url.EncodeToString([]byte(secretKey))) {
		t.Error("the log holds the key")
	}
	for _, want := range []string{`"msg":"authorized"`, `"sub":"bob"`, "token is expired", "signature is invalid", `not safe in an execute-api resource`,
		`"msg":"the key source is unavailable"`, "InternalServiceError"} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log lacks %s:\n%s", want, logs)
		}
	}
}
