package jwtauth_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/constructs/dynamoproxy"
	"github.com/blueprints-cdk/blueprints/constructs/jwtauth"
)

func ExampleNewJwtAuthorizer() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Api"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("eu-west-1")}})

	// Tokens from an OIDC issuer, verified against its JWKS; the post's
	// rules: admins may call everything, others GET and POST /users/{sub}.
	jwt := jwtauth.NewJwtAuthorizer(stack, "Jwt", &jwtauth.Props{
		JwksUrl:    jsii.String("https://issuer.example.com/.well-known/jwks.json"),
		Algorithms: jsii.Strings("RS256", "ES256"),
		Issuer:     jsii.String("https://issuer.example.com/"),
		Audience:   jsii.String("comments-api"),
	})

	// Writes need a token; reads stay public.
	dynamoproxy.NewApiGatewayToDynamoDB(stack, "Comments", &dynamoproxy.Props{CreateMethodOptions: jwt.MethodOptions()})
	fmt.Println(jwt.MethodOptions().AuthorizationType)
	// Output: CUSTOM
}
