// Package main is the profile handler of the cookieapi construct, in the
// style of "Support for multi-value parameters in Amazon API Gateway": Lambda
// proxy integration, where POST /profile answers with two Set-Cookie headers
// through multiValueHeaders and GET /profile reads them back.
//
// Unlike the post, values are validated (a well-formed language tag, a theme
// of a strict pattern), and percent-encoded in the cookie, so the post's
// theme "blue moon" survives: a space is not allowed in an RFC 6265 cookie
// value.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"golang.org/x/text/language"

	"github.com/blueprints-cdk/blueprints/internal/cookies"
	"github.com/blueprints-cdk/blueprints/internal/lambdamain"
)

// Cookie names and limits.
const (
	LanguageCookie = "language"
	ThemeCookie    = "theme"
	MaxBodyBytes   = 4096
	MaxLanguageLen = 35 // RFC 5646 recommends supporting tags of at least 35 characters
)

// ThemePattern is what a theme may be: letters, digits, spaces, '-' and '_',
// starting with a letter or digit, at most 32 characters.
var ThemePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 _-]{0,31}$`)

// Profile is the body of POST /profile and of GET /profile's answer.
type Profile struct {
	Language string `json:"language"`
	Theme    string `json:"theme"`
}

// Handler serves GET and POST /profile.
type Handler struct {
	Attrs cookies.Attributes
	Now   func() time.Time
	Log   *slog.Logger
}

// newHandler builds the handler from the environment the construct set,
// through the contract package: a bad configuration is an error.
func newHandler(getenv func(string) string) (*Handler, error) {
	attrs, err := cookies.FromEnv(getenv)
	if err != nil {
		return nil, err
	}
	return &Handler{Attrs: attrs, Now: time.Now, Log: lambdamain.Logger(os.Stdout)}, nil
}

// Handle routes one API Gateway proxy request.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	var resp events.APIGatewayProxyResponse
	var err error
	switch req.HTTPMethod {
	case http.MethodPost:
		resp, err = h.post(req)
	case http.MethodGet:
		resp, err = h.get(req)
	default:
		resp, err = reply(http.StatusMethodNotAllowed, cookies.JSONError("use GET or POST"), nil), nil
	}
	h.Log.InfoContext(ctx, "profile", "apiRequestId", req.RequestContext.RequestID, "method", req.HTTPMethod, "status", resp.StatusCode)
	return resp, err
}

func (h *Handler) post(req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	p, err := ParseProfile(req.Body)
	if err != nil {
		return reply(http.StatusBadRequest, cookies.JSONError(err.Error()), nil), nil
	}
	now := h.Now()
	var headers []string
	for _, c := range []struct{ name, value string }{{LanguageCookie, p.Language}, {ThemeCookie, p.Theme}} {
		header, err := cookies.Header(h.Attrs.Cookie(c.name, url.PathEscape(c.value), now))
		if err != nil { // cannot happen for validated values; never send a broken header
			return reply(http.StatusInternalServerError, cookies.JSONError("internal error"), nil), fmt.Errorf("cookie %s: %w", c.name, err)
		}
		headers = append(headers, header)
	}
	body, _ := json.Marshal(p)
	return reply(http.StatusOK, string(body), headers), nil
}

func (h *Handler) get(req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	p, err := ProfileFromCookies(CookieHeaders(req))
	if err != nil {
		return reply(http.StatusBadRequest, cookies.JSONError(err.Error()), nil), nil
	}
	body, _ := json.Marshal(p)
	return reply(http.StatusOK, string(body), nil), nil
}

// ParseProfile reads and validates a POST body. Its errors say which field
// is wrong and why; they never echo the value.
func ParseProfile(body string) (Profile, error) {
	if len(body) > MaxBodyBytes {
		return Profile{}, fmt.Errorf("body is over %d bytes", MaxBodyBytes)
	}
	var p Profile
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return Profile{}, fmt.Errorf("body must be a JSON object with string fields language and theme")
	}
	if dec.More() {
		return Profile{}, fmt.Errorf("body must hold one JSON object")
	}
	lang, err := CheckLanguage(p.Language)
	if err != nil {
		return Profile{}, err
	}
	if err := CheckTheme(p.Theme); err != nil {
		return Profile{}, err
	}
	return Profile{Language: lang, Theme: p.Theme}, nil
}

// CheckLanguage returns the canonical form of a well-formed BCP 47 language
// tag (en-us → en-US).
func CheckLanguage(s string) (string, error) {
	if s == "" {
		return "", fmt.Errorf("language is required")
	}
	if len(s) > MaxLanguageLen {
		return "", fmt.Errorf("language is over %d characters", MaxLanguageLen)
	}
	tag, err := language.Parse(s)
	if err != nil {
		return "", fmt.Errorf("language is not a well-formed language tag")
	}
	return tag.String(), nil
}

// CheckTheme accepts a theme that matches ThemePattern.
func CheckTheme(s string) error {
	if s == "" {
		return fmt.Errorf("theme is required")
	}
	if !ThemePattern.MatchString(s) {
		return fmt.Errorf("theme must be 1 to 32 letters, digits, spaces, '-' or '_', starting with a letter or digit")
	}
	return nil
}

// CookieHeaders gathers the request's Cookie header lines, from headers and
// multiValueHeaders (API Gateway fills both; a line in both counts once).
func CookieHeaders(req events.APIGatewayProxyRequest) []string {
	var lines []string
	seen := map[string]bool{}
	add := func(v string) {
		if !seen[v] {
			seen[v] = true
			lines = append(lines, v)
		}
	}
	for k, vs := range req.MultiValueHeaders {
		if strings.EqualFold(k, "Cookie") {
			for _, v := range vs {
				add(v)
			}
		}
	}
	for k, v := range req.Headers {
		if strings.EqualFold(k, "Cookie") {
			add(v)
		}
	}
	return lines
}

// ProfileFromCookies decodes and validates the language and theme cookies.
// Absent cookies give empty fields; a present but invalid one is an error.
func ProfileFromCookies(lines []string) (Profile, error) {
	var p Profile
	for _, line := range lines {
		parsed, err := http.ParseCookie(line)
		if err != nil {
			return Profile{}, fmt.Errorf("the Cookie header is malformed")
		}
		for _, c := range parsed {
			if c.Name != LanguageCookie && c.Name != ThemeCookie {
				continue
			}
			v, err := url.PathUnescape(c.Value)
			if err != nil {
				return Profile{}, fmt.Errorf("cookie %s is not percent-encoded", c.Name)
			}
			if c.Name == LanguageCookie {
				if p.Language, err = CheckLanguage(v); err != nil {
					return Profile{}, fmt.Errorf("cookie %w", err)
				}
			} else {
				if err := CheckTheme(v); err != nil {
					return Profile{}, fmt.Errorf("cookie %w", err)
				}
				p.Theme = v
			}
		}
	}
	return p, nil
}

// reply is a JSON answer that no cache keeps, with Set-Cookie headers.
func reply(status int, body string, setCookies []string) events.APIGatewayProxyResponse {
	r := events.APIGatewayProxyResponse{
		StatusCode: status,
		Headers:    map[string]string{"Content-Type": "application/json", "Cache-Control": "no-store"},
		Body:       body,
	}
	if len(setCookies) > 0 {
		r.MultiValueHeaders = map[string][]string{"Set-Cookie": setCookies}
	}
	return r
}
