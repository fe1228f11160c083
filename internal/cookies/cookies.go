// Package cookies is the contract between constructs/cookieapi and its two
// handlers, lambda/cookie and lambda/profile: the environment the construct
// sets, its defaults, FromEnv (both handlers) and NameFromEnv (the cookie
// handler), which the handlers call at start and the construct calls at
// synth, so a bad prop fails `cdk synth`.
// It also builds their Set-Cookie headers with net/http, so that every
// header is valid under RFC 6265.
package cookies

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Environment variables the cookieapi construct sets from its props.
const (
	EnvName     = "COOKIE_NAME"
	EnvDomain   = "COOKIE_DOMAIN"
	EnvLifetime = "COOKIE_LIFETIME_SECONDS"
	EnvSecure   = "COOKIE_SECURE"
	EnvHTTPOnly = "COOKIE_HTTP_ONLY"
	EnvSameSite = "COOKIE_SAME_SITE"
	EnvPath     = "COOKIE_PATH"
)

// DefaultName is the cookie route's cookie name, the post's.
const DefaultName = "myCookie"

// NameFromEnv reads the cookie route's cookie name (EnvName, default
// DefaultName), or an error that names it.
func NameFromEnv(getenv func(string) string) (string, error) {
	name := getenv(EnvName)
	if name == "" {
		name = DefaultName
	}
	if err := (&http.Cookie{Name: name, Value: "x"}).Valid(); err != nil {
		return "", fmt.Errorf("%s %q: %w", EnvName, name, err)
	}
	return name, nil
}

// Attributes are the attributes every cookie a handler sets carries.
type Attributes struct {
	Domain   string
	Path     string
	Lifetime time.Duration
	Secure   bool
	HTTPOnly bool
	SameSite http.SameSite
}

// Defaults are the post's lifetime (365 days) with every protection on.
func Defaults() Attributes {
	return Attributes{Path: "/", Lifetime: 365 * 24 * time.Hour, Secure: true, HTTPOnly: true, SameSite: http.SameSiteLaxMode}
}

// FromEnv reads the attributes from the environment (getenv is os.Getenv in
// main); an unset variable keeps its default, a malformed one is an error
// that names it.
func FromEnv(getenv func(string) string) (Attributes, error) {
	a := Defaults()
	var errs []error
	if v := getenv(EnvDomain); v != "" {
		if strings.ContainsAny(v, ";, \t\r\n\"") {
			errs = append(errs, fmt.Errorf("%s %q is not a domain", EnvDomain, v))
		}
		a.Domain = v
	}
	if v := getenv(EnvPath); v != "" {
		if !strings.HasPrefix(v, "/") || strings.ContainsAny(v, ";\r\n") {
			errs = append(errs, fmt.Errorf("%s %q must start with / and hold no ';'", EnvPath, v))
		}
		a.Path = v
	}
	if v := getenv(EnvLifetime); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			errs = append(errs, fmt.Errorf("%s %q must be a positive number of seconds", EnvLifetime, v))
		}
		a.Lifetime = time.Duration(n) * time.Second
	}
	for env, field := range map[string]*bool{EnvSecure: &a.Secure, EnvHTTPOnly: &a.HTTPOnly} {
		if v := getenv(env); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s %q must be true or false", env, v))
			}
			*field = b
		}
	}
	switch v := getenv(EnvSameSite); v {
	case "", "Lax":
	case "Strict":
		a.SameSite = http.SameSiteStrictMode
	case "None":
		a.SameSite = http.SameSiteNoneMode
		if !a.Secure {
			errs = append(errs, fmt.Errorf("%s None needs %s true: browsers drop such cookies otherwise", EnvSameSite, EnvSecure))
		}
	default:
		errs = append(errs, fmt.Errorf("%s %q must be Lax, Strict or None", EnvSameSite, v))
	}
	return a, errors.Join(errs...)
}

// Cookie is a cookie with these attributes that expires at now + Lifetime.
// Max-Age says the same for clients that prefer it.
func (a Attributes) Cookie(name, value string, now time.Time) *http.Cookie {
	return &http.Cookie{
		Name: name, Value: value,
		Domain: a.Domain, Path: a.Path,
		Expires: now.Add(a.Lifetime).UTC(), MaxAge: int(a.Lifetime / time.Second),
		Secure: a.Secure, HttpOnly: a.HTTPOnly, SameSite: a.SameSite,
	}
}

// Header is c as a Set-Cookie header value, or an error when net/http would
// have to drop or alter part of it (an invalid name or value).
func Header(c *http.Cookie) (string, error) {
	if err := c.Valid(); err != nil {
		return "", err
	}
	return c.String(), nil
}

// JSONError is the body of every 4xx and 5xx the handlers answer.
func JSONError(message string) string {
	b, _ := json.Marshal(map[string]string{"message": message})
	return string(b)
}
