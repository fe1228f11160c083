// Package jwtauth is a Lambda TOKEN authorizer for REST APIs that verifies
// JWTs, after "Introducing custom authorizers in Amazon API Gateway".
//
// The Go handler (lambda/jwtauth) verifies the token against one key
// source (an HMAC secret in Secrets Manager, or a JWKS fetched or given),
// with an algorithm allow-list tied to the key type, exp required, nbf,
// iss and aud; it returns a policy that covers every route the token may
// use, from a rule table of scopes (compared as whole words), so that it is
// right for every request API Gateway answers from its cache. Attach it to
// a method with MethodOptions.
package jwtauth

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/constructs/golambda"
	contract "github.com/blueprints-cdk/blueprints/internal/jwtauth"
	"github.com/blueprints-cdk/blueprints/internal/nag"
)

// JwtAuthorizer is the authorizer and its function.
type JwtAuthorizer struct {
	constructs.Construct
	// Function verifies the tokens.
	Function *golambda.Function
	// Authorizer is the TOKEN authorizer; it joins a REST API when a method
	// uses MethodOptions.
	Authorizer awsapigateway.TokenAuthorizer
	// Secret holds the HMAC key, created or existing; nil with a JWKS.
	Secret awssecretsmanager.ISecret
	// GeneratedSecret is Secret when the construct created it.
	GeneratedSecret awssecretsmanager.Secret
}

// NewJwtAuthorizer builds the authorizer. It panics with a message naming
// the props at fault when they are invalid.
func NewJwtAuthorizer(scope constructs.Construct, id string, props *Props) *JwtAuthorizer {
	if props == nil {
		props = &Props{}
	}
	cfg, err := resolve(props)
	if err != nil {
		panic(fmt.Sprintf("jwtauth.NewJwtAuthorizer %q: %v", id, err))
	}
	a := &JwtAuthorizer{Construct: constructs.NewConstruct(scope, jsii.String(id))}
	env := map[string]*string{}
	for k, v := range cfg.env {
		env[k] = jsii.String(v)
	}
	switch {
	case cfg.existingSecret != nil:
		a.Secret = cfg.existingSecret
	case cfg.generate:
		a.GeneratedSecret = awssecretsmanager.NewSecret(a.Construct, jsii.String("Key"), &awssecretsmanager.SecretProps{
			Description: jsii.String("HMAC key of the JWT authorizer " + id),
			GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
				ExcludePunctuation: jsii.Bool(true), IncludeSpace: jsii.Bool(false), PasswordLength: jsii.Number(float64(cfg.secretLength)),
			},
			RemovalPolicy: cfg.removal,
		})
		a.Secret = a.GeneratedSecret
		nag.Suppress(a.GeneratedSecret, "AwsSolutions-SMG4",
			"An HMAC signing key shared with the token issuer: rotating it needs the issuer's cooperation, so it is rotated by hand (constructs/jwtauth/README.md)")
	}
	if a.Secret != nil {
		env[contract.EnvSecretArn] = a.Secret.SecretArn()
	}
	a.Function = golambda.NewFunction(a.Construct, "Handler", &golambda.Props{
		Entry:       jsii.String("jwtauth"),
		Description: jsii.String("JWT authorizer " + id),
		Environment: &env,
	})
	if a.Secret != nil {
		a.grantRead()
	}
	a.Authorizer = awsapigateway.NewTokenAuthorizer(a.Construct, jsii.String("Authorizer"), &awsapigateway.TokenAuthorizerProps{
		Handler:         a.Function.Function,
		IdentitySource:  jsii.String(cfg.identity),
		ValidationRegex: jsii.String(ValidationRegex),
		ResultsCacheTtl: awscdk.Duration_Seconds(jsii.Number(cfg.ttl)),
	})
	return a
}

// grantRead lets the function read the secret's value, and nothing else:
// GetSecretValue alone (Secret.GrantRead would add DescribeSecret) on the
// secret's full ARN, or on its ARN and the six random characters Secrets
// Manager appends when the secret was imported by name ("Grant
// permission to a secret": the wildcard -??????), and kms:Decrypt through
// Secrets Manager when a customer-managed key encrypts it ("Secret
// encryption and decryption in AWS Secrets Manager").
func (a *JwtAuthorizer) grantRead() {
	arn := a.Secret.SecretFullArn()
	if arn == nil {
		arn = jsii.String(*a.Secret.SecretArn() + "-??????")
	}
	a.Function.Role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings("secretsmanager:GetSecretValue"), Resources: &[]*string{arn},
	}))
	if key := a.Secret.EncryptionKey(); key != nil {
		region := awscdk.Stack_Of(a.Construct).Region()
		a.Function.Role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions: jsii.Strings("kms:Decrypt"), Resources: &[]*string{key.KeyArn()},
			Conditions: &map[string]any{"StringEquals": map[string]any{"kms:ViaService": "secretsmanager." + *region + ".amazonaws.com"}},
		}))
	}
}

// MethodOptions authorize a method with this authorizer: pass them to a
// route, or to a construct of this library (dynamoproxy's
// CreateMethodOptions, for example).
func (a *JwtAuthorizer) MethodOptions() *awsapigateway.MethodOptions {
	return &awsapigateway.MethodOptions{AuthorizationType: awsapigateway.AuthorizationType_CUSTOM, Authorizer: a.Authorizer}
}
