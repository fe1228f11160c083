package cookieapi

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
)

// Props configures a CookieApi. Every field is optional; nil means the
// default: both routes, public, with the post's cookie name and lifetime and
// every cookie protection on.
type Props struct {
	// ExistingRestApi is an API to mount the routes on instead of creating
	// one. Mutually exclusive with RestApiProps and CreateCloudWatchRole.
	ExistingRestApi awsapigateway.IRestApi
	// ParentResource is where the routes go on ExistingRestApi. Default: the root.
	ParentResource awsapigateway.IResource
	// RestApiProps are applied over the new API's defaults. Default: none.
	RestApiProps *awsapigateway.RestApiProps
	// CreateCloudWatchRole creates the region's account-wide API Gateway
	// CloudWatch role (see dynamoproxy.Props). Default: false.
	CreateCloudWatchRole *bool

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

	// CookieName is the cookie route's cookie name. Default: "myCookie".
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
