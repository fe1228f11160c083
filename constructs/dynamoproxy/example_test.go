package dynamoproxy_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/constructs/dynamoproxy"
	"github.com/blueprints-cdk/blueprints/constructs/restapi"
)

func ExampleNewApiGatewayToDynamoDB() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Example"), nil)

	// The blog post's Comments API: POST /comments and GET /comments/{pageId}.
	comments := dynamoproxy.NewApiGatewayToDynamoDB(stack, "Comments", nil)

	// A customised use on the same REST API: a read-only, IAM-authorized
	// lookup of one item by key, on its own table.
	profiles := dynamoproxy.NewApiGatewayToDynamoDB(stack, "Profiles", &dynamoproxy.Props{
		Api:           &restapi.Mount{ExistingRestApi: comments.RestApi},
		ResourcePath:  jsii.String("profiles"),
		PartitionKey:  jsii.String("userId"),
		Fields:        jsii.Strings("displayName", "bio"),
		AllowCreate:   jsii.Bool(false),
		AllowQuery:    jsii.Bool(false),
		AllowRead:     jsii.Bool(true),
		MethodOptions: &awsapigateway.MethodOptions{AuthorizationType: awsapigateway.AuthorizationType_IAM},
	})

	fmt.Println(*comments.CreateMethod.HttpMethod(), *comments.Collection.Path())
	fmt.Println(*comments.GetMethod.HttpMethod(), *comments.Item.Path())
	fmt.Println(*profiles.GetMethod.HttpMethod(), *profiles.Item.Path())
	// Output:
	// POST /comments
	// GET /comments/{pageId}
	// GET /profiles/{userId}
}
