package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// What the lifecycle events say (Amazon EC2 Auto Scaling user guide,
// "Amazon EC2 Auto Scaling event reference", lifecycle action events; and
// "Configure a notification target for lifecycle notifications").
const (
	// LaunchTransition is the only transition the handler acts on.
	LaunchTransition = "autoscaling:EC2_INSTANCE_LAUNCHING"
	// TestNotification is the Event of the message Auto Scaling sends a
	// notification target when a hook is put: "Test messages contain the
	// following additional key-value pair: "Event":
	// "autoscaling:TEST_NOTIFICATION"" (Amazon EC2 Auto Scaling API
	// Reference, PutLifecycleHook, NotificationTargetARN). It carries no
	// action token.
	TestNotification = "autoscaling:TEST_NOTIFICATION"

	eventSource         = "aws.autoscaling"
	launchDetailType    = "EC2 Instance-launch Lifecycle Action"
	terminateDetailType = "EC2 Instance-terminate Lifecycle Action"
)

// Action is one lifecycle action, whichever event shape brought it.
type Action struct {
	Token      string // LifecycleActionToken
	Group      string // AutoScalingGroupName
	Hook       string // LifecycleHookName
	InstanceID string // EC2InstanceId
	Transition string // LifecycleTransition
	Metadata   string // NotificationMetadata, as the hook holds it
	// Origin and Destination say where the instance comes from and goes
	// to (EC2, AutoScalingGroup or WarmPool) when Auto Scaling knows.
	Origin, Destination string
	// Start is when the action began, and so when its heartbeat started:
	// the EventBridge event's time, or the SNS message's Time. Zero when
	// the event does not say.
	Start time.Time
	// Test marks the test notification, which is not an action.
	Test bool
}

// lifecycleMessage is the body of a lifecycle action: an EventBridge
// event's detail, or the JSON message of an SNS notification, which adds
// Service, Time, AccountId and RequestId, and Event in the test
// notification. No aws-lambda-go type has these fields
// (events.AutoScalingEvent leaves its detail a map).
type lifecycleMessage struct {
	LifecycleActionToken string `json:"LifecycleActionToken"`
	AutoScalingGroupName string `json:"AutoScalingGroupName"`
	LifecycleHookName    string `json:"LifecycleHookName"`
	EC2InstanceID        string `json:"EC2InstanceId"`
	LifecycleTransition  string `json:"LifecycleTransition"`
	NotificationMetadata string `json:"NotificationMetadata"`
	Origin               string `json:"Origin"`
	Destination          string `json:"Destination"`
	Event                string `json:"Event"`
	Time                 string `json:"Time"`
}

// tokenLength is a lifecycle action token's length: "Minimum length of 36.
// Maximum length of 36." (Amazon EC2 Auto Scaling API Reference,
// CompleteLifecycleAction, LifecycleActionToken). An action with another
// could never be completed.
const tokenLength = 36

// instanceIDPattern is an EC2 instance id: "i-" and 8 or 17 hex digits.
var instanceIDPattern = regexp.MustCompile(`^i-[0-9a-f]{8,17}$`)

// ParseEvent reads a lifecycle action from an EventBridge event (source
// aws.autoscaling, detail-type "EC2 Instance-launch Lifecycle Action" or
// "EC2 Instance-terminate Lifecycle Action") or from an SNS notification
// whose message is the action's JSON (the post's wiring). The test
// notification parses with Test set. Anything else, or an action without
// its token, group, hook or instance, is an error that says what is wrong.
func ParseEvent(raw []byte) (Action, error) {
	var shape struct {
		Records json.RawMessage `json:"Records"`
		Source  *string         `json:"source"`
	}
	if err := json.Unmarshal(raw, &shape); err != nil {
		return Action{}, fmt.Errorf("the event is not a JSON object: %w", err)
	}
	switch {
	case shape.Records != nil:
		return parseSNS(raw)
	case shape.Source != nil:
		return parseEventBridge(raw)
	}
	return Action{}, errors.New("the event is neither an SNS notification (no Records) nor an EventBridge event (no source)")
}

func parseEventBridge(raw []byte) (Action, error) {
	var e events.EventBridgeEvent
	if err := json.Unmarshal(raw, &e); err != nil {
		return Action{}, fmt.Errorf("the EventBridge event is malformed: %w", err)
	}
	if e.Source != eventSource {
		return Action{}, fmt.Errorf("the EventBridge event's source is %.64q, not %s", e.Source, eventSource)
	}
	if e.DetailType != launchDetailType && e.DetailType != terminateDetailType {
		return Action{}, fmt.Errorf("the EventBridge event's detail-type %.64q is not a lifecycle action", e.DetailType)
	}
	var m lifecycleMessage
	if err := json.Unmarshal(e.Detail, &m); err != nil {
		return Action{}, fmt.Errorf("the EventBridge event %.64q has a malformed detail: %w", e.ID, err)
	}
	a := m.action()
	a.Start = e.Time
	return a, a.check("the EventBridge event's detail")
}

func parseSNS(raw []byte) (Action, error) {
	var e events.SNSEvent
	if err := json.Unmarshal(raw, &e); err != nil {
		return Action{}, fmt.Errorf("the SNS event is malformed: %w", err)
	}
	// A notification invokes the function with its one message (the SNS
	// example event of the Lambda developer guide has one record); several
	// would be several actions, and one error would retry them all.
	if len(e.Records) != 1 {
		return Action{}, fmt.Errorf("the SNS event has %d records, not 1", len(e.Records))
	}
	n := e.Records[0].SNS
	var m lifecycleMessage
	if err := json.Unmarshal([]byte(n.Message), &m); err != nil {
		return Action{}, fmt.Errorf("SNS message %.64q is not a lifecycle notification's JSON: %w", n.MessageID, err)
	}
	a := m.action()
	a.Start = n.Timestamp // when SNS accepted it: an upper bound of the action's start
	if m.Time != "" {
		t, err := time.Parse(time.RFC3339Nano, m.Time)
		if err != nil {
			return Action{}, fmt.Errorf("SNS message %.64q has a malformed Time: %w", n.MessageID, err)
		}
		a.Start = t
	}
	return a, a.check(fmt.Sprintf("SNS message %.64q", n.MessageID))
}

func (m lifecycleMessage) action() Action {
	return Action{
		Token: m.LifecycleActionToken, Group: m.AutoScalingGroupName, Hook: m.LifecycleHookName,
		InstanceID: m.EC2InstanceID, Transition: m.LifecycleTransition, Metadata: m.NotificationMetadata,
		Origin: m.Origin, Destination: m.Destination, Test: m.Event == TestNotification,
	}
}

// check refuses an action the handler could neither act on nor complete;
// where names the event part it came from.
func (a Action) check(where string) error {
	if a.Test {
		return nil
	}
	var missing []string
	for _, f := range []struct{ name, value string }{
		{"LifecycleActionToken", a.Token}, {"AutoScalingGroupName", a.Group}, {"LifecycleHookName", a.Hook}, {"EC2InstanceId", a.InstanceID},
	} {
		if f.value == "" {
			missing = append(missing, f.name)
		}
	}
	var errs []error
	if len(missing) > 0 {
		errs = append(errs, fmt.Errorf("%s lacks %s", where, strings.Join(missing, ", ")))
	}
	if a.Token != "" && len(a.Token) != tokenLength {
		errs = append(errs, fmt.Errorf("%s has LifecycleActionToken %.64q, not %d characters long", where, a.Token, tokenLength))
	}
	if a.InstanceID != "" && !instanceIDPattern.MatchString(a.InstanceID) {
		errs = append(errs, fmt.Errorf("%s has EC2InstanceId %.64q, not an instance id", where, a.InstanceID))
	}
	return errors.Join(errs...)
}
