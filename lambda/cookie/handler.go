// Package main is the cookie handler of the cookieapi construct, in the style
// of "Simply Serverless: Using AWS Lambda to Expose Custom Cookies with API
// Gateway": a non-proxy Lambda integration whose result {"Cookie": "…"} API
// Gateway maps to the Set-Cookie header. Unlike the post, the value comes
// from crypto/rand (not Math.random), and the header is built by net/http
// with Secure, HttpOnly, SameSite and Path.
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/blueprints-cdk/blueprints/internal/cookies"
	"github.com/blueprints-cdk/blueprints/internal/lambdamain"
)

// ValueBytes is how many random bytes a cookie value holds: 256 bits,
// base64url-encoded into 43 characters that need no quoting.
const ValueBytes = 32

// Result is what the integration response maps: Cookie to Set-Cookie.
type Result struct {
	Cookie string `json:"Cookie"`
}

// Handler issues one new random cookie per request.
type Handler struct {
	Name   string
	Attrs  cookies.Attributes
	Random io.Reader
	Now    func() time.Time
	Log    *slog.Logger
}

// Handle ignores the request (the integration sends {}) and returns the
// Set-Cookie header value. It fails only when randomness fails.
func (h *Handler) Handle(ctx context.Context, _ any) (Result, error) {
	buf := make([]byte, ValueBytes)
	if _, err := io.ReadFull(h.Random, buf); err != nil {
		return Result{}, fmt.Errorf("reading random bytes: %w", err)
	}
	header, err := cookies.Header(h.Attrs.Cookie(h.Name, base64.RawURLEncoding.EncodeToString(buf), h.Now()))
	if err != nil {
		return Result{}, fmt.Errorf("building the cookie: %w", err)
	}
	h.Log.InfoContext(ctx, "cookie issued", "name", h.Name) // never the value
	return Result{Cookie: header}, nil
}

// newHandler builds the handler from the environment the construct set,
// through the contract package: a bad configuration is an error.
func newHandler(getenv func(string) string) (*Handler, error) {
	attrs, err := cookies.FromEnv(getenv)
	if err != nil {
		return nil, err
	}
	name, err := cookies.NameFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	return &Handler{Name: name, Attrs: attrs, Random: rand.Reader, Now: time.Now, Log: lambdamain.Logger(os.Stdout)}, nil
}
