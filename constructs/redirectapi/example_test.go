package redirectapi_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/constructs/redirectapi"
)

func ExampleNewRedirectApi() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Links"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("eu-west-1")}})

	// GET /go/{slug} redirects to the https targets stored in the table, on
	// example.com only.
	links := redirectapi.NewRedirectApi(stack, "Links", &redirectapi.Props{
		Prefix:       jsii.String("go"),
		AllowedHosts: jsii.Strings("example.com", "docs.example.com"),
	})
	fmt.Println(*links.Method.HttpMethod())
	// Output: GET
}
