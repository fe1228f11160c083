package main

// HTTP fakes of the key sources, on 127.0.0.1 at random ports, driven by
// the handler's real clients: the aws-sdk-go-v2 Secrets Manager client
// (request serialization and signing are real) and net/http for the JWKS.

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/blueprints-cdk/blueprints/assertions/local"
	"github.com/blueprints-cdk/blueprints/internal/jwtauth"
)

const secretArn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:jwt-key-AbCdEf"

// secretsManager fakes Secrets Manager's GetSecretValue as the AWS Secrets
// Manager API Reference describes it ("GetSecretValue"; the service speaks
// the AWS JSON 1.1 protocol: POST / with X-Amz-Target
// secretsmanager.GetSecretValue and a JSON body {"SecretId": …}). The
// answer carries ARN, Name, VersionId, VersionStages and SecretString, or
// SecretBinary (base64 in JSON). Errors are JSON 1.1 errors, {"__type",
// "message"}, with the reference's codes: ResourceNotFoundException (400)
// for another secret, and whatever fail names ("Common Errors":
// InternalServiceError is a 500, AccessDeniedException a 400).
type secretsManager struct {
	t      testing.TB
	srv    *httptest.Server
	URL    string
	mu     sync.Mutex
	value  string // SecretString, unless binary is set
	binary []byte
	fail   string // an error code to answer with, or "garbage" for a body that is not JSON
	calls  int
}

func startSecretsManager(t testing.TB, value string) *secretsManager {
	f := &secretsManager{t: t, value: value}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	f.URL = f.srv.URL
	return f
}

func (f *secretsManager) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	body, _ := io.ReadAll(r.Body)
	var in struct {
		SecretID string `json:"SecretId"`
	}
	// The real client signs with SigV4 and sends the JSON 1.1 headers.
	if r.Method != http.MethodPost || r.URL.Path != "/" || r.Header.Get("X-Amz-Target") != "secretsmanager.GetSecretValue" ||
		r.Header.Get("Content-Type") != "application/x-amz-json-1.1" || !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") ||
		json.Unmarshal(body, &in) != nil {
		f.t.Errorf("the Secrets Manager fake got an unexpected request: %s %s %v %s", r.Method, r.URL, r.Header, body)
		f.error(w, http.StatusBadRequest, "SerializationException", "bad request")
		return
	}
	switch {
	case f.fail == "garbage":
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = w.Write([]byte("<html>not json"))
	case f.fail == "InternalServiceError":
		f.error(w, http.StatusInternalServerError, f.fail, "An error occurred on the server side.")
	case f.fail != "":
		f.error(w, http.StatusBadRequest, f.fail, "refused")
	case in.SecretID != secretArn:
		f.error(w, http.StatusBadRequest, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
	default:
		out := map[string]any{"ARN": secretArn, "Name": "jwt-key", "VersionId": "v1", "VersionStages": []string{"AWSCURRENT"}, "CreatedDate": 1.7e9}
		if f.binary != nil {
			out["SecretBinary"] = f.binary // []byte: base64 in JSON, as the protocol sends blobs
		} else {
			out["SecretString"] = f.value
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_ = json.NewEncoder(w).Encode(out)
	}
}

func (f *secretsManager) error(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": message})
}

func (f *secretsManager) set(fail string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = fail
}

func (f *secretsManager) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// client is the real Secrets Manager client, pointed at the fake, with one
// attempt per call (the SDK's standard retries would only slow the tests).
func (f *secretsManager) client() *secretsmanager.Client {
	return secretsmanager.New(secretsmanager.Options{
		Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		BaseEndpoint: aws.String(f.URL), RetryMaxAttempts: 1,
	})
}

// memSecrets is GetSecretValue in memory (same answer as the
// secretsManager fake, "GetSecretValue" in the AWS Secrets Manager API
// Reference), for the fuzz test and the benchmarks, counting its calls.
type memSecrets struct {
	value string
	calls int
}

func (m *memSecrets) GetSecretValue(_ context.Context, in *secretsmanager.GetSecretValueInput,
	_ ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error) {
	m.calls++
	return &secretsmanager.GetSecretValueOutput{ARN: in.SecretId, Name: aws.String("jwt-key"), SecretString: aws.String(m.value), VersionId: aws.String("v1")}, nil
}

// jwksServer fakes an issuer's JWKS endpoint over HTTPS, as Amazon Cognito
// serves a user pool's keys (Amazon Cognito developer guide, "Verifying a
// JSON Web Token": GET
// https://cognito-idp.<Region>.amazonaws.com/<userPoolId>/.well-known/jwks.json
// answers the JWK Set, RFC 7517 §5, as JSON). status other than 200 answers
// that status instead; body is what it serves.
type jwksServer struct {
	srv    *httptest.Server
	URL    string
	mu     sync.Mutex
	body   string
	status int
	calls  int
}

func startJWKS(t testing.TB, body string) *jwksServer {
	s := &jwksServer{body: body, status: http.StatusOK}
	s.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.calls++
		if r.Method != http.MethodGet || r.URL.Path != "/.well-known/jwks.json" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(s.status)
		_, _ = io.WriteString(w, s.body)
	}))
	t.Cleanup(s.srv.Close)
	s.URL = s.srv.URL + "/.well-known/jwks.json"
	return s
}

func (s *jwksServer) serve(status int, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status, s.body = status, body
}

func (s *jwksServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// clock is the handler's time, which the tests move.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// logBuffer collects a handler's log lines.
type logBuffer = local.LogBuffer

// config is the contract's configuration for env (name, value, …) through
// jwtauth.FromEnv, with the tests' issuer and audience.
func config(t testing.TB, env ...string) jwtauth.Config {
	t.Helper()
	m := map[string]string{jwtauth.EnvIssuer: issuer, jwtauth.EnvAudience: audience}
	for i := 0; i+1 < len(env); i += 2 {
		m[env[i]] = env[i+1]
	}
	cfg, err := jwtauth.FromEnv(func(k string) string { return m[k] })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// setup is a handler with its clock and log.
type setup struct {
	h     *Handler
	clock *clock
	logs  *logBuffer
}

func newSetup(t testing.TB, cfg jwtauth.Config, secrets SecretsAPI, client *http.Client) setup {
	t.Helper()
	h, err := New(cfg, secrets, client)
	if err != nil {
		t.Fatal(err)
	}
	s := setup{h: h, clock: &clock{t: t0}, logs: &logBuffer{}}
	h.Now, h.Log = s.clock.now, slog.New(slog.NewJSONHandler(s.logs, nil))
	return s
}

// secretSetup is a handler whose key is in the Secrets Manager fake
// (ALGORITHMS HS256 unless env says otherwise).
func secretSetup(t testing.TB, sm *secretsManager, env ...string) setup {
	env = append([]string{jwtauth.EnvKeySource, jwtauth.KeySourceSecret, jwtauth.EnvSecretArn, secretArn, jwtauth.EnvAlgorithms, "HS256"}, env...)
	return newSetup(t, config(t, env...), sm.client(), nil)
}

// urlSetup is a handler that reads the JWKS server's keys.
func urlSetup(t testing.TB, js *jwksServer, env ...string) setup {
	env = append([]string{jwtauth.EnvKeySource, jwtauth.KeySourceJwksURL, jwtauth.EnvJwksURL, js.URL, jwtauth.EnvAlgorithms, "RS256,ES256,EdDSA"}, env...)
	return newSetup(t, config(t, env...), nil, js.srv.Client())
}

// inlineAlgorithms are the algorithms of publicJWKS's keys.
const inlineAlgorithms = "RS256,PS256,ES256,ES384,ES512,EdDSA"

// inlineSetup is a handler with publicJWKS inline.
func inlineSetup(t testing.TB, env ...string) setup {
	env = append([]string{jwtauth.EnvKeySource, jwtauth.KeySourceJwks, jwtauth.EnvJwks, publicJWKS(), jwtauth.EnvAlgorithms, inlineAlgorithms}, env...)
	return newSetup(t, config(t, env...), nil, nil)
}
