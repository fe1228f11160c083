// Package redirects is the contract between constructs/redirectapi and its
// handler, lambda/redirect: the environment, the table's attributes, and
// the rules for slugs and targets, which the handler applies when it serves
// a redirect and redirectapi.NewItem when one is stored.
package redirects

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// The handler's environment, which the construct sets.
const (
	EnvTableName      = "TABLE_NAME"
	EnvAllowedSchemes = "ALLOWED_SCHEMES" // comma-separated; default https
	EnvAllowedHosts   = "ALLOWED_HOSTS"   // comma-separated; default any host
)

// The table's attributes.
const (
	// PartitionKey is the slug.
	PartitionKey = "slug"
	// LocationAttribute is the target URL.
	LocationAttribute = "location"
	// PermanentAttribute is true for a 301, false (or absent) for a 302.
	PermanentAttribute = "permanent"
)

// MaxSlug is the longest slug.
const MaxSlug = 64

var slug = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// ValidSlug reports whether s is a slug: 1 to 64 letters, digits, "_" and
// "-". Anything else is answered 404 without a table read.
func ValidSlug(s string) bool { return slug.MatchString(s) }

// Config is the handler's configuration.
type Config struct {
	TableName string
	Schemes   []string
	Hosts     []string // empty: any host
}

// FromEnv reads the configuration; a missing table or a bad list is an
// error that names the variable.
func FromEnv(getenv func(string) string) (Config, error) {
	c := Config{TableName: getenv(EnvTableName), Schemes: []string{"https"}}
	var errs []error
	if c.TableName == "" {
		errs = append(errs, fmt.Errorf("%s is not set", EnvTableName))
	}
	if v := getenv(EnvAllowedSchemes); v != "" {
		c.Schemes = strings.Split(v, ",")
		for _, s := range c.Schemes {
			if s != "https" && s != "http" {
				errs = append(errs, fmt.Errorf("%s: %q must be https or http", EnvAllowedSchemes, s))
			}
		}
	}
	if v := getenv(EnvAllowedHosts); v != "" {
		c.Hosts = strings.Split(strings.ToLower(v), ",")
		for _, h := range c.Hosts {
			if h == "" || strings.ContainsAny(h, "/:@ ") {
				errs = append(errs, fmt.Errorf("%s: %q must be a host name", EnvAllowedHosts, h))
			}
		}
	}
	return c, errors.Join(errs...)
}

// CheckTarget refuses a target the API must never redirect to: a scheme
// not allowed (javascript:, data:, or http when only https is), a host not
// allowed, credentials in the URL, or a byte outside printable ASCII (a
// Location is a URI, RFC 3986: spaces, quotes and non-ASCII are
// percent-encoded, and CR/LF would split the header).
func (c Config) CheckTarget(target string) error {
	if len(target) == 0 || len(target) > 2048 {
		return errors.New("the target must be 1 to 2048 bytes")
	}
	for i := 0; i < len(target); i++ {
		if target[i] < 0x21 || target[i] > 0x7e {
			return errors.New("the target holds a byte that is not printable ASCII: percent-encode it")
		}
	}
	u, err := url.Parse(target)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return errors.New("the target is not an absolute URL with a host")
	}
	if !slices.Contains(c.Schemes, strings.ToLower(u.Scheme)) {
		return fmt.Errorf("the scheme %q is not one of %v", u.Scheme, c.Schemes)
	}
	if u.User != nil {
		return errors.New("the target holds credentials")
	}
	if len(c.Hosts) > 0 && !slices.Contains(c.Hosts, strings.ToLower(u.Hostname())) {
		return fmt.Errorf("the host %q is not one of %v", u.Hostname(), c.Hosts)
	}
	return nil
}
