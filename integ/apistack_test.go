//go:build integ

package integ

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/blueprints-cdk/blueprints/apps/apistack/smoke"
)

// TestApiStack runs ApiStack's smoke checklist (the same code make test
// runs on the local emulator) through the deployed distribution, then the
// check only a deployment can make: the stage itself refuses requests that
// did not come through CloudFront.
func TestApiStack(t *testing.T) {
	ctx := context.Background()
	env, out := deployed(t, "ApiStack")
	key, err := secretsmanager.NewFromConfig(env.Config).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: ptr(out["TokenKeySecretArn"])})
	if err != nil {
		t.Fatal(err)
	}
	token, err := smoke.Mint([]byte(*key.SecretString), map[string]any{"sub": "integ", "scope": "users", "exp": time.Now().Add(time.Hour).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	target := smoke.Target{BaseURL: out["DistributionUrl"], Token: token}
	var checks []NamedCheck
	for _, c := range smoke.Checks() {
		checks = append(checks, NamedCheck{Name: c.Name, Shared: true, Resource: c.Route + " via " + target.BaseURL, Run: func(ctx context.Context) error {
			return Bounded(ctx, 30*time.Second, func(ctx context.Context) error { return c.Run(ctx, target) })
		}})
	}
	// Online only: the origin key CloudFront adds is what the stage wants.
	checks = append(checks, NamedCheck{Name: "the stage refuses requests not from CloudFront", Resource: "GET /comments/integ at " + out["ApiUrl"],
		Run: func(ctx context.Context) error {
			return Bounded(ctx, 30*time.Second, func(ctx context.Context) error { return expectBody(ctx, out["ApiUrl"]+"comments/integ", 403, "") })
		}})
	Run(t, "ApiStack", checks)
}
