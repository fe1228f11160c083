// Command consumer is a CDK app that imports the library's constructs.
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/constructs/dynamoproxy"
	"github.com/blueprints-cdk/blueprints/constructs/jwtauth"
	"github.com/blueprints-cdk/blueprints/constructs/wschat"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Consumer"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("eu-west-1")}})
	jwt := jwtauth.NewJwtAuthorizer(stack, "Jwt", &jwtauth.Props{GenerateSecret: jsii.Bool(true)})
	dynamoproxy.NewApiGatewayToDynamoDB(stack, "Comments", &dynamoproxy.Props{CreateMethodOptions: jwt.MethodOptions()})
	wschat.NewChatApi(stack, "Chat", nil)
	app.Synth(nil)
}
