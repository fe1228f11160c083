package main

import (
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/assertions"
)

func TestCheckCountsEveryFindingOfEveryStack(t *testing.T) {
	r, err := assertions.Synth(func(app awscdk.App) awscdk.Stack {
		good := awscdk.NewStack(app, jsii.String("Good"), nil)
		awsiam.NewRole(good, jsii.String("Role"), &awsiam.RoleProps{AssumedBy: awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil)})
		bad := awscdk.NewStack(app, jsii.String("Bad"), nil)
		awss3.NewBucket(bad, jsii.String("Bucket"), nil) // no SSL enforcement, no access logs
		return bad
	}, assertions.KeepAssembly())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(r.Dir); err != nil {
			t.Errorf("removing the assembly: %v", err)
		}
	})

	stdout := os.Stdout
	read, write, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	os.Stdout = write
	n, err := check(r.Dir, false)
	os.Stdout = stdout
	if cerr := write.Close(); cerr != nil {
		t.Fatal(cerr)
	}
	out := make([]byte, 1<<16)
	k, _ := read.Read(out)
	printed := string(out[:k])

	if err != nil || n == 0 {
		t.Fatalf("want findings, got %d, %v", n, err)
	}
	for _, want := range []string{"Bad: AwsSolutions-S10 at /Bad/Bucket/Resource", "Good: 0 finding(s)"} {
		if !strings.Contains(printed, want) {
			t.Errorf("output lacks %q:\n%s", want, printed)
		}
	}
	if _, err := check(t.TempDir(), false); err == nil {
		t.Error("a folder without a manifest must be an error")
	}
}

// With -validate, the templates are validated here: a deprecated runtime
// is a finding, on its construct path, the first time (the plugin runs)
// and the second (the cache answers).
func TestValidateRunsCDKsPluginOnTheTemplates(t *testing.T) {
	t.Setenv("BLUEPRINTS_VALIDATION_CACHE", t.TempDir())
	r, err := assertions.Synth(func(app awscdk.App) awscdk.Stack {
		stack := awscdk.NewStack(app, jsii.String("Old"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("eu-west-1")}})
		role := awsiam.NewRole(stack, jsii.String("Role"), &awsiam.RoleProps{AssumedBy: awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil)})
		awslambda.NewCfnFunction(stack, jsii.String("OldRuntime"), &awslambda.CfnFunctionProps{
			Role: role.RoleArn(), Runtime: jsii.String("provided.al2"), Handler: jsii.String("bootstrap"),
			Code: &awslambda.CfnFunction_CodeProperty{ZipFile: jsii.String("x")},
		})
		return stack
	}, assertions.KeepAssembly(), assertions.WithoutValidation())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(r.Dir); err != nil {
			t.Errorf("removing the assembly: %v", err)
		}
	})
	var reports []string
	for range 2 {
		rep, err := assertions.ValidateAssembly(r.Dir)
		if err != nil {
			t.Fatal(err)
		}
		r.Validation = rep
		var found []string
		for _, f := range assertions.ValidationFindings(r) {
			found = append(found, f.String())
		}
		reports = append(reports, strings.Join(found, "\n"))
	}
	if !strings.Contains(reports[0], "/Old/OldRuntime") || reports[0] != reports[1] {
		t.Errorf("first run:\n%s\nfrom the cache:\n%s", reports[0], reports[1])
	}
	entries, err := os.ReadDir(os.Getenv("BLUEPRINTS_VALIDATION_CACHE"))
	if err != nil || len(entries) != 1 {
		t.Errorf("the cache holds %d entries (%v), want the one result", len(entries), err)
	}
}
