package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/blueprints-cdk/blueprints/internal/cookies"
)

var now = time.Date(2026, 11, 22, 8, 30, 0, 0, time.UTC)

func newTestHandler() *Handler {
	return &Handler{Attrs: cookies.Defaults(), Now: func() time.Time { return now }, Log: slog.New(slog.DiscardHandler)}
}

func do(t testing.TB, req events.APIGatewayProxyRequest) events.APIGatewayProxyResponse {
	t.Helper()
	resp, err := newTestHandler().Handle(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestPostSetsTwoCookiesAndTheBlueMoonSurvivesTheRoundTrip(t *testing.T) {
	resp := do(t, events.APIGatewayProxyRequest{HTTPMethod: "POST", Body: `{"language":"en-US","theme":"blue moon"}`})
	if resp.StatusCode != 200 || resp.Body != `{"language":"en-US","theme":"blue moon"}` {
		t.Fatalf("got %d %s", resp.StatusCode, resp.Body)
	}
	set := resp.MultiValueHeaders["Set-Cookie"]
	if len(set) != 2 {
		t.Fatalf("want two Set-Cookie headers, got %q", set)
	}
	var cookieLine []string
	for i, want := range []struct{ name, value string }{{"language", "en-US"}, {"theme", "blue%20moon"}} {
		c, err := http.ParseSetCookie(set[i])
		if err != nil {
			t.Fatalf("%q: %v", set[i], err)
		}
		if c.Name != want.name || c.Value != want.value || c.Quoted || !c.Expires.Equal(now.Add(365*24*time.Hour)) ||
			!c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
			t.Errorf("cookie %d: %+v from %q", i, c, set[i])
		}
		cookieLine = append(cookieLine, c.Name+"="+c.Value)
	}
	// A browser sends them back in one Cookie header.
	got := do(t, events.APIGatewayProxyRequest{HTTPMethod: "GET", Headers: map[string]string{"Cookie": strings.Join(cookieLine, "; ")}})
	if got.StatusCode != 200 || got.Body != `{"language":"en-US","theme":"blue moon"}` {
		t.Errorf("GET: %d %s", got.StatusCode, got.Body)
	}
}

func TestGetReadsCookiesFromMultiValueHeaders(t *testing.T) {
	got := do(t, events.APIGatewayProxyRequest{HTTPMethod: "GET", MultiValueHeaders: map[string][]string{
		"cookie": {"language=fr-CA", "other=1; theme=dark_mode"},
	}})
	if got.StatusCode != 200 || got.Body != `{"language":"fr-CA","theme":"dark_mode"}` {
		t.Errorf("got %d %s", got.StatusCode, got.Body)
	}
	none := do(t, events.APIGatewayProxyRequest{HTTPMethod: "GET"})
	if none.StatusCode != 200 || none.Body != `{"language":"","theme":""}` {
		t.Errorf("no cookies: %d %s", none.StatusCode, none.Body)
	}
}

func TestLanguageTagsAreCanonicalized(t *testing.T) {
	resp := do(t, events.APIGatewayProxyRequest{HTTPMethod: "POST", Body: `{"language":"zh-hant-tw","theme":"x"}`})
	if resp.StatusCode != 200 || !strings.Contains(resp.Body, `"zh-Hant-TW"`) {
		t.Errorf("got %d %s", resp.StatusCode, resp.Body)
	}
}

func TestBadInputIsA400WithJSONAndNoCookie(t *testing.T) {
	bodies := map[string]string{
		"not JSON":          `{"language":`,
		"empty":             ``,
		"array":             `[]`,
		"two objects":       `{"language":"en","theme":"a"}{}`,
		"missing theme":     `{"language":"en"}`,
		"missing language":  `{"theme":"a"}`,
		"number":            `{"language":1,"theme":"a"}`,
		"unknown field":     `{"language":"en","theme":"a","userid":1}`,
		"bad tag":           `{"language":"not a tag","theme":"a"}`,
		"long tag":          `{"language":"` + strings.Repeat("a", 36) + `","theme":"a"}`,
		"header injection":  `{"language":"en","theme":"a\r\nSet-Cookie: admin=1"}`,
		"semicolon":         `{"language":"en","theme":"a; Domain=evil.com"}`,
		"quote":             `{"language":"en","theme":"a\""}`,
		"non-ASCII":         `{"language":"en","theme":"bleu ciel é"}`,
		"long theme":        `{"language":"en","theme":"` + strings.Repeat("t", 33) + `"}`,
		"leading space":     `{"language":"en","theme":" blue"}`,
		"oversized":         `{"language":"en","theme":"a","x":"` + strings.Repeat("x", MaxBodyBytes) + `"}`,
		"language injected": `{"language":"en\r\nX: y","theme":"a"}`,
	}
	for name, body := range bodies {
		resp := do(t, events.APIGatewayProxyRequest{HTTPMethod: "POST", Body: body})
		checkBadRequest(t, name, resp)
	}
	cookieLines := map[string]string{
		"bad language cookie": "language=%3Cscript%3E",
		"bad theme cookie":    "theme=a%0D%0ASet-Cookie:%20x",
		"bad escape":          "theme=%zz",
	}
	for name, line := range cookieLines {
		resp := do(t, events.APIGatewayProxyRequest{HTTPMethod: "GET", Headers: map[string]string{"Cookie": line}})
		checkBadRequest(t, name, resp)
	}
	if resp := do(t, events.APIGatewayProxyRequest{HTTPMethod: "DELETE"}); resp.StatusCode != 405 {
		t.Errorf("DELETE: %d", resp.StatusCode)
	}
}

func checkBadRequest(t *testing.T, name string, resp events.APIGatewayProxyResponse) {
	t.Helper()
	var msg struct{ Message string }
	if resp.StatusCode != 400 || json.Unmarshal([]byte(resp.Body), &msg) != nil || msg.Message == "" {
		t.Errorf("%s: want 400 with a JSON message, got %d %s", name, resp.StatusCode, resp.Body)
	}
	if len(resp.MultiValueHeaders["Set-Cookie"]) > 0 || resp.Headers["Set-Cookie"] != "" {
		t.Errorf("%s: a rejected request set a cookie", name)
	}
}

// FuzzParseProfile: any body either is refused or yields cookies whose
// headers are valid and decode back to the same profile.
func FuzzParseProfile(f *testing.F) {
	for _, s := range []string{
		`{"language":"en-US","theme":"blue moon"}`, `{"language":"x","theme":"a\r\n"}`, `{}`, `[`, `{"language":"zh-Hant-TW","theme":"Z_9-"}`,
	} {
		f.Add(s)
	}
	h := newTestHandler()
	f.Fuzz(func(t *testing.T, body string) {
		resp, err := h.Handle(context.Background(), events.APIGatewayProxyRequest{HTTPMethod: "POST", Body: body})
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode == 400 {
			return
		}
		var sent Profile
		if err := json.Unmarshal([]byte(resp.Body), &sent); err != nil {
			t.Fatalf("status %d with body %q: %v", resp.StatusCode, resp.Body, err)
		}
		var line []string
		for _, h := range resp.MultiValueHeaders["Set-Cookie"] {
			if strings.ContainsAny(h, "\r\n") {
				t.Fatalf("header injection: %q", h)
			}
			c, err := http.ParseSetCookie(h)
			if err != nil || c.Quoted {
				t.Fatalf("invalid Set-Cookie %q: %v", h, err)
			}
			line = append(line, c.Name+"="+c.Value)
		}
		got, err := ProfileFromCookies([]string{strings.Join(line, "; ")})
		if err != nil || got != sent {
			t.Fatalf("round trip of %+v gave %+v, %v", sent, got, err)
		}
	})
}

// FuzzProfileFromCookies: any Cookie header is refused or gives valid values.
func FuzzProfileFromCookies(f *testing.F) {
	for _, s := range []string{"language=en; theme=blue%20moon", "theme=%", "language=\x00", ";;=;"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		p, err := ProfileFromCookies([]string{line})
		if err != nil {
			return
		}
		if p.Theme != "" && CheckTheme(p.Theme) != nil {
			t.Fatalf("accepted theme %q", p.Theme)
		}
		if p.Language != "" {
			if _, err := CheckLanguage(p.Language); err != nil {
				t.Fatalf("accepted language %q", p.Language)
			}
		}
	})
}

func BenchmarkPost(b *testing.B) {
	h := newTestHandler()
	req := events.APIGatewayProxyRequest{HTTPMethod: "POST", Body: `{"language":"en-US","theme":"blue moon"}`}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Handle(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGet(b *testing.B) {
	h := newTestHandler()
	req := events.APIGatewayProxyRequest{HTTPMethod: "GET", Headers: map[string]string{"Cookie": "language=en-US; theme=blue%20moon"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Handle(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
}

func TestNewHandlerReadsTheAttributesAndRefusesABadOne(t *testing.T) {
	h, err := newHandler(func(k string) string { return map[string]string{cookies.EnvSameSite: "Strict"}[k] })
	if err != nil || h.Attrs.SameSite != http.SameSiteStrictMode || !h.Attrs.Secure {
		t.Errorf("got %+v, %v", h, err)
	}
	if _, err := newHandler(func(k string) string { return map[string]string{cookies.EnvPath: "nope"}[k] }); err == nil ||
		!strings.Contains(err.Error(), cookies.EnvPath) {
		t.Errorf("want an error naming %s, got %v", cookies.EnvPath, err)
	}
}
