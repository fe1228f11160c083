package cookieapi_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/constructs/cookieapi"
	"github.com/blueprints-cdk/blueprints/constructs/restapi"
)

func ExampleNewCookieApi() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Example"), nil)

	// Both posts' routes on a new REST API, with the default attributes:
	// myCookie, 365 days, Secure, HttpOnly, SameSite=Lax, Path=/.
	api := cookieapi.NewCookieApi(stack, "Cookies", nil)

	// A customised use on the same API: only the cookie route, under
	// /session, with a short-lived cookie for one domain, behind an API key.
	session := cookieapi.NewCookieApi(stack, "Session", &cookieapi.Props{
		Api: &restapi.Mount{
			ExistingRestApi: api.RestApi,
			ParentResource:  api.RestApi.Root().AddResource(jsii.String("session"), nil),
		},
		AllowProfile:  jsii.Bool(false),
		CookieName:    jsii.String("sid"),
		Domain:        jsii.String("example.com"),
		Lifetime:      awscdk.Duration_Hours(jsii.Number(8)),
		MethodOptions: &awsapigateway.MethodOptions{ApiKeyRequired: jsii.Bool(true)},
	})

	fmt.Println(*api.CookieResource.Path(), *api.ProfileResource.Path())
	fmt.Println(*session.CookieResource.Path(), session.ProfileResource == nil)
	// Output:
	// /cookie /profile
	// /session/cookie true
}
