package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/blueprints-cdk/blueprints/assertions/local"
	"github.com/blueprints-cdk/blueprints/internal/asgeni"
)

// The group the tests' handler serves: two zones, each with a subnet for
// its instances and a management subnet for the interfaces.
const (
	group     = "FleetStack-Fleet-1ABC2DEF3GHI"
	hook      = "FleetStack-SecondaryEni-Hook"
	owner     = "FleetStack/SecondaryEni"
	heartbeat = 60 * time.Second
	zoneA     = "us-east-1a"
	zoneB     = "us-east-1b"
	appA      = "subnet-0a1a1a1a1a1a1a1a1"
	appB      = "subnet-0b1b1b1b1b1b1b1b1"
	mgmtA     = "subnet-0a2a2a2a2a2a2a2a2"
	mgmtB     = "subnet-0b2b2b2b2b2b2b2b2"
	sg1       = "sg-0123456789abcdef0"
	sg2       = "sg-0fedcba9876543210"
)

// twoZones is the metadata the construct writes for the group.
var twoZones = asgeni.Metadata{
	Subnets:        []asgeni.Subnet{{AvailabilityZone: zoneA, SubnetID: mgmtA}, {AvailabilityZone: zoneB, SubnetID: mgmtB}},
	SecurityGroups: []string{sg1, sg2},
}

// world is the two fakes, the journal of their calls, and the handler's
// log.
type world struct {
	j    *journal
	ec2  *ec2Fake
	as   *asFake
	logs *local.LogBuffer
}

func newWorld(t testing.TB) *world {
	t.Helper()
	j := &journal{}
	w := &world{j: j, ec2: startEC2(t, j), as: startAutoScaling(t, j), logs: &local.LogBuffer{}}
	w.ec2.availableAfter = 1 // one describe answers pending: the handler waits
	for _, s := range []struct{ id, zone string }{{appA, zoneA}, {appB, zoneB}, {mgmtA, zoneA}, {mgmtB, zoneB}} {
		w.ec2.addSubnet(s.id, s.zone, 250)
	}
	return w
}

// handler serves the world's group with real SDK clients on the fakes.
// Their retryer does not sleep (the standard one's backoff would only slow
// the tests) but makes as many attempts as the default, and waits poll
// every few milliseconds.
func (w *world) handler() *Handler {
	creds := credentials.NewStaticCredentialsProvider("local", "local", "")
	fast := func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
			o.RateLimiter = ratelimit.None
		})
	}
	return &Handler{
		Config: asgeni.Config{GroupName: group, HookName: hook, Owner: owner, Heartbeat: heartbeat, RetryAttempts: 2},
		EC2:    ec2.New(ec2.Options{Region: "us-east-1", BaseEndpoint: aws.String(w.ec2.URL), Credentials: creds, Retryer: fast()}),
		AutoScaling: autoscaling.New(autoscaling.Options{
			Region: "us-east-1", BaseEndpoint: aws.String(w.as.URL), Credentials: creds, Retryer: fast(),
		}),
		Log:      slog.New(slog.NewJSONHandler(w.logs, nil)),
		MinDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond, Margin: 500 * time.Millisecond,
	}
}

// launching launches an instance in subnet, pending for runningAfter
// describes, and puts it in wait on the hook; it returns the action, with
// metadata and starting now.
func (w *world) launching(subnet string, runningAfter int, metadata string) Action {
	a := Action{
		Token: newToken(), Group: group, Hook: hook, InstanceID: newID("i-", 17), Transition: LaunchTransition,
		Metadata: metadata, Origin: "EC2", Destination: "AutoScalingGroup", Start: time.Now(),
	}
	w.ec2.addInstance(a.InstanceID, subnet, runningAfter)
	w.as.wait(a.Token, a.Group, a.Hook, a.InstanceID)
	return a
}

// newToken is a new lifecycle action token, shaped as Auto Scaling's.
func newToken() string { return "8f3a2c1e-0000-4000-8000-" + newID("", 12) }

// message is the lifecycle action's JSON body, as EventBridge's detail
// and as the SNS message (which adds Service, Time, AccountId and
// RequestId; "Configure a notification target for lifecycle
// notifications"). The test notification has no action fields.
func message(a Action, sns bool) map[string]string {
	if a.Test {
		return map[string]string{
			"AccountId": "123456789012", "RequestId": "78c8e3d2-f7d0-4ec2-abcd-123456789012", "AutoScalingGroupName": a.Group,
			"Service": "AWS Auto Scaling", "Event": TestNotification, "Time": a.Start.UTC().Format(time.RFC3339Nano),
		}
	}
	m := map[string]string{
		"LifecycleActionToken": a.Token, "AutoScalingGroupName": a.Group, "LifecycleHookName": a.Hook, "EC2InstanceId": a.InstanceID,
		"LifecycleTransition": a.Transition, "NotificationMetadata": a.Metadata, "Origin": a.Origin, "Destination": a.Destination,
	}
	if sns {
		m["Service"], m["AccountId"], m["RequestId"] = "AWS Auto Scaling", "123456789012", "4725a5e5-6c2a-4b6e-b5c5-fe1f8d6f8c46"
		m["Time"] = a.Start.UTC().Format(time.RFC3339Nano)
	}
	return m
}

// eventBridgeEvent is the action as EventBridge delivers it ("Amazon EC2
// Auto Scaling event reference").
func eventBridgeEvent(t testing.TB, a Action) json.RawMessage {
	t.Helper()
	detail, err := json.Marshal(message(a, false))
	if err != nil {
		t.Fatal(err)
	}
	detailType := launchDetailType
	if a.Transition == "autoscaling:EC2_INSTANCE_TERMINATING" {
		detailType = terminateDetailType
	}
	b, err := json.Marshal(events.EventBridgeEvent{
		Version: "0", ID: "7bf73129-1428-4cd3-a780-95db273d1602", DetailType: detailType, Source: eventSource,
		AccountID: "123456789012", Time: a.Start, Region: "us-east-1", Resources: []string{"auto-scaling-group-arn"}, Detail: detail,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// snsEvent is the action as the post's SNS topic delivers it to Lambda.
func snsEvent(t testing.TB, a Action) json.RawMessage {
	t.Helper()
	return snsWith(t, message(a, true), a.Start)
}

// snsWith is a Lambda SNS event whose message is m, published at ts.
func snsWith(t testing.TB, m map[string]string, ts time.Time) json.RawMessage {
	t.Helper()
	msg, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(events.SNSEvent{Records: []events.SNSEventRecord{{
		EventVersion: "1.0", EventSource: "aws:sns", EventSubscriptionArn: "arn:aws:sns:us-east-1:123456789012:eni:2bcfbf39",
		SNS: events.SNSEntity{
			Type: "Notification", MessageID: "95df01b4-ee98-5cb9-9903-4c221d41eb5e", TopicArn: "arn:aws:sns:us-east-1:123456789012:eni",
			Subject: "Auto Scaling:  Lifecycle action 'LAUNCHING' for instance " + m["EC2InstanceId"] + " in progress.",
			Message: string(msg), Timestamp: ts, SignatureVersion: "1",
		},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func metadataJSON(t testing.TB, m asgeni.Metadata) string {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// handle runs the handler on event and fails the test on an error.
func (w *world) handle(t testing.TB, h *Handler, event json.RawMessage) {
	t.Helper()
	if err := h.Handle(context.Background(), event); err != nil {
		t.Fatalf("Handle: %v\ncalls: %q\nlogs:\n%s", err, w.j.names(), w.logs)
	}
}

// wantCalls fails the test unless the calls were exactly want.
func (w *world) wantCalls(t testing.TB, want ...string) {
	t.Helper()
	if got := w.j.names(); !slices.Equal(got, want) {
		t.Errorf("calls:\n got %q\nwant %q\nlogs:\n%s", got, want, w.logs)
	}
}

// wantAttached fails the test unless the instance ended with exactly one
// interface of this action: created in subnet with both groups and both
// tags, attached once at device index 1 with DeleteOnTermination, never
// deleted; and the action completed with CONTINUE.
func (w *world) wantAttached(t testing.TB, a Action, subnet string, groups ...string) {
	t.Helper()
	created := w.ec2.created()
	if len(created) != 1 {
		t.Fatalf("%d interfaces created, want 1: %+v", len(created), created)
	}
	e := created[0]
	wantTags := [][2]string{{asgeni.OwnerTagKey, owner}, {asgeni.ActionTagKey, a.Token}}
	if e.subnet != subnet || !slices.Equal(e.groups, groups) || !slices.Equal(e.tags, wantTags) || e.deleted {
		t.Errorf("interface %+v: want subnet %s, groups %v, tags %v, not deleted", e, subnet, groups, wantTags)
	}
	if at := e.attachment; at == nil || at.instance != a.InstanceID || at.index != 1 || !at.deleteOnTermination || e.status != "in-use" {
		t.Errorf("interface %s is %s with attachment %+v: want in-use at device index 1 of %s, deleted on termination", e.id, e.status, at, a.InstanceID)
	}
	attached := 0
	for _, c := range w.j.of("AttachNetworkInterface") {
		if c.Code == "" {
			attached++
		}
	}
	if attached != 1 || len(w.j.of("DeleteNetworkInterface")) != 0 {
		t.Errorf("%d successful attaches and %d deletes, want 1 and 0: %q", attached, len(w.j.of("DeleteNetworkInterface")), w.j.names())
	}
	if r := w.as.result(a.Token); r != "CONTINUE" {
		t.Errorf("action completed with %q, want CONTINUE", r)
	}
}

// wantAbandoned fails the test unless the action was completed ABANDON and
// no interface of it is left.
func (w *world) wantAbandoned(t testing.TB, a Action) {
	t.Helper()
	if r := w.as.result(a.Token); r != "ABANDON" {
		t.Errorf("action completed with %q, want ABANDON\nlogs:\n%s", r, w.logs)
	}
	for _, e := range w.ec2.created() {
		if !e.deleted {
			t.Errorf("interface %s of the abandoned launch was left: %+v", e.id, e)
		}
	}
}

// 1. A launch in the second zone: the interface is created in that zone's
// management subnet with the groups and a client token, waited for,
// attached at device index 1 and deleted with the instance; the action
// continues.
func TestLaunchInTheSecondZoneAttachesAnInterfaceFromThatZonesSubnet(t *testing.T) {
	w := newWorld(t)
	a := w.launching(appB, 0, metadataJSON(t, twoZones))
	w.handle(t, w.handler(), eventBridgeEvent(t, a))

	w.wantCalls(t, "DescribeInstances", "CreateNetworkInterface", "DescribeNetworkInterfaces", "DescribeNetworkInterfaces",
		"AttachNetworkInterface", "ModifyNetworkInterfaceAttribute", "CompleteLifecycleAction CONTINUE")
	w.wantAttached(t, a, mgmtB, sg1, sg2)
	eni := w.ec2.created()[0]
	create := w.j.of("CreateNetworkInterface")[0].Params
	if tok := create.Get("ClientToken"); tok != clientToken(a.Token) || len(tok) > 64 {
		t.Errorf("ClientToken %q, want %q (at most 64 characters)", tok, clientToken(a.Token))
	}
	if attach := w.j.of("AttachNetworkInterface")[0].Params; attach.Get("DeviceIndex") != "1" ||
		attach.Get("InstanceId") != a.InstanceID || attach.Get("NetworkInterfaceId") != eni.id {
		t.Errorf("attach %v", attach)
	}
	modify := w.j.of("ModifyNetworkInterfaceAttribute")[0].Params
	if modify.Get("Attachment.DeleteOnTermination") != "true" || modify.Get("Attachment.AttachmentId") != eni.attachment.id {
		t.Errorf("modify %v", modify)
	}
	complete := w.j.of("CompleteLifecycleAction")[0].Params
	if complete.Get("AutoScalingGroupName") != group || complete.Get("LifecycleHookName") != hook ||
		complete.Get("LifecycleActionToken") != a.Token || complete.Get("InstanceId") != a.InstanceID {
		t.Errorf("complete %v", complete)
	}
	line := w.logs.Line(t, "interface attached")
	for k, v := range map[string]any{"instance": a.InstanceID, "group": group, "token": a.Token, "interface": eni.id, "attachment": eni.attachment.id} {
		if line[k] != v {
			t.Errorf("log line %v: %s is %v, want %v", line, k, line[k], v)
		}
	}
}

// 2. The post's wiring: the action in an SNS notification, and the post's
// metadata (one SubnetId).
func TestPostsSNSNotificationGivesTheSameCalls(t *testing.T) {
	w := newWorld(t)
	a := w.launching(appA, 0, `{
"SubnetId":"subnet-0abcdef0",
"SecurityGroups":["sg-0abcdef0"]
}`)
	w.ec2.addSubnet("subnet-0abcdef0", zoneA, 250)
	w.handle(t, w.handler(), snsEvent(t, a))

	w.wantCalls(t, "DescribeInstances", "CreateNetworkInterface", "DescribeNetworkInterfaces", "DescribeNetworkInterfaces",
		"AttachNetworkInterface", "ModifyNetworkInterfaceAttribute", "CompleteLifecycleAction CONTINUE")
	w.wantAttached(t, a, "subnet-0abcdef0", "sg-0abcdef0")
}

// 3. The test notification a new notification target gets is no action.
func TestTestNotificationMakesNoCallsAndSucceeds(t *testing.T) {
	w := newWorld(t)
	w.handle(t, w.handler(), snsEvent(t, Action{Test: true, Group: group, Start: time.Now()}))
	w.wantCalls(t)
	if line := w.logs.Line(t, "event ignored"); line["reason"] != "test notification" {
		t.Errorf("log line %v", line)
	}
}

// 4. Delivered twice, one after the other: the second delivery finds the
// interface attached, sets DeleteOnTermination again, and takes "no active
// lifecycle action" as success.
func TestActionDeliveredTwiceCreatesOneInterface(t *testing.T) {
	w := newWorld(t)
	a := w.launching(appB, 0, metadataJSON(t, twoZones))
	h := w.handler()
	w.handle(t, h, eventBridgeEvent(t, a))
	first := len(w.j.all())
	w.handle(t, h, eventBridgeEvent(t, a))

	if second := w.j.names()[first:]; !slices.Equal(second, []string{"DescribeInstances", "DescribeNetworkInterfaces",
		"ModifyNetworkInterfaceAttribute", "CompleteLifecycleAction CONTINUE → ValidationError"}) {
		t.Errorf("second delivery's calls %q", second)
	}
	w.wantAttached(t, a, mgmtB, sg1, sg2)
	w.logs.Line(t, "interface already attached")
	w.logs.Line(t, "lifecycle action was no longer active")
}

// 5. No address left in the subnet: nothing to attach, ABANDON.
func TestNoFreeAddressAbandonsWithoutAttaching(t *testing.T) {
	w := newWorld(t)
	w.ec2.addSubnet(mgmtB, zoneB, 0)
	a := w.launching(appB, 0, metadataJSON(t, twoZones))
	w.handle(t, w.handler(), eventBridgeEvent(t, a))

	w.wantCalls(t, "DescribeInstances", "CreateNetworkInterface → InsufficientFreeAddressesInSubnet",
		"DescribeNetworkInterfaces", "CompleteLifecycleAction ABANDON")
	w.wantAbandoned(t, a)
	if len(w.ec2.created()) != 0 {
		t.Errorf("created %+v", w.ec2.created())
	}
}

// 5b. Two deliveries of one action at once share the interface (one client
// token): one attaches it, the other finds it attached, neither deletes
// it, and one completion succeeds while the other finds the action done.
// Rounds alternate between creates held until both arrived and free
// interleaving.
func TestConcurrentDeliveriesShareOneInterface(t *testing.T) {
	for round := range 8 {
		t.Run(fmt.Sprint(round), func(t *testing.T) {
			w := newWorld(t)
			if round%2 == 0 {
				w.ec2.createsBefore = 2
			}
			a := w.launching(appB, 1, metadataJSON(t, twoZones))
			event := eventBridgeEvent(t, a)
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i := range errs {
				h := w.handler()
				wg.Go(func() { errs[i] = h.Handle(context.Background(), event) })
			}
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					t.Fatalf("Handle: %v\ncalls: %q\nlogs:\n%s", err, w.j.names(), w.logs)
				}
			}
			w.wantAttached(t, a, mgmtB, sg1, sg2)
			var results []string
			for _, c := range w.j.of("CompleteLifecycleAction") {
				results = append(results, c.String())
			}
			slices.Sort(results)
			if want := []string{"CompleteLifecycleAction CONTINUE", "CompleteLifecycleAction CONTINUE → ValidationError"}; !slices.Equal(results, want) {
				t.Errorf("completions %q, want %q", results, want)
			}
		})
	}
}

// 5c. An instance still pending is waited for; the attach comes once it
// runs (the fake refuses an attach to a pending instance).
func TestPendingInstanceIsWaitedForBeforeTheAttach(t *testing.T) {
	w := newWorld(t)
	a := w.launching(appB, 3, metadataJSON(t, twoZones))
	w.handle(t, w.handler(), eventBridgeEvent(t, a))

	w.wantCalls(t, "DescribeInstances", "DescribeInstances", "DescribeInstances", "DescribeInstances",
		"CreateNetworkInterface", "DescribeNetworkInterfaces", "DescribeNetworkInterfaces",
		"AttachNetworkInterface", "ModifyNetworkInterfaceAttribute", "CompleteLifecycleAction CONTINUE")
	w.wantAttached(t, a, mgmtB, sg1, sg2)
	if line := w.logs.Line(t, "instance running"); line["checks"] != 4.0 || line["zone"] != zoneB {
		t.Errorf("log line %v", line)
	}
}

// 6. The attach fails: the interface is deleted, then ABANDON.
func TestFailedAttachDeletesTheInterfaceAndAbandons(t *testing.T) {
	w := newWorld(t)
	// "You've reached the limit on the number of network interfaces that
	// you can attach to an instance" (EC2 error codes).
	w.ec2.inject("AttachNetworkInterface", fault{apiError{http.StatusBadRequest, "AttachmentLimitExceeded", "Attachment limit exceeded"}, 0})
	a := w.launching(appB, 0, metadataJSON(t, twoZones))
	w.handle(t, w.handler(), eventBridgeEvent(t, a))

	w.wantCalls(t, "DescribeInstances", "CreateNetworkInterface", "DescribeNetworkInterfaces", "DescribeNetworkInterfaces",
		"AttachNetworkInterface → AttachmentLimitExceeded",
		"DescribeNetworkInterfaces", // attached by a concurrent delivery? No: clean up.
		"DescribeNetworkInterfaces", "DeleteNetworkInterface", "CompleteLifecycleAction ABANDON")
	w.wantAbandoned(t, a)
	if created := w.ec2.created(); len(created) != 1 || !created[0].deleted {
		t.Errorf("interfaces %+v, want one, deleted", created)
	}
}

// The post's single SubnetId serves one zone only: an instance in another
// zone fails its attach, and is abandoned without a leftover interface.
func TestSingleSubnetIDInAnotherZoneAbandonsAndCleansUp(t *testing.T) {
	w := newWorld(t)
	a := w.launching(appB, 0, metadataJSON(t, asgeni.Metadata{SubnetID: mgmtA, SecurityGroups: []string{sg1}}))
	w.handle(t, w.handler(), eventBridgeEvent(t, a))

	if names := w.j.names(); !slices.Contains(names, "AttachNetworkInterface → InvalidParameterCombination") ||
		!slices.Contains(names, "DeleteNetworkInterface") {
		t.Errorf("calls %q", names)
	}
	w.wantAbandoned(t, a)
}

// 7. The interface never becomes available: the handler gives up at the
// heartbeat's end less the margin, deletes it, and completes ABANDON
// before the heartbeat runs out.
func TestInterfaceStuckPendingIsDeletedAndAbandonedBeforeTheHeartbeatEnds(t *testing.T) {
	w := newWorld(t)
	w.ec2.availableAfter = -1
	h := w.handler()
	h.Config.Heartbeat = asgeni.MinHeartbeat
	a := w.launching(appB, 0, metadataJSON(t, twoZones))
	a.Start = time.Now().Add(-h.Config.Heartbeat + h.Margin + 300*time.Millisecond) // 300 ms to work
	end := a.Start.Add(h.Config.Heartbeat)
	// A handler that ignored the heartbeat would wait for this deadline.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := h.Handle(ctx, eventBridgeEvent(t, a)); err != nil {
		t.Fatal(err)
	}

	w.wantAbandoned(t, a)
	if waits := len(w.j.of("DescribeNetworkInterfaces")); waits < 3 {
		t.Errorf("%d describes: the handler did not wait", waits)
	}
	if len(w.j.of("DeleteNetworkInterface")) != 1 || len(w.j.of("AttachNetworkInterface")) != 0 {
		t.Errorf("calls %q", w.j.names())
	}
	abandon := w.j.of("CompleteLifecycleAction")[0].At
	if abandon.Before(end.Add(-h.Margin)) || !abandon.Before(end) {
		t.Errorf("ABANDON at %s, want within the margin before the heartbeat's end %s", abandon.Format(time.StampMilli), end.Format(time.StampMilli))
	}
}

// 8. CompleteLifecycleAction throttled through every SDK attempt: the
// handler returns an error for Lambda to retry (then the dead-letter
// queue), leaving the interface attached; the retry completes it.
func TestThrottledCompletionReturnsAnErrorAndTheRetryFinishes(t *testing.T) {
	w := newWorld(t)
	w.as.inject("CompleteLifecycleAction", fault{apiError{http.StatusBadRequest, "Throttling", "Rate exceeded"}, 0})
	a := w.launching(appB, 0, metadataJSON(t, twoZones))
	h := w.handler()
	err := h.Handle(context.Background(), eventBridgeEvent(t, a))
	if err == nil || !strings.Contains(err.Error(), "Throttling") || !strings.Contains(err.Error(), a.InstanceID) {
		t.Fatalf("Handle: %v, want the throttling error naming the instance", err)
	}
	if n := len(w.j.of("CompleteLifecycleAction")); n != retry.DefaultMaxAttempts {
		t.Errorf("%d completion attempts, want the SDK's %d", n, retry.DefaultMaxAttempts)
	}
	if r := w.as.result(a.Token); r != "" || len(w.j.of("DeleteNetworkInterface")) != 0 {
		t.Errorf("action completed %q, calls %q: want it waiting, the interface kept", r, w.j.names())
	}

	w.as.inject("CompleteLifecycleAction", fault{apiError{http.StatusBadRequest, "Throttling", "Rate exceeded"}, 1}) // then it passes
	w.handle(t, h, eventBridgeEvent(t, a))
	w.wantAttached(t, a, mgmtB, sg1, sg2)
}

// DeleteOnTermination that cannot be set fails the invocation, not the
// launch: an abandoned instance would leave its attached interface behind.
// A retry finds it attached and sets the attribute.
func TestFailedDeleteOnTerminationReturnsAnErrorAndKeepsTheInterface(t *testing.T) {
	w := newWorld(t)
	w.ec2.inject("ModifyNetworkInterfaceAttribute", fault{apiError{http.StatusBadRequest, "UnauthorizedOperation", "not authorized"}, 1})
	a := w.launching(appB, 0, metadataJSON(t, twoZones))
	h := w.handler()
	if err := h.Handle(context.Background(), eventBridgeEvent(t, a)); err == nil || !strings.Contains(err.Error(), "DeleteOnTermination") {
		t.Fatalf("Handle: %v", err)
	}
	if r := w.as.result(a.Token); r != "" || len(w.j.of("DeleteNetworkInterface")) != 0 {
		t.Errorf("action completed %q, calls %q: want it waiting, the interface kept", r, w.j.names())
	}
	w.handle(t, h, eventBridgeEvent(t, a))
	w.wantAttached(t, a, mgmtB, sg1, sg2)
}

// 9. Metadata that cannot be used: ABANDON, and nothing created.
func TestUnusableMetadataAbandonsWithoutCreating(t *testing.T) {
	for _, c := range []struct {
		name, metadata string
		calls          []string
		logged         string
	}{
		{"the sample's text", "additional-info", []string{"DescribeNetworkInterfaces", "CompleteLifecycleAction ABANDON"},
			"notification metadata is not the expected JSON object"},
		{"no security group", `{"SubnetId":"subnet-0abcdef0","SecurityGroups":[]}`,
			[]string{"DescribeNetworkInterfaces", "CompleteLifecycleAction ABANDON"}, "SecurityGroups has 0 groups"},
		{"no subnet for the instance's zone", `{"Subnets":[{"AvailabilityZone":"us-east-1a","SubnetId":"` + mgmtA + `"}],"SecurityGroups":["` + sg1 + `"]}`,
			[]string{"DescribeInstances", "DescribeNetworkInterfaces", "CompleteLifecycleAction ABANDON"}, "no subnet for us-east-1b"},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t)
			a := w.launching(appB, 0, c.metadata)
			w.handle(t, w.handler(), eventBridgeEvent(t, a))
			w.wantCalls(t, c.calls...)
			w.wantAbandoned(t, a)
			if line := w.logs.Line(t, "abandoning the launch"); !strings.Contains(fmt.Sprint(line["error"]), c.logged) {
				t.Errorf("log line %v, want %q", line, c.logged)
			}
		})
	}
}

// The device index is taken by an interface that is not this action's:
// ABANDON, nothing created.
func TestDeviceIndexTakenByAnotherInterfaceAbandons(t *testing.T) {
	w := newWorld(t)
	a := w.launching(appB, 0, metadataJSON(t, twoZones))
	w.ec2.mu.Lock()
	w.ec2.interfaces["eni-0ther"] = &fakeInterface{id: "eni-0ther", subnet: appB, zone: zoneB, status: "in-use",
		attachment: &fakeAttachment{id: "eni-attach-0ther", instance: a.InstanceID, index: 1}}
	w.ec2.mu.Unlock()
	w.handle(t, w.handler(), eventBridgeEvent(t, a))

	w.wantCalls(t, "DescribeInstances", "DescribeNetworkInterfaces", "DescribeNetworkInterfaces", "CompleteLifecycleAction ABANDON")
	if r := w.as.result(a.Token); r != "ABANDON" {
		t.Errorf("result %q", r)
	}
}

// 10. Events that are not this hook's launches are ignored.
func TestOtherGroupsHooksAndTransitionsAreIgnored(t *testing.T) {
	for _, c := range []struct {
		name, reason string
		change       func(*Action)
	}{
		{"another group", "another group's action", func(a *Action) { a.Group = "OtherStack-Fleet" }},
		{"another hook", "another hook's action", func(a *Action) { a.Hook = "other-hook" }},
		{"a terminating instance", "not a launch", func(a *Action) { a.Transition = "autoscaling:EC2_INSTANCE_TERMINATING" }},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t)
			a := w.launching(appB, 0, metadataJSON(t, twoZones))
			c.change(&a)
			w.handle(t, w.handler(), eventBridgeEvent(t, a))
			w.handle(t, w.handler(), snsEvent(t, a))
			w.wantCalls(t)
			if line := w.logs.Line(t, "event ignored"); line["reason"] != c.reason {
				t.Errorf("log line %v, want reason %q", line, c.reason)
			}
		})
	}
}

// An event the handler cannot read is an error (Lambda retries it, then
// the dead-letter queue keeps it) that says what is wrong, and no call.
func TestUnreadableEventsAreErrors(t *testing.T) {
	w := newWorld(t)
	good := Action{Token: newToken(), Group: group, Hook: hook, InstanceID: "i-0123456789abcdef0", Transition: LaunchTransition, Start: time.Now()}
	noToken := good
	noToken.Token, noToken.InstanceID = "", "i-12"
	for _, c := range []struct {
		name, event, want string
	}{
		{"not JSON", `{"Records":`, "not a JSON object"},
		{"an array", `[]`, "not a JSON object"},
		{"neither shape", `{"detail":{}}`, "neither an SNS notification"},
		{"no SNS record", `{"Records":[]}`, "has 0 records"},
		{"an SNS message not JSON", strings.Replace(string(snsEvent(t, good)), `"Message":"{`, `"Message":"x{`, 1), "not a lifecycle notification's JSON"},
		{"another source", `{"source":"aws.ec2","detail-type":"EC2 Instance State-change Notification","detail":{}}`, `source is "aws.ec2"`},
		{"another detail-type", `{"source":"aws.autoscaling","detail-type":"EC2 Instance Launch Successful","detail":{}}`, "not a lifecycle action"},
		{"a detail not an object", `{"source":"aws.autoscaling","detail-type":"EC2 Instance-launch Lifecycle Action","detail":"x"}`, "malformed detail"},
		{"no token, a bad instance id", string(eventBridgeEvent(t, noToken)), `lacks LifecycleActionToken; ` +
			`the EventBridge event's detail has EC2InstanceId "i-12", not an instance id`},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := w.handler().Handle(context.Background(), json.RawMessage(c.event))
			if err == nil || !strings.Contains(strings.ReplaceAll(err.Error(), "\n", "; "), c.want) {
				t.Errorf("Handle: %v, want an error containing %q", err, c.want)
			}
		})
	}
	w.wantCalls(t)
}

// newHandler reads the construct's environment, and its clients reach the
// endpoints AWS_ENDPOINT_URL_EC2 and AWS_ENDPOINT_URL_AUTO_SCALING name.
func TestNewHandlerFromTheEnvironment(t *testing.T) {
	w := newWorld(t)
	env := map[string]string{
		asgeni.EnvGroupName: group, asgeni.EnvHookName: hook, asgeni.EnvOwner: owner, asgeni.EnvHeartbeat: "60",
		asgeni.EnvRetryAttempts: "1", "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
		"AWS_ENDPOINT_URL_EC2": w.ec2.URL, "AWS_ENDPOINT_URL_AUTO_SCALING": w.as.URL,
	}
	h, err := newHandler(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if want := (asgeni.Config{GroupName: group, HookName: hook, Owner: owner, Heartbeat: time.Minute, RetryAttempts: 1}); h.Config != want {
		t.Errorf("config %+v, want %+v", h.Config, want)
	}
	h.Log, h.MinDelay = slog.New(slog.NewJSONHandler(w.logs, nil)), time.Millisecond
	a := w.launching(appA, 0, metadataJSON(t, twoZones))
	w.handle(t, h, eventBridgeEvent(t, a))
	w.wantAttached(t, a, mgmtA, sg1, sg2)

	for name, want := range map[string]string{
		asgeni.EnvGroupName: "GROUP_NAME is not set", asgeni.EnvHookName: "HOOK_NAME is not set", asgeni.EnvOwner: "ENI_OWNER is not set",
		asgeni.EnvHeartbeat: `HEARTBEAT_SECONDS "" must be`, asgeni.EnvRetryAttempts: `RETRY_ATTEMPTS "" must be`,
		"AWS_REGION": "AWS_REGION not set", "AWS_ACCESS_KEY_ID": "AWS_ACCESS_KEY_ID not set",
	} {
		_, err := newHandler(func(k string) string {
			if k == name {
				return ""
			}
			return env[k]
		})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("without %s: %v, want an error containing %q", name, err, want)
		}
	}
	env[asgeni.EnvHeartbeat] = "29"
	if _, err := newHandler(func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), `HEARTBEAT_SECONDS "29"`) {
		t.Errorf("a 29 s heartbeat: %v", err)
	}
}

// The budget ends at the earlier of the heartbeat's end and the
// invocation's deadline, less the margin.
func TestBudgetEndsAtTheEarlierDeadlineLessTheMargin(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	h := &Handler{Config: asgeni.Config{Heartbeat: time.Minute}, Now: func() time.Time { return t0 }, Margin: 5 * time.Second}
	long := &Handler{Config: asgeni.Config{Heartbeat: 7 * time.Minute, RetryAttempts: 2}, Now: h.Now, Margin: h.Margin}
	// A heartbeat longer than RequiredHeartbeat: only the retry count says
	// which attempt may be the last.
	longer := &Handler{Config: asgeni.Config{Heartbeat: time.Hour, RetryAttempts: 2}, Now: h.Now, Margin: h.Margin}
	noRetry := &Handler{Config: asgeni.Config{Heartbeat: time.Hour}, Now: h.Now, Margin: h.Margin}
	deadline := func(d time.Duration) context.Context {
		ctx, cancel := context.WithDeadline(context.Background(), t0.Add(d))
		t.Cleanup(cancel)
		return ctx
	}
	for _, c := range []struct {
		name  string
		h     *Handler
		ctx   context.Context
		start time.Time
		want  time.Duration
		final bool
	}{
		{"the heartbeat's end", h, context.Background(), t0.Add(-10 * time.Second), 45 * time.Second, true},
		{"the invocation's deadline, no retry fits after it", h, deadline(20 * time.Second), t0.Add(-10 * time.Second), 15 * time.Second, true},
		{"the invocation's deadline, a retry fits after it", long, deadline(time.Minute), t0, 55 * time.Second, false},
		{"the third attempt of three", long, deadline(time.Minute), t0.Add(-5 * time.Minute), 55 * time.Second, true},
		{"a long heartbeat, the first attempt", longer, deadline(time.Minute), t0, 55 * time.Second, false},
		{"a long heartbeat, maybe the last attempt", longer, deadline(time.Minute), t0.Add(-3 * time.Minute), 55 * time.Second, true},
		{"a long heartbeat and no retry", noRetry, deadline(time.Minute), t0, 55 * time.Second, true},
		{"a start the event does not give is now", h, context.Background(), time.Time{}, 55 * time.Second, true},
		{"a start ahead of the clock is now", h, context.Background(), t0.Add(time.Hour), 55 * time.Second, true},
		{"a heartbeat over", h, context.Background(), t0.Add(-2 * time.Minute), -65 * time.Second, true},
	} {
		got, final := c.h.budget(c.ctx, Action{Start: c.start})
		if got != c.want || final != c.final {
			t.Errorf("%s: budget %s final %v, want %s %v", c.name, got, final, c.want, c.final)
		}
	}
}

// An invocation that runs out of time while a retry still fits in the
// heartbeat leaves the action to the retry: an error, no ABANDON, and the
// interface kept; the retry attaches that same interface.
func TestOutOfTimeWithARetryLeftLeavesTheActionToTheRetry(t *testing.T) {
	w := newWorld(t)
	w.ec2.availableAfter = -1 // pending until the test says otherwise
	h := w.handler()
	h.Config.Heartbeat = 10 * time.Minute
	a := w.launching(appB, 0, metadataJSON(t, twoZones))
	ctx, cancel := context.WithTimeout(context.Background(), h.Margin+200*time.Millisecond)
	defer cancel()
	if err := h.Handle(ctx, eventBridgeEvent(t, a)); err == nil || !strings.Contains(err.Error(), "out of time in this invocation") {
		t.Fatalf("Handle = %v, want an error for the retry", err)
	}
	if n := len(w.j.of("CompleteLifecycleAction")) + len(w.j.of("DeleteNetworkInterface")); n != 0 {
		t.Fatalf("the first attempt completed or deleted: %q", w.j.names())
	}
	w.ec2.mu.Lock()
	w.ec2.availableAfter = 0
	w.ec2.mu.Unlock()
	w.handle(t, h, eventBridgeEvent(t, a))
	w.wantAttached(t, a, mgmtB, sg1, sg2)
	if n := len(w.ec2.created()); n != 1 {
		t.Errorf("%d interfaces created, want 1", n)
	}
}

// With a warm pool the hook runs again as the instance leaves the pool,
// with a new token; the interface the construct attached on the way in is
// kept, and the action completes CONTINUE.
func TestAnInstanceLeavingAWarmPoolKeepsItsInterface(t *testing.T) {
	w := newWorld(t)
	a := w.launching(appB, 0, metadataJSON(t, twoZones))
	w.ec2.mu.Lock()
	w.ec2.interfaces["eni-0warm"] = &fakeInterface{id: "eni-0warm", subnet: mgmtB, zone: zoneB, status: "in-use",
		tags:       [][2]string{{asgeni.OwnerTagKey, owner}, {asgeni.ActionTagKey, newToken()}},
		attachment: &fakeAttachment{id: "eni-attach-0warm", instance: a.InstanceID, index: 1}}
	w.ec2.mu.Unlock()
	w.handle(t, w.handler(), eventBridgeEvent(t, a))

	w.wantCalls(t, "DescribeInstances", "DescribeNetworkInterfaces", "ModifyNetworkInterfaceAttribute", "CompleteLifecycleAction CONTINUE")
}

// An action whose heartbeat is over is abandoned at once.
func TestActionWithNoTimeLeftIsAbandonedAtOnce(t *testing.T) {
	w := newWorld(t)
	a := w.launching(appB, 0, metadataJSON(t, twoZones))
	a.Start = time.Now().Add(-2 * heartbeat)
	w.handle(t, w.handler(), eventBridgeEvent(t, a))
	w.wantCalls(t, "DescribeNetworkInterfaces", "CompleteLifecycleAction ABANDON")
}

// A late delivery of an action that succeeded (its heartbeat over, so it
// abandons) keeps the attached interface: cleanup deletes nothing
// attached, and does not even try.
func TestLateDeliveryAfterSuccessKeepsTheAttachedInterface(t *testing.T) {
	w := newWorld(t)
	a := w.launching(appB, 0, metadataJSON(t, twoZones))
	h := w.handler()
	w.handle(t, h, eventBridgeEvent(t, a))
	first := len(w.j.all())
	a.Start = time.Now().Add(-2 * heartbeat)
	w.handle(t, h, eventBridgeEvent(t, a))

	if late := w.j.names()[first:]; !slices.Equal(late, []string{"DescribeNetworkInterfaces", "CompleteLifecycleAction ABANDON → ValidationError"}) {
		t.Errorf("late delivery's calls %q", late)
	}
	w.wantAttached(t, a, mgmtB, sg1, sg2)
	w.logs.Line(t, "interface kept: attached")
	// It gave up, but abandoned nothing: the alarm's metric does not count it.
	w.logs.Line(t, "giving up on the launch")
	if strings.Contains(w.logs.String(), `"msg":"`+asgeni.AbandonMessage+`"`) {
		t.Errorf("a late delivery that abandoned nothing logged %q:\n%s", asgeni.AbandonMessage, w.logs.String())
	}
}

func TestClientTokenIsStableShortASCIIAndPerAction(t *testing.T) {
	a, b := clientToken("71514b9d-6a40-4b26-8523-05e7ee35fa40"), clientToken("71514b9d-6a40-4b26-8523-05e7ee35fa41")
	if a != clientToken("71514b9d-6a40-4b26-8523-05e7ee35fa40") || a == b {
		t.Errorf("tokens %q and %q", a, b)
	}
	for _, tok := range []string{a, b, clientToken(strings.Repeat("é", 1000))} {
		if len(tok) > 64 || strings.ContainsFunc(tok, func(r rune) bool { return r > 127 }) {
			t.Errorf("token %q is not at most 64 ASCII characters", tok)
		}
	}
}

// BenchmarkLaunch is one whole launch against the fakes: about ten HTTP
// calls through the SDK.
func BenchmarkLaunch(b *testing.B) {
	w := newWorld(b)
	w.ec2.availableAfter = 0
	h := w.handler()
	h.Log = slog.New(slog.DiscardHandler)
	md := metadataJSON(b, twoZones)
	for b.Loop() {
		a := w.launching(appB, 0, md)
		if err := h.Handle(context.Background(), eventBridgeEvent(b, a)); err != nil {
			b.Fatal(err)
		}
	}
}
