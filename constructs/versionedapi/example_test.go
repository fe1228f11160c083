package versionedapi_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/constructs/versionedapi"
)

func ExampleNewVersionedApi() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("StoreFront"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("eu-west-1")}})

	// GET /v1/orders and /v2/orders on a new API, with a dev and a prod
	// stage, each invoking its own alias of the one function.
	store := versionedapi.NewVersionedApi(stack, "Orders", &versionedapi.Props{Stages: jsii.Strings("dev", "prod")})
	fmt.Println(*store.V1.Resource().Path(), *store.V2.Resource().Path())
	// Output: /v1/orders /v2/orders
}
