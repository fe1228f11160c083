// Package smoke is ApiStack's smoke checklist, written once against a base URL.
//
// `make test` runs it against the synthesized stack on the local API
// Gateway emulator (apps/apistack's TestSmokeChecksOffline), and `make
// integ` against a deployment, through its CloudFront distribution
// (integ/). Each check is one documented happy or error path of a route.
package smoke

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Target is where the checks run.
type Target struct {
	// BaseURL is the API's base URL, ending in "/": the distribution's
	// (DistributionUrl) or, locally, the emulator's.
	BaseURL string
	// Client makes the requests; nil means one with a 10-second timeout.
	Client *http.Client
	// Token is a bearer token POST /comments accepts (minttoken).
	Token string
}

// Check is one path of one route.
type Check struct {
	// Name says what the check expects.
	Name string
	// Route is the method and path it calls, for the report.
	Route string
	// Run calls the route and says what was wrong, or nil.
	Run func(ctx context.Context, t Target) error
}

// Checks are ApiStack's checks, in the order a report lists them.
func Checks() []Check {
	return []Check{
		{"a comment posted with a token is read back", "POST /comments, GET /comments/{pageId}", postThenGet},
		{"a comment without a token is a 401", "POST /comments", func(ctx context.Context, t Target) error {
			return expect(ctx, t, "POST", "comments", comment("smoke-no-token"), nil, 401, `{"message":"Unauthorized"}`)
		}},
		{"an invalid comment is a JSON 400", "POST /comments", func(ctx context.Context, t Target) error {
			return expect(ctx, t, "POST", "comments", `{"pageId":"smoke","userName":"u"}`, bearer(t), 400, `"message":`)
		}},
		{"GET /cookie sets the cookie", "GET /cookie", getCookie},
		{"a profile posted is read back from its cookies", "POST /profile, GET /profile", profileRoundTrip},
		{"an invalid profile is a JSON 400", "POST /profile", func(ctx context.Context, t Target) error {
			return expect(ctx, t, "POST", "profile", `{"language":"en"}`, nil, 400, `{"message":"Invalid request body"}`)
		}},
		{"an unknown link is a 404", "GET /r/{slug}", func(ctx context.Context, t Target) error {
			return expect(ctx, t, "GET", "r/smoke-"+nonce(), "", nil, 404, "")
		}},
		{"V2 orders come a page at a time", "GET /v2/orders", func(ctx context.Context, t Target) error {
			return expect(ctx, t, "GET", "v2/orders?start=2015-10-01T00:00:00Z&end=2015-10-15T00:00:00Z", "", nil, 200, `"nextToken":`)
		}},
		{"V1 orders keep V1's answer to a long range", "GET /v1/orders", func(ctx context.Context, t Target) error {
			return expect(ctx, t, "GET", "v1/orders?start=2015-10-01T00:00:00Z&end=2015-10-15T00:00:00Z", "", nil, 200,
				`{"errorMessage":"Too many results, try your request with a shorter duration"}`)
		}},
		{"a bad V2 start is a JSON 400", "GET /v2/orders", func(ctx context.Context, t Target) error {
			return expect(ctx, t, "GET", "v2/orders?start=yesterday&end=2015-10-15T00:00:00Z", "", nil, 400, `{"message":"Invalid parameter`)
		}},
	}
}

func comment(pageID string) string {
	b, _ := json.Marshal(map[string]string{"pageId": pageID, "userName": "smoke", "message": "I really enjoyed this story!!"})
	return string(b)
}

func bearer(t Target) map[string]string {
	return map[string]string{"Authorization": "Bearer " + t.Token}
}

// nonce makes each run's page and slug its own, so runs against one
// deployment do not see each other's data.
func nonce() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func postThenGet(ctx context.Context, t Target) error {
	page := "smoke-" + nonce()
	if err := expect(ctx, t, "POST", "comments", comment(page), bearer(t), 201, `"commentId":`); err != nil {
		return err
	}
	return expect(ctx, t, "GET", "comments/"+url.PathEscape(page), "", nil, 200, "I really enjoyed this story!!")
}

func getCookie(ctx context.Context, t Target) error {
	resp, body, err := call(ctx, t, "GET", "cookie", "", nil)
	if err != nil {
		return err
	}
	for _, c := range resp.Cookies() {
		if c.Name == "myCookie" && c.Value != "" && c.Secure && c.HttpOnly {
			return nil
		}
	}
	return fmt.Errorf("GET /cookie: %d %s, Set-Cookie %q: no secure, HTTP-only myCookie", resp.StatusCode, body, resp.Header.Values("Set-Cookie"))
}

func profileRoundTrip(ctx context.Context, t Target) error {
	resp, body, err := call(ctx, t, "POST", "profile", `{"language":"en-us","theme":"blue moon"}`, nil)
	if err != nil {
		return err
	}
	if resp.StatusCode != 200 || len(resp.Cookies()) != 2 {
		return fmt.Errorf("POST /profile: %d %s, Set-Cookie %q: want 200 and two cookies", resp.StatusCode, body, resp.Header.Values("Set-Cookie"))
	}
	var pairs []string
	for _, c := range resp.Cookies() {
		pairs = append(pairs, c.Name+"="+c.Value)
	}
	return expect(ctx, t, "GET", "profile", "", map[string]string{"Cookie": strings.Join(pairs, "; ")}, 200, `"theme":"blue moon"`)
}

// expect calls the route and wants the status, and a body containing want.
func expect(ctx context.Context, t Target, method, path, body string, headers map[string]string, status int, want string) error {
	resp, got, err := call(ctx, t, method, path, body, headers)
	if err != nil {
		return err
	}
	if resp.StatusCode != status || !strings.Contains(got, want) {
		return fmt.Errorf("%s /%s: %d %s, want %d and %q", method, path, resp.StatusCode, got, status, want)
	}
	return nil
}

func call(ctx context.Context, t Target, method, path, body string, headers map[string]string) (*http.Response, string, error) {
	client := t.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, method, t.BaseURL+path, strings.NewReader(body))
	if err != nil {
		return nil, "", err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("%s /%s: %w", method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp, string(b), err
}

// Mint signs claims as a compact HS256 JWS (RFC 7515 §7.1, RFC 7518 §3.2)
// with the key of ApiStack's TokenKeySecretArn secret: a token POST
// /comments accepts. It shares no code with the authorizer's JOSE library.
func Mint(key []byte, claims map[string]any) (string, error) {
	enc := base64.RawURLEncoding
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	input := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc.EncodeToString(payload)
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(input))
	return input + "." + enc.EncodeToString(mac.Sum(nil)), nil
}
