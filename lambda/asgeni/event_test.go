package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The sample events in testdata:
//   - eventbridge-launch.json and eventbridge-terminate.json: the user
//     guide's ("Amazon EC2 Auto Scaling event reference"), with a time in
//     place of its "yyyy-mm-ddThh:mm:ssZ";
//   - sns-launch.json: the message of "Configure a notification target for
//     lifecycle notifications" (Amazon SNS), with the post's metadata and
//     names, in the Lambda SNS envelope (aws-lambda-go's sns-event.json);
//   - sns-test-notification.json: the test message, with the fields a real
//     one has (AccountId, RequestId, AutoScalingGroupARN,
//     AutoScalingGroupName, Service, Event, Time).
func readSample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSampleEventsParse(t *testing.T) {
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		file string
		want Action
	}{
		{"eventbridge-launch.json", Action{
			Token: "87654321-4321-4321-4321-210987654321", Group: "my-asg", Hook: "my-lifecycle-hook", InstanceID: "i-1234567890abcdef0",
			Transition: LaunchTransition, Metadata: "additional-info", Start: start,
		}},
		{"eventbridge-terminate.json", Action{
			Token: "87654321-4321-4321-4321-210987654321", Group: "my-asg", Hook: "my-lifecycle-hook", InstanceID: "i-1234567890abcdef0",
			Transition: "autoscaling:EC2_INSTANCE_TERMINATING", Metadata: "additional-info", Start: start,
		}},
		{"sns-launch.json", Action{
			Token: "71514b9d-6a40-4b26-8523-05e7ee35fa40", Group: "ENI-Demo-ASG", Hook: "ENI-Demo-Hook", InstanceID: "i-0598c7d356eba48d7",
			Transition: LaunchTransition, Metadata: "{\n\"SubnetId\":\"subnet-abcdef01\",\n\"SecurityGroups\":[\"sg-abcdef01\"]\n}",
			Origin: "EC2", Destination: "AutoScalingGroup", Start: start.Add(533 * time.Millisecond),
		}},
		{"sns-test-notification.json", Action{Group: "ENI-Demo-ASG", Test: true, Start: start.Add(-time.Minute + 359*time.Millisecond)}},
	} {
		got, err := ParseEvent(readSample(t, c.file))
		if err != nil || got != c.want {
			t.Errorf("%s:\n got %+v, %v\nwant %+v", c.file, got, err, c.want)
		}
	}
}

// An SNS message without Time starts when SNS took it; a malformed Time
// is an error.
func TestSNSTimeFallsBackToTheNotificationsTimestamp(t *testing.T) {
	a := Action{Token: newToken(), Group: group, Hook: hook, InstanceID: "i-0123456789abcdef0", Transition: LaunchTransition,
		Start: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	for _, c := range []struct {
		time    string
		want    time.Time
		wantErr bool
	}{
		{"", a.Start, false},
		{"2026-03-01T11:59:58.5Z", a.Start.Add(-1500 * time.Millisecond), false},
		{"yesterday", time.Time{}, true},
	} {
		m := message(a, true)
		m["Time"] = c.time
		got, err := ParseEvent(snsWith(t, m, a.Start))
		if (err != nil) != c.wantErr || (!c.wantErr && !got.Start.Equal(c.want)) {
			t.Errorf("Time %q: %+v, %v", c.time, got, err)
		}
	}
}

// FuzzParseEvent feeds untrusted events to ParseEvent: it never panics,
// and an event it accepts has its key fields, which survive a round trip
// through both shapes.
func FuzzParseEvent(f *testing.F) {
	for _, name := range []string{"eventbridge-launch.json", "eventbridge-terminate.json", "sns-launch.json", "sns-test-notification.json"} {
		f.Add(readSample(f, name))
	}
	a := Action{Token: newToken(), Group: group, Hook: hook, InstanceID: "i-0123456789abcdef0", Transition: LaunchTransition,
		Metadata: `{"SubnetId":"subnet-0abcdef0","SecurityGroups":["sg-0abcdef0"]}`, Start: time.Now()}
	f.Add([]byte(eventBridgeEvent(f, a)))
	f.Add([]byte(snsEvent(f, a)))
	f.Add([]byte(`{"Records":[{"Sns":{"Message":"{\"Event\":\"autoscaling:TEST_NOTIFICATION\"}"}}]}`))
	f.Fuzz(func(t *testing.T, event []byte) {
		a, err := ParseEvent(event)
		if err != nil {
			return
		}
		if !a.Test && (len(a.Token) != tokenLength || a.Group == "" || a.Hook == "" || !instanceIDPattern.MatchString(a.InstanceID)) {
			t.Fatalf("accepted an action without its key fields: %+v", a)
		}
		a.Start = time.Time{} // a time past year 9999 does not marshal
		for shape, encode := range map[string]func(testing.TB, Action) []byte{
			"EventBridge": func(t testing.TB, a Action) []byte { return eventBridgeEvent(t, a) },
			"SNS":         func(t testing.TB, a Action) []byte { return snsEvent(t, a) },
		} {
			if a.Test && shape == "EventBridge" {
				continue // the test notification goes to a notification target only
			}
			b, err := ParseEvent(encode(t, a))
			b.Start = time.Time{}
			if a.Test { // the test message has no action fields
				a = Action{Test: true, Group: a.Group}
			}
			if err != nil || b != a {
				t.Fatalf("%s round trip: %+v, %v; want %+v", shape, b, err, a)
			}
		}
	})
}

func BenchmarkParseEvent(b *testing.B) {
	for _, name := range []string{"eventbridge-launch.json", "sns-launch.json"} {
		event := readSample(b, name)
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(event)))
			for b.Loop() {
				if _, err := ParseEvent(event); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
