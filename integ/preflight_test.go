//go:build integ

package integ

import (
	"context"
	"testing"
)

// TestCredentials runs before any deployment: it refuses, with what to do,
// when there are no credentials, and prints where the stack will go.
func TestCredentials(t *testing.T) {
	env, err := Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("deploying to account %s, region %s", env.Account, env.Region)
}
