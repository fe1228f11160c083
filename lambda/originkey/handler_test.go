package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/blueprints-cdk/blueprints/internal/originkey"
)

// modes runs a test against both ways the origin verifies the key.
func modes(t *testing.T, test func(t *testing.T, mode string)) {
	for _, mode := range []string{"Header", "ApiKey"} {
		t.Run(mode, func(t *testing.T) { test(t, mode) })
	}
}

// testTiming is DefaultTiming with fewer probes: the suite runs in
// simulated time, so the waits cost nothing.
var testTiming = Timing{Poll: 15 * time.Second, Probes: 3, ProbeInterval: 5 * time.Second,
	SettleMargin: originkey.SettleMargin, MaxWait: 14 * time.Minute, Reserve: 30 * time.Second}

func newTestHandler(random string) *Handler {
	return &Handler{
		Config: originkey.Config{DistributionID: "DIST", OriginID: "api", HeaderName: "X-Origin-Verify"},
		Timing: testTiming,
		Random: strings.NewReader(strings.Repeat(random, 1000)),
		Log:    slog.New(slog.DiscardHandler),
	}
}

func step(name string) events.SecretsManagerSecretRotationEvent {
	return events.SecretsManagerSecretRotationEvent{Step: name, SecretID: "origin-key", ClientRequestToken: "v1"}
}

// startRotation does what Secrets Manager does before calling createSecret:
// it labels the new version token AWSPENDING (DescribeSecret lists it).
func startRotation(w *world) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.versions["v1"] = &version{stages: []string{"AWSPENDING"}}
}

// run calls one step and checks the invariant: CloudFront sends a value the
// origin accepts.
func run(t *testing.T, w *world, h *Handler, name string) error {
	t.Helper()
	err := h.Handle(context.Background(), step(name))
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.originAccepts(w.sent) {
		t.Fatalf("after %s, CloudFront sends %q, which the origin refuses (patterns %v, keys %v)", name, w.sent, w.accepted, w.plan)
	}
	if len(w.violations) > 0 {
		t.Fatalf("after %s: %s", name, w.violations[0])
	}
	return err
}

func pendingValue(w *world) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.versions["v1"].value
}

func TestAFullRotationKeepsEveryRequestAccepted(t *testing.T) {
	modes(t, func(t *testing.T, mode string) {
		w, h := newWorld(t, mode, "\x01\x02\x03")
		startRotation(w)
		for _, s := range []string{"createSecret", "setSecret"} {
			if err := run(t, w, h, s); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
		pending := pendingValue(w)
		if len(pending) != KeyLength || w.sent != pending || !w.originAccepts(current0) || !w.originAccepts(pending) {
			t.Fatalf("after setSecret: sent %q, accepted %v %v", w.sent, w.accepted, w.plan)
		}
		// CloudFront deploys for longer than a step may wait: testSecret
		// fails at its bound (Secrets Manager retries it), not before.
		w.mu.Lock()
		w.pollsLeft = 1000
		before := w.now
		w.mu.Unlock()
		if err := run(t, w, h, "testSecret"); !errors.Is(err, ErrNotDeployed) {
			t.Fatalf("testSecret while InProgress: %v", err)
		}
		if waited := (simClock{w}).Now().Sub(before); waited < testTiming.MaxWait-testTiming.Poll || waited > testTiming.MaxWait {
			t.Errorf("testSecret gave up after %v, want its bound %v", waited, testTiming.MaxWait)
		}
		w.mu.Lock()
		w.pollsLeft = 3
		w.mu.Unlock()
		for _, s := range []string{"testSecret", "finishSecret"} {
			if err := run(t, w, h, s); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
		if !slices.Contains(w.versions["v1"].stages, "AWSCURRENT") || !slices.Contains(w.versions["v0"].stages, "AWSPREVIOUS") {
			t.Errorf("stages: v0 %v, v1 %v", w.versions["v0"].stages, w.versions["v1"].stages)
		}
		// The old value stays accepted until the next rotation drops it.
		if !w.originAccepts(current0) {
			t.Error("the previous value was dropped at finishSecret")
		}
	})
}

// Rotations in a row: each drops the value from two rotations before, and in
// ApiKey mode the first (CloudFormation-owned) key is disabled, never
// deleted, while the rotation's own keys do not pile up.
func TestRotationsInARowDropOldValues(t *testing.T) {
	modes(t, func(t *testing.T, mode string) {
		w, h := newWorld(t, mode, "\x01")
		// A key someone else put in the usage plan is left alone.
		w.keys["theirs"] = &apiKey{Name: "partner", Value: "their-value", Enabled: true}
		w.plan = append(w.plan, "theirs")
		values := []string{current0}
		for i := 1; i <= 4; i++ {
			token := fmt.Sprint("v", i)
			w.versions[token] = &version{stages: []string{"AWSPENDING"}}
			h.Random = strings.NewReader(strings.Repeat(string(rune(i+10)), 1000))
			for _, s := range []string{"createSecret", "setSecret", "testSecret", "finishSecret"} {
				w.status = "Deployed"
				err := h.Handle(context.Background(), events.SecretsManagerSecretRotationEvent{Step: s, SecretID: "origin-key", ClientRequestToken: token})
				if err != nil {
					t.Fatalf("rotation %d, %s: %v", i, s, err)
				}
				if !w.originAccepts(w.sent) {
					t.Fatalf("rotation %d, %s: CloudFront sends a refused value", i, s)
				}
			}
			w.versions[token].stages = []string{"AWSCURRENT"} // AWSPREVIOUS moves on
			values = append(values, w.versions[token].value)
			for j, v := range values {
				if accepted := w.originAccepts(v); accepted != (j >= i-1) {
					t.Errorf("after rotation %d, value %d accepted = %v", i, j, accepted)
				}
			}
			if mode == "ApiKey" {
				if w.keys["boot"] == nil || !w.originAccepts("their-value") || len(w.keys) > 4 || len(w.plan) > 4 {
					t.Errorf("after rotation %d: keys %v, plan %v", i, w.keys, w.plan)
				}
			}
		}
	})
}

func TestEveryStepIsIdempotent(t *testing.T) { modes(t, testEveryStepIsIdempotent) }

func testEveryStepIsIdempotent(t *testing.T, mode string) {
	w, h := newWorld(t, mode, "\x05")
	startRotation(w)
	for _, s := range []string{"createSecret", "setSecret"} {
		for range 3 {
			if err := run(t, w, h, s); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
	}
	etag, writes := w.etag, w.writes
	if err := run(t, w, h, "setSecret"); err != nil || w.etag != etag || w.writes != writes {
		t.Errorf("a repeated setSecret changed CloudFront or the origin again (etag %d→%d, writes %d→%d)", etag, w.etag, writes, w.writes)
	}
	w.status = "Deployed"
	for _, s := range []string{"testSecret", "testSecret", "finishSecret", "finishSecret"} {
		if err := run(t, w, h, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	if pendingValue(w) == "" || len(w.versions) != 2 {
		t.Errorf("versions: %v", w.versions)
	}
}

func TestAFailedSetSecretLeavesTheCurrentValueWorking(t *testing.T) {
	modes(t, testAFailedSetSecret)
}

func testAFailedSetSecret(t *testing.T, mode string) {
	w, h := newWorld(t, mode, "\x07")
	startRotation(w)
	if err := run(t, w, h, "createSecret"); err != nil {
		t.Fatal(err)
	}
	w.fail["cf:PUT config"] = true
	if err := run(t, w, h, "setSecret"); err == nil {
		t.Fatal("want the CloudFront outage to fail setSecret")
	}
	if w.sent != current0 || !w.originAccepts(current0) {
		t.Fatalf("sent %q, accepted %v", w.sent, w.accepted)
	}
	// An outage at the origin (WAF or API Gateway) fails it before CloudFront changes.
	w.fail = map[string]bool{"waf:UpdateRegexPatternSet": true, "ag:POST /usageplans/{id}/keys": true}
	w.resetOrigin()
	if err := run(t, w, h, "setSecret"); err == nil || w.sent != current0 {
		t.Fatalf("origin outage: %v, sent %q", err, w.sent)
	}
	// testSecret refuses to pass a rotation whose setSecret never ran.
	w.status = "Deployed"
	if err := run(t, w, h, "testSecret"); err == nil {
		t.Fatal("testSecret passed though CloudFront never sent the pending value")
	}
	// Retried once the outage is over, the rotation completes.
	w.fail = map[string]bool{}
	for _, s := range []string{"setSecret"} {
		if err := run(t, w, h, s); err != nil {
			t.Fatal(err)
		}
	}
	w.status = "Deployed"
	for _, s := range []string{"testSecret", "finishSecret"} {
		if err := run(t, w, h, s); err != nil {
			t.Fatal(err)
		}
	}
}

// After a rotation that never finished, CloudFront may still send its
// pending value; the next rotation keeps accepting it until CloudFront moves on.
func TestAStalePendingValueThatCloudFrontSendsStaysAccepted(t *testing.T) {
	modes(t, testAStalePendingValue)
}

func testAStalePendingValue(t *testing.T, mode string) {
	w, h := newWorld(t, mode, "\x0b")
	startRotation(w)
	for _, s := range []string{"createSecret", "setSecret"} {
		if err := run(t, w, h, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	stale := pendingValue(w)
	delete(w.versions, "v1") // Secrets Manager gave up on it
	w.versions["v2"] = &version{stages: []string{"AWSPENDING"}}
	h.Random = strings.NewReader(strings.Repeat("\x0c", 1000))
	for _, s := range []string{"createSecret", "setSecret"} {
		err := h.Handle(context.Background(), events.SecretsManagerSecretRotationEvent{Step: s, SecretID: "origin-key", ClientRequestToken: "v2"})
		if err != nil {
			t.Fatal(err)
		}
		if !w.originAccepts(w.sent) {
			t.Fatalf("after %s CloudFront sends %q, which the origin refuses", s, w.sent)
		}
	}
	if !w.originAccepts(stale) || !w.originAccepts(current0) {
		t.Errorf("accepted %v %v", w.accepted, w.plan)
	}
}

func TestBadEvents(t *testing.T) {
	w, h := newWorld(t, "Header", "\x01")
	cases := map[string]events.SecretsManagerSecretRotationEvent{
		"no token":      {Step: "createSecret", SecretID: "origin-key"},
		"unknown token": {Step: "createSecret", SecretID: "origin-key", ClientRequestToken: "nope"},
		"unknown step":  {Step: "explode", SecretID: "origin-key", ClientRequestToken: "v1"},
	}
	startRotation(w)
	for name, ev := range cases {
		if err := h.Handle(context.Background(), ev); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
	// A version already current is a finished rotation: nothing to do.
	current := events.SecretsManagerSecretRotationEvent{Step: "setSecret", SecretID: "origin-key", ClientRequestToken: "v0"}
	if err := h.Handle(context.Background(), current); err != nil {
		t.Errorf("current version: %v", err)
	}
}

func TestKeysAndPatterns(t *testing.T) {
	k, err := NewKey(strings.NewReader(strings.Repeat("\xff\x00\xf7", 100)))
	if err != nil || len(k) != KeyLength || strings.Trim(k, alphabet) != "" {
		t.Errorf("key %q %v", k, err)
	}
	// The template writes a key's pattern as "^" + key + "$" (keys are
	// letters and digits); the handler must write the same, or it would see
	// a difference where there is none.
	if got := Patterns([]string{k}); len(got) != 1 || got[0] != "^"+k+"$" {
		t.Errorf("pattern of %q: %v", k, got)
	}
	if _, err := NewKey(strings.NewReader("short")); err == nil {
		t.Error("a short random source must be an error")
	}
	if got := Patterns([]string{"b.c", "a", "a"}); strings.Join(got, " ") != `^a$ ^b\.c$` {
		t.Errorf("patterns %v", got)
	}
}

func BenchmarkNewKey(b *testing.B) {
	r := strings.NewReader(strings.Repeat("\x10\x20\x30", 1<<20))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Seek(0, io.SeekStart); err != nil {
			b.Fatal(err)
		}
		if _, err := NewKey(r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRotation is one whole rotation (four steps, every HTTP call to the
// fakes through the real SDK clients).
func BenchmarkRotation(b *testing.B) {
	for _, mode := range []string{"Header", "ApiKey"} {
		b.Run(mode, func(b *testing.B) {
			w, h := newWorld(b, mode, "\x01")
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				token := fmt.Sprint("v", i)
				w.versions[token] = &version{stages: []string{"AWSPENDING"}}
				h.Random = strings.NewReader(strings.Repeat(string(rune(i%100+1)), 1000))
				for _, s := range []string{"createSecret", "setSecret", "testSecret", "finishSecret"} {
					w.status = "Deployed"
					ev := events.SecretsManagerSecretRotationEvent{Step: s, SecretID: "origin-key", ClientRequestToken: token}
					if err := h.Handle(context.Background(), ev); err != nil {
						b.Fatalf("%s: %v", s, err)
					}
				}
				w.versions[token].stages = []string{"AWSCURRENT"}
				delete(w.versions, fmt.Sprint("v", i-2)) // as Secrets Manager drops unlabelled versions
			}
		})
	}
}

func TestNewHandlerBuildsTheModesOriginFromTheContract(t *testing.T) {
	env := map[string]string{
		"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "SECRET",
		originkey.EnvDistributionID: "D", originkey.EnvOriginID: "O", originkey.EnvHeaderName: "X-Origin-Verify",
		originkey.EnvPatternSetName: "keys", originkey.EnvPatternSetID: "id",
		originkey.EnvUsagePlanID: "plan", originkey.EnvBootstrapKeyID: "boot", originkey.EnvKeyTag: "tag",
	}
	getenv := func(mode string) func(string) string {
		return func(k string) string {
			if k == originkey.EnvMode {
				return mode
			}
			return env[k]
		}
	}
	h, err := newHandler(getenv(originkey.ModeHeader))
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := h.Origin.(*PatternSet); err != nil || !ok || p.Name != "keys" || p.ID != "id" || h.Config.DistributionID != "D" {
		t.Errorf("Header mode: got %+v, %v", h, err)
	}
	h, err = newHandler(getenv(originkey.ModeAPIKey))
	if err != nil {
		t.Fatal(err)
	}
	if k, ok := h.Origin.(*APIKeys); err != nil || !ok || k.UsagePlanID != "plan" || k.Bootstrap != "boot" || k.Tag != "tag" {
		t.Errorf("ApiKey mode: got %+v, %v", h, err)
	}
	if _, err := newHandler(getenv("Cookie")); err == nil || !strings.Contains(err.Error(), originkey.EnvMode) {
		t.Errorf("an unknown mode must be refused naming %s, got %v", originkey.EnvMode, err)
	}
	delete(env, originkey.EnvPatternSetID)
	if _, err := newHandler(getenv(originkey.ModeHeader)); err == nil || !strings.Contains(err.Error(), originkey.EnvPatternSetID) {
		t.Errorf("a missing variable must be named, got %v", err)
	}
	if _, err := newHandler(getenv(originkey.ModeAPIKey)); err != nil {
		t.Errorf("ApiKey mode does not need %s: %v", originkey.EnvPatternSetID, err)
	}
}

// rotate runs the four steps of rotation token as Secrets Manager does,
// retrying a step that fails (up to 5 times), and fails the test on any
// break of the invariant the fakes record.
func rotate(t *testing.T, w *world, h *Handler, token string) {
	t.Helper()
	w.mu.Lock()
	w.versions[token] = &version{stages: []string{"AWSPENDING"}}
	w.mu.Unlock()
	for _, s := range []string{"createSecret", "setSecret", "testSecret", "finishSecret"} {
		var err error
		for try := 0; try < 5; try++ {
			if err = h.Handle(context.Background(), events.SecretsManagerSecretRotationEvent{Step: s, SecretID: "origin-key", ClientRequestToken: token}); err == nil {
				break
			}
		}
		if err != nil {
			t.Fatalf("%s %s: %v", token, s, err)
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.violations) > 0 {
		t.Fatalf("%s: %d breaks of the invariant, first: %s", token, len(w.violations), w.violations[0])
	}
}

// The invariant holds under the delays of real AWS: whatever the origin's
// propagation delay (0, 5 s, 2 min) and however long CloudFront deploys (1
// or 20 polls), at no simulated moment may an edge send a value the origin
// refuses, over five rotations in a row. The probe reaches a node that has
// the change at once, while edges may reach the slowest: the probes cannot
// see that node, so the settle margin must carry it.
func TestTheInvariantHoldsUnderOriginLagAndSlowDeployments(t *testing.T) {
	modes(t, func(t *testing.T, mode string) {
		for _, lag := range []time.Duration{0, 5 * time.Second, 2 * time.Minute} {
			for _, polls := range []int{1, 20} {
				t.Run(fmt.Sprintf("lag %v, %d polls", lag, polls), func(t *testing.T) {
					w, h := newWorld(t, mode, "\x07")
					w.lag, w.slowLag, w.deployPolls = 0, lag, polls
					for i := 1; i <= 5; i++ {
						h.Random = strings.NewReader(strings.Repeat(string(rune(i+20)), 1000))
						rotate(t, w, h, fmt.Sprint("v", i))
					}
					w.mu.Lock()
					defer w.mu.Unlock()
					if !slices.Contains(w.versions["v5"].stages, "AWSCURRENT") || w.sent != w.versions["v5"].value || w.configured()[current0] {
						t.Errorf("after five rotations: sent %q, v5 %v, accepted %v", w.sent, w.versions["v5"].stages, w.configured())
					}
				})
			}
		}
	})
}

// setSecret starts only once the previous change is Deployed: the values
// edges still send are never dropped.
func TestSetSecretWaitsForThePreviousDeployment(t *testing.T) {
	modes(t, func(t *testing.T, mode string) {
		w, h := newWorld(t, mode, "\x09")
		w.lag = time.Minute
		// A deployment of someone else's is under way, from "stale" to
		// "drift": some edges still send stale, which the origin accepts but
		// a rotation starting now would drop.
		w.mu.Lock()
		w.accepted = append(w.accepted, "^drift$", "^stale$")
		if mode == "ApiKey" {
			for _, v := range []string{"drift", "stale"} {
				w.keys[v] = &apiKey{Name: v, Value: v, Enabled: true, Tags: map[string]string{TagKey: keyTag}}
				w.plan = append(w.plan, v)
			}
		}
		w.history = append(w.history, snapshot{at: w.now.Add(-time.Hour), set: w.configured()})
		w.sent, w.status, w.pollsLeft, w.edges = "drift", "InProgress", 10, map[string]bool{"stale": true, "drift": true}
		w.mu.Unlock()
		rotate(t, w, h, "v1")
	})
}

// Without a probe (a VPC origin the function cannot reach), the settle
// margin alone keeps the invariant while the origin's delay stays under it;
// a delay past it is the residual risk constructs/frontdoor/README.md states
// (The residual risk).
func TestWithoutProbesTheSettleMarginCarriesTheInvariant(t *testing.T) {
	modes(t, func(t *testing.T, mode string) {
		w, h := newWorld(t, mode, "\x0b")
		h.Probe = nil
		w.lag = 4 * time.Minute
		rotate(t, w, h, "v1")

		w, h = newWorld(t, mode, "\x0b")
		h.Probe = nil
		w.lag = originkey.SettleMargin + time.Minute
		startRotation(w)
		for _, s := range []string{"createSecret", "setSecret"} {
			if err := h.Handle(context.Background(), step(s)); err != nil {
				t.Fatal(err)
			}
		}
		simClock{w}.Sleep(context.Background(), time.Minute) //nolint:errcheck // the simulated clock never fails
		w.mu.Lock()
		defer w.mu.Unlock()
		if len(w.violations) == 0 {
			t.Error("with an origin slower than the margin and no probe, the model must show the break")
		}
	})
}

// Only the rotation's own entries change: a regex of someone else's in the
// pattern set, and a key of someone else's in the usage plan, survive
// rotations.
func TestForeignPatternsAndKeysSurviveRotations(t *testing.T) {
	modes(t, func(t *testing.T, mode string) {
		w, h := newWorld(t, mode, "\x0d")
		w.mu.Lock()
		w.accepted = append(w.accepted, "^partner-[0-9]+$")
		w.keys["theirs"] = &apiKey{Name: "partner", Value: "their-value", Enabled: true}
		w.plan = append(w.plan, "theirs")
		w.history = append(w.history, snapshot{at: w.now.Add(-time.Hour), set: w.configured()})
		w.mu.Unlock()
		for i := 1; i <= 3; i++ {
			h.Random = strings.NewReader(strings.Repeat(string(rune(i+40)), 1000))
			rotate(t, w, h, fmt.Sprint("v", i))
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		if mode == "Header" && !slices.Contains(w.accepted, "^partner-[0-9]+$") {
			t.Errorf("the foreign regex was dropped: %v", w.accepted)
		}
		if mode == "ApiKey" && (w.keys["theirs"] == nil || !slices.Contains(w.plan, "theirs")) {
			t.Errorf("the foreign key was touched: %v %v", w.keys, w.plan)
		}
	})
}

// After an operator moves AWSCURRENT back to an older version, the next
// rotation makes the origin accept that value again; in ApiKey mode the
// first key, which rotations disabled, is enabled again, not duplicated.
func TestAnOperatorRollbackIsAcceptedAgain(t *testing.T) {
	modes(t, func(t *testing.T, mode string) {
		w, h := newWorld(t, mode, "\x0f")
		for i := 1; i <= 2; i++ {
			h.Random = strings.NewReader(strings.Repeat(string(rune(i+50)), 1000))
			rotate(t, w, h, fmt.Sprint("v", i))
		}
		w.mu.Lock()
		if w.configured()[current0] {
			t.Fatal("two rotations on, the first value must no longer be accepted")
		}
		// update-secret-version-stage --version-stage AWSCURRENT --move-to-version-id v0
		w.versions["v2"].stages = []string{"AWSPREVIOUS"}
		w.versions["v1"].stages = []string{}
		w.versions["v0"].stages = []string{"AWSCURRENT"}
		w.mu.Unlock()
		h.Random = strings.NewReader(strings.Repeat("\x3c", 1000))
		rotate(t, w, h, "v3")
		w.mu.Lock()
		defer w.mu.Unlock()
		if !w.configured()[current0] {
			t.Errorf("the rolled-back value is not accepted again: %v", w.configured())
		}
		if mode == "ApiKey" {
			n := 0
			for _, k := range w.keys {
				if k.Value == current0 {
					n++
				}
			}
			if n != 1 || !w.keys["boot"].Enabled {
				t.Errorf("want the first key enabled again, once: %d keys of current0, boot %+v", n, w.keys["boot"])
			}
		}
	})
}

// A rotation abandoned after CloudFront was switched (an operator removed
// AWSPENDING from its version, the recovery CancelRotateSecret's reference
// gives), then a new rotation: the value
// CloudFront sends stays accepted until the new one is out.
func TestAnAbandonedRotationThenANewOne(t *testing.T) {
	modes(t, func(t *testing.T, mode string) {
		w, h := newWorld(t, mode, "\x11")
		w.lag = time.Minute
		startRotation(w)
		for _, s := range []string{"createSecret", "setSecret"} {
			if err := h.Handle(context.Background(), step(s)); err != nil {
				t.Fatal(err)
			}
		}
		w.mu.Lock()
		w.versions["v1"].stages = []string{}
		w.mu.Unlock()
		h.Random = strings.NewReader(strings.Repeat("\x22", 1000))
		rotate(t, w, h, "v2")
	})
}

// Any one call failing once (an internal error of Secrets Manager,
// CloudFront, WAF, API Gateway or the probe) fails at most its step, which
// Secrets Manager retries; the rotation completes and the invariant holds.
func TestAnyCallFailingOnceIsSurvived(t *testing.T) {
	modes(t, func(t *testing.T, mode string) {
		w, h := newWorld(t, mode, "\x13")
		w.lag = 5 * time.Second
		rotate(t, w, h, "v1")
		w.mu.Lock()
		calls := w.calls
		w.mu.Unlock()
		for n := 1; n <= calls; n++ {
			w, h := newWorld(t, mode, "\x13")
			w.lag, w.failCall = 5*time.Second, n
			rotate(t, w, h, "v1")
			w.mu.Lock()
			if w.sent != w.versions["v1"].value || !slices.Contains(w.versions["v1"].stages, "AWSCURRENT") {
				t.Errorf("call %d failing once: sent %q, v1 %v", n, w.sent, w.versions["v1"].stages)
			}
			w.mu.Unlock()
		}
	})
}

// A rotation found half done (AWSPENDING on a version CloudFront already
// sends) completes when Secrets Manager runs it again from createSecret.
func TestAHalfDoneRotationCompletesWhenRunAgain(t *testing.T) {
	modes(t, func(t *testing.T, mode string) {
		w, h := newWorld(t, mode, "\x15")
		w.lag, w.deployPolls = 30*time.Second, 5
		startRotation(w)
		again := func(s string) error { return h.Handle(context.Background(), step(s)) }
		for _, s := range []string{"createSecret", "setSecret"} {
			if err := again(s); err != nil {
				t.Fatal(err)
			}
		}
		// The rotation stopped here; later Secrets Manager runs it again.
		for _, s := range []string{"createSecret", "setSecret", "testSecret", "finishSecret"} {
			if err := again(s); err != nil {
				t.Fatalf("again, %s: %v", s, err)
			}
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		if len(w.violations) > 0 || !slices.Contains(w.versions["v1"].stages, "AWSCURRENT") || w.sent != w.versions["v1"].value {
			t.Errorf("violations %v, v1 %v, sent %q", w.violations, w.versions["v1"].stages, w.sent)
		}
	})
}

// The probe never follows a redirect (Go would carry the key header to the
// new host), and with RefusedHeader only the origin check's own 403 is a
// refusal: an application's 403 says nothing about the key.
func TestTheProbeKeepsTheKeyAndKnowsWhoRefused(t *testing.T) {
	elsewhere := make(chan string, 1)
	other := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { elsewhere <- r.Header.Get("X-Origin-Verify") }))
	defer other.Close()
	origin := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		switch r.Header.Get("X-Origin-Verify") {
		case "good":
			http.Redirect(rw, r, other.URL+"/login", http.StatusFound)
		case "app":
			rw.WriteHeader(http.StatusForbidden) // the application's own 403
		default:
			rw.Header().Set("x-amzn-waf-origin-key", "refused")
			rw.WriteHeader(http.StatusForbidden)
		}
	}))
	defer origin.Close()
	h, err := newHandler(func(k string) string {
		return map[string]string{
			"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "s",
			originkey.EnvMode: originkey.ModeHeader, originkey.EnvDistributionID: "D", originkey.EnvOriginID: "O",
			originkey.EnvHeaderName: "X-Origin-Verify", originkey.EnvPatternSetName: "p", originkey.EnvPatternSetID: "i",
			originkey.EnvProbeURL: "https://origin.example/origin-probe", originkey.EnvRefusedHeader: originkey.WAFRefusedHeader,
		}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	p := h.Probe.(*HTTPProber)
	p.URL = origin.URL + "/origin-probe" // the test origin is plain HTTP on 127.0.0.1
	ctx := context.Background()
	if ok, err := p.Accepts(ctx, "good"); !ok || err != nil {
		t.Errorf("a redirect means the key got through: %v %v", ok, err)
	}
	select {
	case v := <-elsewhere:
		t.Errorf("the redirect was followed, carrying %q", v)
	default:
	}
	if ok, err := p.Accepts(ctx, "wrong"); ok || err != nil {
		t.Errorf("the web ACL's 403 is a refusal: %v %v", ok, err)
	}
	if _, err := p.Accepts(ctx, "app"); err == nil {
		t.Error("a 403 without the web ACL's header must be an error, not a refusal")
	}
}
