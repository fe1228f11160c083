package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/blueprints-cdk/blueprints/internal/cookies"
	"github.com/blueprints-cdk/blueprints/internal/lambdamain"
)

var now = time.Date(2026, 11, 22, 8, 30, 0, 0, time.UTC)

func handler(t testing.TB, env map[string]string, random io.Reader) *Handler {
	t.Helper()
	h, err := newHandler(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	h.Random, h.Now, h.Log = random, func() time.Time { return now }, slog.New(slog.DiscardHandler)
	return h
}

func TestTheCookieExpiresExactlyOneLifetimeFromNowWithEveryAttribute(t *testing.T) {
	random := bytes.Repeat([]byte{0xfb}, ValueBytes)
	res, err := handler(t, nil, bytes.NewReader(random)).Handle(context.Background(), map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := http.ParseSetCookie(res.Cookie)
	if err != nil {
		t.Fatalf("%q does not parse: %v", res.Cookie, err)
	}
	want := now.Add(365 * 24 * time.Hour)
	if c.Name != "myCookie" || c.Value != base64.RawURLEncoding.EncodeToString(random) {
		t.Errorf("name=value: %s=%s", c.Name, c.Value)
	}
	if !c.Expires.Equal(want) || !strings.Contains(res.Cookie, "Expires="+want.Format(http.TimeFormat)) {
		t.Errorf("Expires %v, want %v in HTTP date format: %s", c.Expires, want, res.Cookie)
	}
	if c.MaxAge != 365*24*3600 || c.Path != "/" || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Domain != "" {
		t.Errorf("attributes: %+v", c)
	}
}

func TestTheValueHasAtLeast128RandomBitsAndIsURLSafe(t *testing.T) {
	res, err := handler(t, nil, strings.NewReader(strings.Repeat("\xff\x00\x3e\x3f", ValueBytes))).Handle(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := http.ParseSetCookie(res.Cookie)
	raw, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil || len(raw)*8 < 128 {
		t.Errorf("value %q: %d bits, %v", c.Value, len(raw)*8, err)
	}
	if strings.ContainsAny(c.Value, `+/=" ,;\`) {
		t.Errorf("value %q needs quoting or escaping", c.Value)
	}
}

func TestTwoCookiesDiffer(t *testing.T) {
	h := handler(t, nil, nil)
	h.Random = rand.Reader
	a, _ := h.Handle(context.Background(), nil)
	b, _ := h.Handle(context.Background(), nil)
	if a.Cookie == b.Cookie {
		t.Error("two requests got the same cookie")
	}
}

func TestAttributesComeFromTheEnvironment(t *testing.T) {
	env := map[string]string{
		cookies.EnvName: "session", cookies.EnvDomain: "my.domain", cookies.EnvLifetime: "3600",
		cookies.EnvSecure: "true", cookies.EnvHTTPOnly: "false", cookies.EnvSameSite: "Strict", cookies.EnvPath: "/app",
	}
	res, err := handler(t, env, bytes.NewReader(make([]byte, ValueBytes))).Handle(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := http.ParseSetCookie(res.Cookie)
	if c.Name != "session" || c.Domain != "my.domain" || c.MaxAge != 3600 || !c.Expires.Equal(now.Add(time.Hour)) ||
		c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/app" {
		t.Errorf("got %+v from %s", c, res.Cookie)
	}
}

func TestBadConfigurationIsRefusedAtStart(t *testing.T) {
	for env, bad := range map[string]string{
		cookies.EnvName:     "bad name;",
		cookies.EnvDomain:   "evil.com; HttpOnly",
		cookies.EnvLifetime: "-5",
		cookies.EnvSecure:   "maybe",
		cookies.EnvSameSite: "Lenient",
		cookies.EnvPath:     "no-slash",
	} {
		if _, err := newHandler(func(k string) string {
			if k == env {
				return bad
			}
			return ""
		}); err == nil || !strings.Contains(err.Error(), env) {
			t.Errorf("%s=%q: want an error naming %s, got %v", env, bad, env, err)
		}
	}
	_, err := newHandler(func(k string) string {
		return map[string]string{cookies.EnvSameSite: "None", cookies.EnvSecure: "false"}[k]
	})
	if err == nil {
		t.Error("SameSite=None without Secure must be refused")
	}
}

func TestAFailingRandomSourceIsAnErrorNotAWeakCookie(t *testing.T) {
	_, err := handler(t, nil, strings.NewReader("short")).Handle(context.Background(), nil)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("want the read error, got %v", err)
	}
}

func BenchmarkHandle(b *testing.B) {
	h := handler(b, nil, rand.Reader)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Handle(ctx, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func TestTheLogLineCarriesTheRequestIdAndNeverTheValue(t *testing.T) {
	h := handler(t, nil, rand.Reader)
	var out bytes.Buffer
	h.Log = lambdamain.Logger(&out)
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-7"})
	res, err := h.Handle(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var line map[string]any
	if err := json.Unmarshal(out.Bytes(), &line); err != nil {
		t.Fatalf("want one JSON line, got %q: %v", out.String(), err)
	}
	value := strings.TrimPrefix(strings.SplitN(res.Cookie, ";", 2)[0], cookies.DefaultName+"=")
	if line["requestId"] != "req-7" || strings.Contains(out.String(), value) {
		t.Errorf("log line %s: want requestId req-7 and no cookie value", out.String())
	}
}
