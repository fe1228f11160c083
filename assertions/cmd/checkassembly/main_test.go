package main

import (
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
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
	n, err := check(r.Dir)
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
	if _, err := check(t.TempDir()); err == nil {
		t.Error("a folder without a manifest must be an error")
	}
}
