package cookieapi

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/constructs/restapi"
	"github.com/blueprints-cdk/blueprints/internal/cookies"
	"github.com/blueprints-cdk/blueprints/internal/ptr"
	"github.com/blueprints-cdk/blueprints/internal/routes"
)

// Props configures a CookieApi. Every field is optional; nil means the
// default: both routes, public, with the post's cookie name and lifetime and
// every cookie protection on.
type Props struct {
	// Api is the REST API the routes go on: an existing one, or a new one
	// with restapi.New's defaults. Default: a new API.
	Api *restapi.Mount

	// AllowCookie adds GET /{CookiePath}, the first post's style: a
	// non-proxy Lambda integration mapping the result to Set-Cookie.
	// Default: true.
	AllowCookie *bool
	// CookiePath is the cookie route's path part. Default: "cookie".
	CookiePath *string
	// AllowProfile adds GET and POST /{ProfilePath}, the second post's
	// style: Lambda proxy integration with multi-value Set-Cookie headers.
	// Default: true.
	AllowProfile *bool
	// ProfilePath is the profile routes' path part. Default: "profile".
	ProfilePath *string

	// CookieName is the cookie route's cookie name. Default: "myCookie"
	// (cookies.DefaultName).
	CookieName *string
	// Domain is the cookies' Domain attribute. Default: none (host-only).
	Domain *string
	// Lifetime sets Expires and Max-Age. Default: 365 days, as in the post.
	Lifetime awscdk.Duration
	// Secure, HttpOnly: the attributes. Default: true.
	Secure   *bool
	HttpOnly *bool
	// SameSite is Lax, Strict or None (None needs Secure). Default: "Lax".
	SameSite *string
	// Path is the cookies' Path attribute. Default: "/".
	Path *string

	// MethodOptions apply to every route (authorizer, API key…). Default:
	// public routes, as in the posts.
	MethodOptions *awsapigateway.MethodOptions
	// CookieMethodOptions and ProfileMethodOptions replace MethodOptions for
	// one style's routes. Default: MethodOptions.
	CookieMethodOptions  *awsapigateway.MethodOptions
	ProfileMethodOptions *awsapigateway.MethodOptions
}

// config is Props with the defaults applied: all that the builders read.
type config struct {
	api                     *restapi.Mount
	cookie, profile         bool
	cookiePath, profilePath string
	cookieEnv, profileEnv   map[string]*string // the handlers' environment
	// Copies of the caller's: the builders add to them.
	cookieOptions, profileGetOptions, profilePostOptions *awsapigateway.MethodOptions
}

// resolve validates the props, applies the defaults and turns the cookie
// props into the handlers' environment, which it parses as the handlers will.
func resolve(p *Props) (*config, error) {
	if err := p.Api.Check("Props.Api"); err != nil {
		return nil, err
	}
	c := &config{
		api:                p.Api,
		cookie:             ptr.Or(p.AllowCookie, true),
		profile:            ptr.Or(p.AllowProfile, true),
		cookiePath:         ptr.Or(p.CookiePath, "cookie"),
		profilePath:        ptr.Or(p.ProfilePath, "profile"),
		cookieOptions:      routes.MethodOptions(p.CookieMethodOptions, p.MethodOptions),
		profileGetOptions:  routes.MethodOptions(p.ProfileMethodOptions, p.MethodOptions),
		profilePostOptions: routes.MethodOptions(p.ProfileMethodOptions, p.MethodOptions),
	}
	if !c.cookie && !c.profile {
		return nil, fmt.Errorf("no route: enable Props.AllowCookie or Props.AllowProfile")
	}
	defaults := cookies.Defaults()
	lifetime := defaults.Lifetime.Seconds()
	if p.Lifetime != nil {
		lifetime = *p.Lifetime.ToMilliseconds(nil) / 1000
		if lifetime < 1 || lifetime != math.Trunc(lifetime) {
			return nil, fmt.Errorf("Props.Lifetime must be a whole number of seconds, at least 1")
		}
	}
	c.profileEnv = map[string]*string{
		cookies.EnvLifetime: jsii.String(strconv.FormatFloat(lifetime, 'f', 0, 64)),
		cookies.EnvSecure:   jsii.String(strconv.FormatBool(ptr.Or(p.Secure, defaults.Secure))),
		cookies.EnvHTTPOnly: jsii.String(strconv.FormatBool(ptr.Or(p.HttpOnly, defaults.HTTPOnly))),
		cookies.EnvSameSite: jsii.String(ptr.Or(p.SameSite, "Lax")),
		cookies.EnvPath:     jsii.String(ptr.Or(p.Path, defaults.Path)),
	}
	if p.Domain != nil {
		c.profileEnv[cookies.EnvDomain] = p.Domain
	}
	// The profile cookies have fixed names; the cookie route's is a prop.
	c.cookieEnv = map[string]*string{cookies.EnvName: jsii.String(ptr.Or(p.CookieName, cookies.DefaultName))}
	for k, v := range c.profileEnv {
		c.cookieEnv[k] = v
	}
	// The handlers refuse a bad configuration at start; refuse it here first.
	getenv := func(k string) string { return ptr.Or(c.cookieEnv[k], "") }
	if _, err := cookies.FromEnv(getenv); err != nil {
		return nil, fmt.Errorf("%s", propNames.Replace(err.Error()))
	}
	if _, err := cookies.NameFromEnv(getenv); err != nil {
		return nil, fmt.Errorf("%s", propNames.Replace(err.Error()))
	}
	return c, nil
}

// propNames turns the handlers' configuration errors into the props' words.
var propNames = strings.NewReplacer(
	cookies.EnvName, "Props.CookieName", cookies.EnvDomain, "Props.Domain", cookies.EnvPath, "Props.Path",
	cookies.EnvSameSite, "Props.SameSite", cookies.EnvSecure, "Props.Secure", cookies.EnvHTTPOnly, "Props.HttpOnly",
)
