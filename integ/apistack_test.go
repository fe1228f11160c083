//go:build integ

package integ

import (
	"context"
	"fmt"
	"io"
	"net/http"
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
	env, err := Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out, err := env.Outputs(ctx, "ApiStack")
	if err != nil {
		t.Fatal(err)
	}
	key, err := secretsmanager.NewFromConfig(env.Config).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: strptr(out["TokenKeySecretArn"])})
	if err != nil {
		t.Fatal(err)
	}
	token, err := smoke.Mint([]byte(*key.SecretString), map[string]any{"sub": "integ", "scope": "users", "exp": time.Now().Add(time.Hour).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	target := smoke.Target{BaseURL: out["DistributionUrl"], Token: token}
	var results []Result
	for _, c := range smoke.Checks() {
		start := time.Now()
		err := Bounded(ctx, 30*time.Second, func(ctx context.Context) error { return c.Run(ctx, target) })
		results = append(results, Result{Check: c.Name, Resource: c.Route + " via " + target.BaseURL, Err: err, Took: time.Since(start)})
	}
	start := time.Now()
	err = Bounded(ctx, 30*time.Second, func(ctx context.Context) error { return directStageRefused(ctx, out["ApiUrl"]) })
	results = append(results, Result{Check: "the stage refuses requests not from CloudFront", Resource: "GET /comments/… at " + out["ApiUrl"],
		Err: err, Took: time.Since(start)})
	report := Report("ApiStack", results)
	fmt.Print(report)
	for _, r := range results {
		if r.Err != nil {
			t.Fail()
		}
	}
}

// directStageRefused: the stage answers 403 to a request without the
// origin key CloudFront adds.
func directStageRefused(ctx context.Context, apiURL string) error {
	req, err := http.NewRequestWithContext(ctx, "GET", apiURL+"comments/integ", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != 403 {
		return fmt.Errorf("GET %scomments/integ: %d %s, want 403", apiURL, resp.StatusCode, b)
	}
	return nil
}

func strptr(s string) *string { return &s }
