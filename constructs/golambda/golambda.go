// Package golambda turns a Go handler of this module's lambda/ folder into a Lambda function, built locally without Docker.
//
// It turns a Go handler under this module's lambda/ folder into
// a Lambda function, built locally with the Go toolchain (no Docker) for
// provided.al2023 on arm64, with its own log group and a role that may only
// write those logs and send traces.
//
// Every construct in this module that runs Go code uses it, so the build
// flags, runtime, architecture, logging and tracing are decided in one place.
package golambda

import (
	"fmt"
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/internal/defaults"
	"github.com/blueprints-cdk/blueprints/internal/gobuild"
	"github.com/blueprints-cdk/blueprints/internal/nag"
)

// BuildFlags are the go build arguments every handler is built with
// (gobuild.Flags). They make the binary reproducible (same source and
// toolchain, same bytes, so the same asset hash on any machine) and small.
var BuildFlags = gobuild.Flags

// Function is a Go handler deployed as a Lambda function.
type Function struct {
	constructs.Construct
	// Function is the Lambda function.
	Function awslambda.Function
	// Role is the function's execution role: it may write to LogGroup and send
	// X-Ray traces, and nothing else until a caller grants more.
	Role awsiam.Role
	// LogGroup receives the function's logs, kept for defaults.LogRetention.
	LogGroup awslogs.LogGroup

	entry     string
	versioned bool
}

// CodeKeyVariable is the environment variable CurrentVersion gives the
// function: its code's S3 key, as the template sets Code.S3Key.
const CodeKeyVariable = "CODE_ASSET_KEY"

// CurrentVersion is the function's current version (awslambda.Function's),
// a new AWS::Lambda::Version on every deployment that changes the function.
// Use it rather than Function.CurrentVersion: the asset is named by its
// build's inputs, which change without the binary changing (an edit of
// another handler's package in internal/, a new go.sum), and Lambda does
// not publish a version when neither code nor configuration changed
// (Lambda API reference, PublishVersion), which fails the deployment ("A
// version for this Lambda function exists", as aws-cdk pull request #6771
// records). So the function's environment also gets CodeKeyVariable, the
// same value as Code.S3Key: a new asset is then always a new configuration,
// and a new version.
func (f *Function) CurrentVersion() awslambda.Version {
	if !f.versioned {
		cfn := f.Function.Node().DefaultChild().(awslambda.CfnFunction)
		code, _ := awscdk.Stack_Of(f.Function).Resolve(cfn.Code()).(map[string]any)
		if code["s3Key"] == nil {
			panic(fmt.Sprintf("golambda: the code of lambda/%s has no S3 key: %v", f.entry, code))
		}
		cfn.AddPropertyOverride(jsii.String("Environment.Variables."+CodeKeyVariable), code["s3Key"])
		f.versioned = true
	}
	return f.Function.CurrentVersion()
}

// NewFunction builds lambda/<Entry> and deploys it.
func NewFunction(scope constructs.Construct, id string, props *Props) *Function {
	cfg, err := resolve(props)
	if err != nil {
		panic(fmt.Sprintf("golambda.NewFunction %q: %v", id, err))
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	f := &Function{Construct: c, entry: cfg.entry}
	f.LogGroup = awslogs.NewLogGroup(c, jsii.String("Logs"), &awslogs.LogGroupProps{
		Retention:     defaults.LogRetention(),
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	f.Role = awsiam.NewRole(c, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("Execution role of the " + cfg.entry + " handler: its own logs and X-Ray only"),
	})
	f.LogGroup.GrantWrite(f.Role)

	f.Function = awslambda.NewFunction(c, jsii.String("Function"), &awslambda.FunctionProps{
		Runtime:       awslambda.Runtime_PROVIDED_AL2023(),
		Architecture:  awslambda.Architecture_ARM_64(),
		Handler:       jsii.String("bootstrap"),
		Code:          Code(cfg.root, cfg.entry),
		Role:          f.Role,
		LogGroup:      f.LogGroup,
		LoggingFormat: awslambda.LoggingFormat_JSON,
		Tracing:       awslambda.Tracing_ACTIVE,
		MemorySize:    jsii.Number(cfg.memory),
		Timeout:       cfg.timeout,
		Description:   cfg.description,
		Environment:   cfg.environment,
		OnFailure:     cfg.onFailure,
		RetryAttempts: cfg.retryAttempts,
		MaxEventAge:   cfg.maxEventAge,
	})
	// X-Ray's PutTraceSegments and PutTelemetryRecords have no resource-level
	// permissions, so CDK's tracing grant is necessarily on "*".
	nag.Suppress(f.Role, "AwsSolutions-IAM5",
		"X-Ray PutTraceSegments/PutTelemetryRecords support only Resource \"*\"", "Resource::*")
	return f
}

// Code is the asset of lambda/<entry> in the module at root, built by the
// local Go toolchain. CDK skips the build when the stack is not being bundled
// (context aws:cdk:bundling-stacks), which fast unit tests use.
//
// The asset is named by the hash of the build's inputs (InputHash), not of
// its output: CDK then finds an unchanged handler's asset.<hash> folder in
// the cloud assembly and neither rebuilds nor relinks it, and an edited
// handler rebuilds alone.
func Code(root, entry string) awslambda.AssetCode {
	hash, err := InputHash(root, entry)
	if err != nil {
		panic(fmt.Sprintf("golambda: hashing lambda/%s: %v", entry, err))
	}
	return awslambda.Code_FromAsset(jsii.String(filepath.Join(root, "lambda", entry)), &awss3assets.AssetOptions{
		AssetHashType: awscdk.AssetHashType_CUSTOM,
		AssetHash:     jsii.String(hash),
		Bundling: &awscdk.BundlingOptions{
			// Never used: the local build below always succeeds or fails loudly.
			Image: awscdk.DockerImage_FromRegistry(jsii.String("local-go-build-only")),
			Local: &localBuild{root: root, entry: entry},
		},
	})
}

// InputHash is the SHA-256 of everything a build of lambda/<entry> reads
// (gobuild.Hash): the toolchain, BuildFlags and target, go.mod, go.sum, and
// every file of lambda/<entry> and internal/ (a handler imports nothing
// else of this module; a test checks it with go list) but tests and
// testdata. Paths are relative, so the hash is the same wherever the module
// sits.
func InputHash(root, entry string) (string, error) {
	return gobuild.Hash(root, "lambda/"+entry, gobuild.Lambda)
}

// localBuild implements awscdk.ILocalBundling with `go build`.
type localBuild struct{ root, entry string }

// TryBundle builds the handler into outputDir/bootstrap, or copies the
// binary gobuild's cache holds for the same inputs (so tests, which
// synthesize into folders of their own, link an unchanged handler once). A
// failed build panics with the compiler output, which CDK reports as the
// synth error; returning false would make CDK fall back to Docker, which
// this project never needs.
func (b *localBuild) TryBundle(outputDir *string, _ *awscdk.BundlingOptions) *bool {
	if err := gobuild.CachedBuild(b.root, "lambda/"+b.entry, filepath.Join(*outputDir, "bootstrap"), gobuild.Lambda); err != nil {
		panic(err.Error())
	}
	return jsii.Bool(true)
}

// Build compiles lambda/<entry> of the module at root into out, for Linux
// on arm64, without gobuild's cache.
func Build(root, entry, out string) error {
	return gobuild.Build(root, "lambda/"+entry, out, gobuild.Lambda)
}
