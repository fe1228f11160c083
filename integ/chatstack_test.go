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
	_, out := deployed(t, "ChatStack")
	url := out["WebSocketUrl"]
	var checks []NamedCheck
	for _, c := range smoke.Checks() {
		checks = append(checks, NamedCheck{Name: c.Name, Shared: true, Resource: url, Run: func(ctx context.Context) error {
			return Bounded(ctx, 30*time.Second, func(ctx context.Context) error { return c.Run(ctx, url) })
		}})
	}
	Run(t, "ChatStack", checks)
}
