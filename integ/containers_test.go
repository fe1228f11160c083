//go:build integ

package integ

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestContainersStack checks the two services and the JSON 404 through
// the load balancer. Online only: the local harness has no load balancer
// or ECS (the service's own routes are tested offline in
// apps/containers/service).
func TestContainersStack(t *testing.T) {
	_, out := deployed(t, "ContainersStack")
	base := out["LoadBalancerUrl"]
	get := func(path string, status int, want string) NamedCheck {
		return NamedCheck{Name: fmt.Sprintf("GET %s is %d", path, status), Resource: base + path, Run: func(ctx context.Context) error {
			// Spot capacity and target registration may still settle
			// after the deployment.
			return Eventually(ctx, 3*time.Minute, func(ctx context.Context) error { return expectBody(ctx, base+path, status, want) })
		}}
	}
	Run(t, "ContainersStack", []NamedCheck{
		get("/orders", 200, `"service":"orders"`),
		get("/inventory", 200, `"service":"inventory"`),
		get("/nowhere", 404, `{"message":"Not found"}`),
	})
}

// expectBody GETs url and wants the status and a body containing want.
func expectBody(ctx context.Context, url string, status int, want string) error {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != status || !strings.Contains(string(b), want) {
		return fmt.Errorf("GET %s: %d %s, want %d and %q", url, resp.StatusCode, b, status, want)
	}
	return nil
}
