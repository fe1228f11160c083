//go:build integ

package integ

import (
	"context"
	"fmt"
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
	var results []Result
	for _, c := range smoke.Checks() {
		start := time.Now()
		err := Bounded(ctx, 30*time.Second, func(ctx context.Context) error { return c.Run(ctx, url) })
		results = append(results, Result{Check: c.Name, Resource: url, Err: err, Took: time.Since(start)})
	}
	fmt.Print(Report("ChatStack", results))
	for _, r := range results {
		if r.Err != nil {
			t.Fail()
		}
	}
}
