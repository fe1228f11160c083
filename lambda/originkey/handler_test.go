package main

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	waftypes "github.com/aws/aws-sdk-go-v2/service/wafv2/types"
)

func newTestHandler(random string) *Handler {
	return &Handler{
		Config: Config{DistributionID: "DIST", OriginID: "api", HeaderName: "X-Origin-Verify", PatternSetName: "keys", PatternSetID: "id", Scope: waftypes.ScopeRegional},
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
		t.Fatalf("after %s, CloudFront sends %q, which the origin (%v) refuses", name, w.sent, w.accepted)
	}
	return err
}

func pendingValue(w *world) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.versions["v1"].value
}

func TestAFullRotationKeepsEveryRequestAccepted(t *testing.T) {
	w, h := newWorld(t, "\x01\x02\x03")
	startRotation(w)
	for _, s := range []string{"createSecret", "setSecret"} {
		if err := run(t, w, h, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	pending := pendingValue(w)
	if len(pending) != KeyLength || w.sent != pending || !w.originAccepts("current0") || !w.originAccepts(pending) {
		t.Fatalf("after setSecret: sent %q, accepted %v", w.sent, w.accepted)
	}
	// CloudFront is still deploying: testSecret fails, without sleeping.
	if err := run(t, w, h, "testSecret"); !errors.Is(err, ErrNotDeployed) {
		t.Fatalf("testSecret while InProgress: %v", err)
	}
	w.status = "Deployed"
	for _, s := range []string{"testSecret", "finishSecret"} {
		if err := run(t, w, h, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	if !strings.Contains(strings.Join(w.versions["v1"].stages, ","), "AWSCURRENT") || !strings.Contains(strings.Join(w.versions["v0"].stages, ","), "AWSPREVIOUS") {
		t.Errorf("stages: v0 %v, v1 %v", w.versions["v0"].stages, w.versions["v1"].stages)
	}
	// The old value stays accepted until the next rotation drops it.
	if !w.originAccepts("current0") {
		t.Error("the previous value was dropped at finishSecret")
	}

	// The next rotation drops it, once CloudFront no longer sends it.
	w.versions["v1"].stages = []string{"AWSCURRENT"}
	w.versions["v2"] = &version{stages: []string{"AWSPENDING"}}
	h.Random = strings.NewReader(strings.Repeat("\x09", 1000))
	next := func(name string) error {
		return h.Handle(context.Background(), events.SecretsManagerSecretRotationEvent{Step: name, SecretID: "origin-key", ClientRequestToken: "v2"})
	}
	if err := next("createSecret"); err != nil {
		t.Fatal(err)
	}
	if err := next("setSecret"); err != nil {
		t.Fatal(err)
	}
	if w.originAccepts("current0") || !w.originAccepts(pending) || !w.originAccepts(w.versions["v2"].value) {
		t.Errorf("second rotation accepts %v", w.accepted)
	}
}

func TestEveryStepIsIdempotent(t *testing.T) {
	w, h := newWorld(t, "\x05")
	startRotation(w)
	for _, s := range []string{"createSecret", "setSecret"} {
		for range 3 {
			if err := run(t, w, h, s); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
	}
	etag, lock := w.etag, w.lock
	if err := run(t, w, h, "setSecret"); err != nil || w.etag != etag || w.lock != lock {
		t.Errorf("a repeated setSecret changed CloudFront or WAF again (etag %d→%d, lock %d→%d)", etag, w.etag, lock, w.lock)
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
	w, h := newWorld(t, "\x07")
	startRotation(w)
	if err := run(t, w, h, "createSecret"); err != nil {
		t.Fatal(err)
	}
	w.fail["cf:PUT config"] = true
	if err := run(t, w, h, "setSecret"); err == nil {
		t.Fatal("want the CloudFront outage to fail setSecret")
	}
	if w.sent != "current0" || !w.originAccepts("current0") {
		t.Fatalf("sent %q, accepted %v", w.sent, w.accepted)
	}
	// A WAF outage fails it before CloudFront changes.
	w.fail = map[string]bool{"waf:UpdateRegexPatternSet": true}
	w.accepted = []string{"^current0$"}
	if err := run(t, w, h, "setSecret"); err == nil || w.sent != "current0" {
		t.Fatalf("WAF outage: %v, sent %q", err, w.sent)
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
	w, h := newWorld(t, "\x0b")
	startRotation(w)
	run(t, w, h, "createSecret")
	run(t, w, h, "setSecret")
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
			t.Fatalf("after %s CloudFront sends %q, refused by %v", s, w.sent, w.accepted)
		}
	}
	if !w.originAccepts(stale) || !w.originAccepts("current0") {
		t.Errorf("accepted %v", w.accepted)
	}
}

func TestBadEvents(t *testing.T) {
	w, h := newWorld(t, "\x01")
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
	if err := h.Handle(context.Background(), events.SecretsManagerSecretRotationEvent{Step: "setSecret", SecretID: "origin-key", ClientRequestToken: "v0"}); err != nil {
		t.Errorf("current version: %v", err)
	}
}

func TestKeysAndPatterns(t *testing.T) {
	k, err := NewKey(strings.NewReader(strings.Repeat("\xff\x00\xf7", 100)))
	if err != nil || len(k) != KeyLength || strings.Trim(k, alphabet) != "" {
		t.Errorf("key %q %v", k, err)
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
		r.Seek(0, 0)
		NewKey(r)
	}
}
