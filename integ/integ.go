//go:build integ

// Package integ checks a deployed sample stack in your own account: `make
// integ STACK=…` deploys it, runs its checks, and destroys it. It is a
// module of its own, so the library's go.mod never requires the SDK clients
// it uses, and its files carry the integ build tag, so no `go test` without
// it ever needs credentials.
package integ

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Env is the account and region the checks run against.
type Env struct {
	Config  aws.Config
	Account string
	Region  string
}

// Load reads the caller's credentials as the AWS CLI does (environment,
// shared config, SSO, instance role) and asks STS whose they are. Without
// credentials it says so and what to do, before anything is deployed.
func Load(ctx context.Context) (Env, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err == nil && cfg.Region == "" {
		err = errors.New("no region: set AWS_REGION or a profile's region")
	}
	if err != nil {
		return Env{}, fmt.Errorf("make integ needs AWS credentials and a region "+
			"(AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, and AWS_REGION): %w", err)
	}
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return Env{}, fmt.Errorf("make integ needs working AWS credentials; STS GetCallerIdentity refused them: %w", err)
	}
	return Env{Config: cfg, Account: aws.ToString(id.Account), Region: cfg.Region}, nil
}

// Outputs are a deployed stack's outputs, by key.
func (e Env) Outputs(ctx context.Context, stack string) (map[string]string, error) {
	out, err := cloudformation.NewFromConfig(e.Config).DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: &stack})
	if err != nil {
		return nil, fmt.Errorf("stack %s in %s/%s: %w (deploy it first: make integ deploys, checks and destroys it)", stack, e.Account, e.Region, err)
	}
	outputs := map[string]string{}
	for _, s := range out.Stacks {
		for _, o := range s.Outputs {
			outputs[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
		}
	}
	return outputs, nil
}

// Result is one check's outcome, for the report.
type Result struct {
	Check, Resource string
	// Shared says the check is also run offline by make test.
	Shared bool
	Err    error
	Took   time.Duration
}

// Report is the pass/fail lines of a run, one per check with the resource
// it hit, and a summary line.
func Report(stack string, results []Result) string {
	var b strings.Builder
	failed := 0
	for _, r := range results {
		status := "PASS"
		if r.Err != nil {
			status, failed = "FAIL", failed+1
		}
		where := "online only"
		if r.Shared {
			where = "also offline"
		}
		fmt.Fprintf(&b, "%s  %-48s [%s] %s (%s)\n", status, r.Check, where, r.Resource, r.Took.Round(time.Millisecond))
		if r.Err != nil {
			fmt.Fprintf(&b, "      %v\n", r.Err)
		}
	}
	fmt.Fprintf(&b, "%s: %d of %d checks passed\n", stack, len(results)-failed, len(results))
	return b.String()
}

// Bounded runs check with its own deadline, so that one hung call cannot
// hold the run.
func Bounded(ctx context.Context, d time.Duration, check func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	return check(ctx)
}

// Eventually retries check every 5 seconds until it passes or d is over,
// and returns its last error: for a resource that is still settling (ECS
// tasks registering behind a load balancer, an SES event on its way).
func Eventually(ctx context.Context, d time.Duration, check func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	for {
		err := check(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("still failing after %s: %w", d, err)
		case <-time.After(5 * time.Second):
		}
	}
}

// Run runs named checks, each bounded by its own deadline, prints the
// report and fails t if any failed.
func Run(t interface {
	Fail()
	Helper()
}, stack string, checks []NamedCheck) {
	t.Helper()
	var results []Result
	for _, c := range checks {
		start := time.Now()
		err := c.Run(context.Background())
		results = append(results, Result{Check: c.Name, Resource: c.Resource, Shared: c.Shared, Err: err, Took: time.Since(start)})
	}
	fmt.Print(Report(stack, results))
	for _, r := range results {
		if r.Err != nil {
			t.Fail()
		}
	}
}

// NamedCheck is one check of a run, with the resource it hits.
type NamedCheck struct {
	Name, Resource string
	// Shared marks a check of a smoke checklist, which make test also runs
	// against the local emulators.
	Shared bool
	Run    func(context.Context) error
}
