//go:build integ

package integ

import (
	"context"
	"testing"
	"time"

	"github.com/blueprints-cdk/blueprints/apps/chatstack/smoke"
)

// TestChatStack runs ChatStack's smoke checklist (the same code make test
// runs on the local WebSocket gateway) against the deployed stage.
func TestChatStack(t *testing.T) {
	ctx := context.Background()
	env, err := Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out, err := env.Outputs(ctx, "ChatStack")
	if err != nil {
		t.Fatal(err)
	}
	url := out["WebSocketUrl"]
	var checks []NamedCheck
	for _, c := range smoke.Checks() {
		checks = append(checks, NamedCheck{Name: c.Name, Shared: true, Resource: url, Run: func(ctx context.Context) error {
			return Bounded(ctx, 30*time.Second, func(ctx context.Context) error { return c.Run(ctx, url) })
		}})
	}
	Run(t, "ChatStack", checks)
}
