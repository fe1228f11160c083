package restapi_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/constructs/cookieapi"
	"github.com/blueprints-cdk/blueprints/constructs/dynamoproxy"
	"github.com/blueprints-cdk/blueprints/constructs/restapi"
)

func ExampleNew() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Example"), nil)

	// One REST API with the secure defaults, which two constructs share:
	// each is given it as Props.Api.ExistingRestApi.
	api := restapi.New(stack, "Api", nil, false)
	comments := dynamoproxy.NewApiGatewayToDynamoDB(stack, "Comments", &dynamoproxy.Props{
		Api: &restapi.Mount{ExistingRestApi: api.RestApi},
	})
	cookies := cookieapi.NewCookieApi(stack, "Cookies", &cookieapi.Props{
		Api: &restapi.Mount{ExistingRestApi: api.RestApi, ParentResource: api.Parent.AddResource(jsii.String("session"), nil)},
	})

	fmt.Println(*comments.Collection.Path(), *cookies.CookieResource.Path())
	// Neither created an API, so neither has a URL of its own.
	fmt.Println(comments.CreatedRestApi == nil, cookies.Url() == nil)
	// Output:
	// /comments /session/cookie
	// true true
}

func ExampleMount_Check() {
	m := &restapi.Mount{CreateCloudWatchRole: jsii.Bool(true), RestApiProps: nil}
	fmt.Println(m.Check("Props.Api"))
	// A parent resource belongs to an existing API.
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Example"), nil)
	api := restapi.New(stack, "Api", nil, false)
	m = &restapi.Mount{ParentResource: api.Parent}
	fmt.Println(m.Check("Props.Api"))
	// Output:
	// <nil>
	// Props.Api.ParentResource needs Props.Api.ExistingRestApi, the API it belongs to
}
