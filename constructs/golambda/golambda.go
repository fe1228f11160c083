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
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/internal/defaults"
	"github.com/blueprints-cdk/blueprints/internal/nag"
)

// BuildFlags are the go build arguments every handler is built with. They make
// the binary reproducible (same source and toolchain, same bytes, so the same
// asset hash on any machine) and small.
var BuildFlags = []string{"build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-tags", "lambda.norpc"}

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
}

// NewFunction builds lambda/<Entry> and deploys it.
func NewFunction(scope constructs.Construct, id string, props *Props) *Function {
	cfg, err := resolve(props)
	if err != nil {
		panic(fmt.Sprintf("golambda.NewFunction %q: %v", id, err))
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	f := &Function{Construct: c}
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

// InputHash is the SHA-256 of everything a build of lambda/<entry> reads:
// the Go version, BuildFlags and target, go.mod, go.sum, and every file of
// lambda/<entry> and internal/ (a handler imports nothing else of this
// module; a test checks it with go list) but tests and testdata. Paths are
// relative, so the hash is the same wherever the module sits.
func InputHash(root, entry string) (string, error) {
	version, err := goVersion(root)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	_, _ = fmt.Fprintf(h, "%s\x00%q\x00%q\x00", version, BuildFlags, buildEnv) // a hash.Hash never fails to write
	files := []string{"go.mod", "go.sum"}
	for _, dir := range []string{filepath.Join("lambda", entry), "internal"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && d.Name() == "testdata" {
				return filepath.SkipDir
			}
			if d.Type().IsRegular() && !strings.HasSuffix(d.Name(), "_test.go") {
				rel, _ := filepath.Rel(root, path)
				files = append(files, rel)
			}
			return nil
		})
		if err != nil {
			return "", err
		}
	}
	sort.Strings(files)
	for _, rel := range files {
		b, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			return "", err
		}
		_, _ = fmt.Fprintf(h, "%s\x00%d\x00", filepath.ToSlash(rel), len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// buildEnv is the environment Build adds to the caller's. The module's own
// go.mod decides the dependencies, whatever the caller's workspace or flags
// say; the build may run in a read-only module cache.
var buildEnv = []string{"GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0", "GOWORK=off", "GOFLAGS=-mod=readonly"}

var goVersions sync.Map // root → the toolchain's version there

// goVersion is `go env GOVERSION` in root, as Build runs go: the toolchain
// go.mod selects.
func goVersion(root string) (string, error) {
	if v, ok := goVersions.Load(root); ok {
		return v.(string), nil
	}
	cmd := exec.Command("go", "env", "GOVERSION")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), buildEnv...)
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go env GOVERSION in %s: %w", root, err)
	}
	v := strings.TrimSpace(string(out))
	goVersions.Store(root, v)
	return v, nil
}

// localBuild implements awscdk.ILocalBundling with `go build`.
type localBuild struct{ root, entry string }

// TryBundle builds the handler into outputDir/bootstrap. A failed build panics
// with the compiler output, which CDK reports as the synth error; returning
// false would make CDK fall back to Docker, which this project never needs.
func (b *localBuild) TryBundle(outputDir *string, _ *awscdk.BundlingOptions) *bool {
	if err := Build(b.root, b.entry, filepath.Join(*outputDir, "bootstrap")); err != nil {
		panic(err.Error())
	}
	return jsii.Bool(true)
}

// Build compiles lambda/<entry> of the module at root into out, for Linux on arm64.
func Build(root, entry, out string) error {
	args := append(append([]string{}, BuildFlags...), "-o", out, "./lambda/"+entry)
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), buildEnv...)
	if output, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building lambda/%s in %s: %v\n%s", entry, root, err, output)
	}
	return nil
}
