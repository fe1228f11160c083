//go:build integ

package integ

import (
	"context"
	"os"
	"strings"
	"testing"
)

// TestCredentials runs before any deployment: it refuses, with what to do,
// when there are no credentials, or when a stack of a name the run will
// deploy (INTEG_STACKS) is already there: the run destroys what it
// deploys, and a deployment over a user's own stack would only switch its
// tables and keys to DESTROY. It prints where the stack will go.
func TestCredentials(t *testing.T) {
	ctx := context.Background()
	env, err := Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("deploying to account %s, region %s", env.Account, env.Region)
	for _, stack := range strings.Fields(os.Getenv("INTEG_STACKS")) {
		if _, err := env.Outputs(ctx, stack); err == nil {
			t.Fatalf("stack %s already exists in account %s, region %s: make integ deploys and then destroys it, with its data; "+
				"use an account or region without it (or destroy a test run's, left by KEEP=1, first)", stack, env.Account, env.Region)
		}
	}
}

// deployed is the environment and the outputs of a deployed stack; the
// test stops without them.
func deployed(t *testing.T, stack string) (Env, map[string]string) {
	t.Helper()
	env, err := Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out, err := env.Outputs(context.Background(), stack)
	if err != nil {
		t.Fatal(err)
	}
	return env, out
}
