// Package main is the handler of the asgeni construct, from "Using AWS
// Lambda with Auto Scaling Lifecycle Hooks": for each instance an Auto
// Scaling group launches, a launch lifecycle hook invokes it (through
// EventBridge, or the post's SNS topic), and it creates a network interface
// in the management subnet of the instance's Availability Zone, attaches it
// at the metadata's device index, sets DeleteOnTermination, and completes
// the action with CONTINUE, or cleans up and completes ABANDON.
//
// Unlike the post, it stops after abandoning, bounds every wait by the
// heartbeat and the invocation's deadline, ignores the test notification,
// other groups, hooks and transitions, serves every zone of the group,
// waits for the instance to be running before attaching, creates the
// interface idempotently (a client token derived from the action's
// token), deletes what it created when it fails, and is safe when the same
// action is delivered twice, in turn or at once.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"github.com/blueprints-cdk/blueprints/internal/asgeni"
	"github.com/blueprints-cdk/blueprints/internal/lambdamain"
)

// Defaults of the Handler's timing fields.
const (
	// DefaultMargin is kept back before the deadline for the cleanup and
	// the completion: a describe, a delete and a CompleteLifecycleAction.
	DefaultMargin = 5 * time.Second
	// DefaultMinDelay and DefaultMaxDelay bound the waits' backoff. The
	// SDK waiters' own defaults (15 s and 20 s first delays for
	// InstanceRunning and NetworkInterfaceAvailable) would spend most of a
	// short heartbeat asleep.
	DefaultMinDelay = time.Second
	DefaultMaxDelay = 5 * time.Second
)

// EC2API is the part of the EC2 API the handler uses; an *ec2.Client is one.
type EC2API interface {
	DescribeInstances(ctx context.Context, in *ec2.DescribeInstancesInput, opts ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error)
	CreateNetworkInterface(ctx context.Context, in *ec2.CreateNetworkInterfaceInput,
		opts ...func(*ec2.Options)) (*ec2.CreateNetworkInterfaceOutput, error)
	DescribeNetworkInterfaces(ctx context.Context, in *ec2.DescribeNetworkInterfacesInput,
		opts ...func(*ec2.Options)) (*ec2.DescribeNetworkInterfacesOutput, error)
	AttachNetworkInterface(ctx context.Context, in *ec2.AttachNetworkInterfaceInput,
		opts ...func(*ec2.Options)) (*ec2.AttachNetworkInterfaceOutput, error)
	ModifyNetworkInterfaceAttribute(ctx context.Context, in *ec2.ModifyNetworkInterfaceAttributeInput,
		opts ...func(*ec2.Options)) (*ec2.ModifyNetworkInterfaceAttributeOutput, error)
	DeleteNetworkInterface(ctx context.Context, in *ec2.DeleteNetworkInterfaceInput,
		opts ...func(*ec2.Options)) (*ec2.DeleteNetworkInterfaceOutput, error)
}

// AutoScalingAPI is the part of the Auto Scaling API the handler uses; an
// *autoscaling.Client is one.
type AutoScalingAPI interface {
	CompleteLifecycleAction(ctx context.Context, in *autoscaling.CompleteLifecycleActionInput,
		opts ...func(*autoscaling.Options)) (*autoscaling.CompleteLifecycleActionOutput, error)
}

// Handler serves the launch lifecycle actions of one group's hook
// (Config.GroupName, Config.HookName).
type Handler struct {
	Config      asgeni.Config
	EC2         EC2API
	AutoScaling AutoScalingAPI
	Log         *slog.Logger
	// Now is the clock the heartbeat is measured on; nil means time.Now.
	Now func() time.Time
	// Margin is kept back before the deadline for cleaning up and
	// completing; 0 means DefaultMargin.
	Margin time.Duration
	// MinDelay and MaxDelay bound the backoff between two checks of a
	// wait; 0 means DefaultMinDelay and DefaultMaxDelay.
	MinDelay, MaxDelay time.Duration
}

// newHandler builds the handler from the environment the construct set,
// through the contract package, with SDK clients for Lambda's region and
// credentials; AWS_ENDPOINT_URL_EC2 and AWS_ENDPOINT_URL_AUTO_SCALING (the
// SDK service ids "EC2" and "Auto Scaling"), or AWS_ENDPOINT_URL, point
// them elsewhere for a local run. A bad configuration is an error naming
// every bad variable.
func newHandler(getenv func(string) string) (*Handler, error) {
	cfg, err := asgeni.FromEnv(getenv)
	awsCfg, awsErr := lambdamain.AWSConfig(getenv)
	if err := errors.Join(err, awsErr); err != nil {
		return nil, err
	}
	ec2Endpoint, asEndpoint := lambdamain.Endpoint(getenv, "EC2"), lambdamain.Endpoint(getenv, "AUTO_SCALING")
	return &Handler{
		Config:      cfg,
		EC2:         ec2.NewFromConfig(awsCfg, func(o *ec2.Options) { o.BaseEndpoint = ec2Endpoint }),
		AutoScaling: autoscaling.NewFromConfig(awsCfg, func(o *autoscaling.Options) { o.BaseEndpoint = asEndpoint }),
		Log:         lambdamain.Logger(os.Stdout),
		Now:         time.Now,
	}, nil
}

// Handle serves one event. It returns nil once the action is completed
// (CONTINUE or ABANDON) or the event is one to ignore, and an error when
// the event cannot be read or the action could not be completed, so that
// Lambda's asynchronous retries, and then the dead-letter queue, keep it.
func (h *Handler) Handle(ctx context.Context, event json.RawMessage) error {
	a, err := ParseEvent(event)
	if err != nil {
		h.log().ErrorContext(ctx, "event refused", "error", err.Error(), "bytes", len(event))
		return err
	}
	log := h.log().With("instance", a.InstanceID, "group", a.Group, "hook", a.Hook, "token", a.Token)
	if reason := h.ignored(a); reason != "" {
		log.InfoContext(ctx, "event ignored", "reason", reason, "transition", a.Transition)
		return nil
	}
	return h.launch(ctx, log, a)
}

// ignored says why the handler leaves an action alone, or "".
func (h *Handler) ignored(a Action) string {
	switch {
	case a.Test:
		return "test notification"
	case a.Group != h.Config.GroupName:
		return "another group's action"
	case a.Hook != h.Config.HookName:
		return "another hook's action"
	case a.Transition != LaunchTransition:
		return "not a launch"
	}
	return ""
}

// launch gives the instance its interface and completes the action.
func (h *Handler) launch(ctx context.Context, log *slog.Logger, a Action) error {
	md, err := asgeni.ParseMetadata(a.Metadata)
	if err != nil {
		return h.abandon(ctx, log, a, fmt.Errorf("hook %s: %w", a.Hook, err))
	}
	budget, final := h.budget(ctx, a)
	log.InfoContext(ctx, "launch action", "started", a.Start, "budget", budget.String(), "final", final,
		"origin", a.Origin, "destination", a.Destination)
	if budget <= 0 && final {
		return h.abandon(ctx, log, a, errors.New("no time is left before the heartbeat"))
	}
	// Every wait, create and attach stops at the deadline; the cleanup and
	// the completion then run in the margin, under the invocation's ctx.
	wctx, cancel := context.WithTimeout(ctx, max(budget, 0))
	defer cancel()
	eni, attachment, err := h.attach(wctx, log, a, md)
	if err != nil && !final && wctx.Err() != nil {
		// The invocation ran out of time, and a retry still fits in the
		// heartbeat (constructs/asgeni.RequiredHeartbeat): leave the
		// action to it. It finds the same interface (the client token)
		// and carries on.
		log.WarnContext(ctx, "out of time in this invocation: leaving the launch to a retry", "error", err.Error())
		return fmt.Errorf("instance %s: out of time in this invocation, before the heartbeat's end: %w", a.InstanceID, err)
	}
	if err != nil {
		return h.abandon(ctx, log, a, err)
	}
	_, err = h.EC2.ModifyNetworkInterfaceAttribute(ctx, &ec2.ModifyNetworkInterfaceAttributeInput{
		NetworkInterfaceId: &eni,
		Attachment:         &types.NetworkInterfaceAttachmentChanges{AttachmentId: &attachment, DeleteOnTermination: aws.Bool(true)},
	})
	if err != nil {
		// Not ABANDON: the instance would be terminated with an attached
		// interface that outlives it. A retry finds the interface attached
		// and sets the attribute again.
		log.ErrorContext(ctx, "setting DeleteOnTermination failed", "interface", eni, "attachment", attachment, "error", err.Error())
		return fmt.Errorf("setting DeleteOnTermination on interface %s of instance %s: %w", eni, a.InstanceID, err)
	}
	log.InfoContext(ctx, "DeleteOnTermination set", "interface", eni, "attachment", attachment)
	_, err = h.complete(ctx, log, a, "CONTINUE")
	return err
}

// attach returns this action's interface attached to the instance: one an
// earlier delivery attached, or a new one. ctx bounds it.
func (h *Handler) attach(ctx context.Context, log *slog.Logger, a Action, md asgeni.Metadata) (eni, attachment string, err error) {
	inst, err := h.waitRunning(ctx, log, a.InstanceID)
	if err != nil {
		return "", "", err
	}
	index := md.Index()
	if ni := interfaceAt(inst, index); ni != nil {
		eni, attachment = aws.ToString(ni.NetworkInterfaceId), aws.ToString(ni.Attachment.AttachmentId)
		taken, err := h.describeInterface(ctx, eni)
		if err != nil {
			return "", "", err
		}
		// This action's (an earlier delivery), or an earlier action's of
		// this construct on the same instance: with a warm pool, the launch
		// hook runs as the instance enters the pool and again as it leaves
		// it, and a stopped instance keeps its interfaces (Amazon EC2 Auto
		// Scaling User Guide, "Use lifecycle hooks with a warm pool").
		if !hasTag(taken.TagSet, asgeni.OwnerTagKey, h.Config.Owner) {
			return "", "", fmt.Errorf("instance %s already has interface %s, not this construct's, at device index %d", a.InstanceID, eni, index)
		}
		log.InfoContext(ctx, "interface already attached", "interface", eni, "attachment", attachment,
			"sameAction", hasTag(taken.TagSet, asgeni.ActionTagKey, a.Token))
		return eni, attachment, nil
	}
	zone := zoneOf(inst)
	subnet, ok := md.SubnetFor(zone)
	if !ok {
		return "", "", fmt.Errorf("hook %s: notification metadata has no subnet for %s, the zone of instance %s", a.Hook, zone, a.InstanceID)
	}
	if eni, err = h.create(ctx, log, a, md, subnet); err != nil {
		return "", "", err
	}
	ni, err := h.waitAvailable(ctx, log, eni, a.InstanceID)
	if err != nil {
		return "", "", err
	}
	if attachedTo(ni, a.InstanceID) {
		log.InfoContext(ctx, "interface attached by a concurrent delivery", "interface", eni, "attachment", aws.ToString(ni.Attachment.AttachmentId))
		return eni, aws.ToString(ni.Attachment.AttachmentId), nil
	}
	out, err := h.EC2.AttachNetworkInterface(ctx, &ec2.AttachNetworkInterfaceInput{
		NetworkInterfaceId: &eni, InstanceId: &a.InstanceID, DeviceIndex: &index,
	})
	if err != nil {
		// A concurrent delivery of the same action may have attached the
		// same interface (same client token) first.
		if ni, derr := h.describeInterface(ctx, eni); derr == nil && attachedTo(ni, a.InstanceID) {
			log.InfoContext(ctx, "interface attached by a concurrent delivery", "interface", eni, "attachment", aws.ToString(ni.Attachment.AttachmentId))
			return eni, aws.ToString(ni.Attachment.AttachmentId), nil
		}
		return "", "", fmt.Errorf("attaching interface %s to instance %s at device index %d: %w", eni, a.InstanceID, index, err)
	}
	attachment = aws.ToString(out.AttachmentId)
	log.InfoContext(ctx, "interface attached", "interface", eni, "attachment", attachment, "deviceIndex", index)
	return eni, attachment, nil
}

// waitRunning waits until the instance is running, and returns it. The
// user guide names three attach moments, "when it's running (hot attach),
// when it's stopped (warm attach), or when the instance is being launched
// (cold attach)" (Amazon EC2 user guide, "Elastic network interfaces");
// an instance in Pending:Wait is past its launch and not yet running, so
// the handler attaches once it runs. That an attach to a pending instance
// fails is undocumented; the fake models it as IncorrectInstanceState.
func (h *Handler) waitRunning(ctx context.Context, log *slog.Logger, id string) (types.Instance, error) {
	var inst types.Instance
	checks, err := h.poll(ctx, func() (bool, error) {
		out, err := h.EC2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
		if errorCode(err) == "InvalidInstanceID.NotFound" {
			// "Eventual consistency in the Amazon EC2 API": a new
			// resource may not be described yet.
			return false, nil
		}
		if err != nil {
			return false, err
		}
		found := false
		for _, r := range out.Reservations {
			for _, i := range r.Instances {
				if aws.ToString(i.InstanceId) == id {
					inst, found = i, true
				}
			}
		}
		if !found || inst.State == nil {
			return false, nil
		}
		switch inst.State.Name {
		case types.InstanceStateNameRunning:
			return true, nil
		case types.InstanceStateNamePending:
			return false, nil
		}
		return false, fmt.Errorf("instance %s is %s", id, inst.State.Name)
	})
	if err != nil {
		return types.Instance{}, fmt.Errorf("waiting for instance %s to be running: %w", id, err)
	}
	log.InfoContext(ctx, "instance running", "zone", zoneOf(inst), "checks", checks)
	return inst, nil
}

// create creates this action's interface in subnet. The client token makes
// a repeated create (a retry, or a concurrent delivery) return the same
// interface: retries of a successful request "complete successfully
// without performing any further actions", though "the result might
// contain updated information, such as the current creation status"; and
// other parameters with the same token fail IdempotentParameterMismatch
// ("Ensuring idempotency in Amazon EC2 API requests"), so the description
// and tags below must not vary between deliveries.
func (h *Handler) create(ctx context.Context, log *slog.Logger, a Action, md asgeni.Metadata, subnet string) (string, error) {
	out, err := h.EC2.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{
		SubnetId:    &subnet,
		Groups:      md.SecurityGroups,
		ClientToken: aws.String(clientToken(a.Token)),
		Description: aws.String("asgeni secondary interface of " + a.InstanceID),
		TagSpecifications: []types.TagSpecification{{
			ResourceType: types.ResourceTypeNetworkInterface,
			Tags: []types.Tag{
				{Key: aws.String(asgeni.OwnerTagKey), Value: aws.String(h.Config.Owner)},
				{Key: aws.String(asgeni.ActionTagKey), Value: aws.String(a.Token)},
			},
		}},
	})
	if err != nil {
		// InsufficientFreeAddressesInSubnet among others: nothing was
		// created, and the launch is abandoned.
		return "", fmt.Errorf("creating an interface in subnet %s for instance %s: %w", subnet, a.InstanceID, err)
	}
	if out.NetworkInterface == nil || aws.ToString(out.NetworkInterface.NetworkInterfaceId) == "" {
		return "", fmt.Errorf("creating an interface in subnet %s for instance %s: the answer names no interface", subnet, a.InstanceID)
	}
	id := aws.ToString(out.NetworkInterface.NetworkInterfaceId)
	log.InfoContext(ctx, "interface created", "interface", id, "subnet", subnet, "securityGroups", md.SecurityGroups)
	return id, nil
}

// waitAvailable waits until the interface can be attached (available), or
// is attached to the instance already (by a concurrent delivery), and
// returns it.
func (h *Handler) waitAvailable(ctx context.Context, log *slog.Logger, eni, instance string) (types.NetworkInterface, error) {
	var ni types.NetworkInterface
	checks, err := h.poll(ctx, func() (bool, error) {
		var err error
		ni, err = h.describeInterface(ctx, eni)
		switch {
		case errorCode(err) == "InvalidNetworkInterfaceID.NotFound":
			return false, nil // eventual consistency, as for the instance
		case err != nil:
			return false, err
		case ni.Status == types.NetworkInterfaceStatusAvailable, attachedTo(ni, instance):
			return true, nil
		case ni.Attachment != nil:
			return false, fmt.Errorf("interface %s is attached to instance %s", eni, aws.ToString(ni.Attachment.InstanceId))
		}
		return false, nil // pending: "Status": "pending" is what a create answers (AWS CLI reference, ec2 create-network-interface, example)
	})
	if err != nil {
		return types.NetworkInterface{}, fmt.Errorf("waiting for interface %s to be available: %w", eni, err)
	}
	log.InfoContext(ctx, "interface ready", "interface", eni, "status", ni.Status, "checks", checks)
	return ni, nil
}

// abandon cleans up and completes the action with ABANDON, whatever went
// wrong (cause). Its error (the cleanup's or the completion's) makes
// Lambda retry the event; a retry finds the instance terminating, and
// cleans up again.
func (h *Handler) abandon(ctx context.Context, log *slog.Logger, a Action, cause error) error {
	log.WarnContext(ctx, "giving up on the launch", "error", cause.Error())
	cleanupErr := h.cleanup(ctx, log, a)
	if cleanupErr != nil {
		log.ErrorContext(ctx, "cleanup failed", "error", cleanupErr.Error())
	}
	completed, err := h.complete(ctx, log, a, "ABANDON")
	if completed {
		// The line the construct's AbandonedLaunches metric counts: only
		// when this call abandoned the launch, not when a duplicate
		// delivery finds the action already completed.
		log.WarnContext(ctx, asgeni.AbandonMessage, "error", cause.Error())
	}
	return errors.Join(cleanupErr, err)
}

// cleanup deletes this action's interfaces that are seen unattached. It
// looks them up by their action tag rather than by an id it remembers, so
// that it also deletes what an earlier, crashed delivery created. It never
// deletes an interface with an attachment, so a concurrent delivery that
// attached the shared interface keeps it.
func (h *Handler) cleanup(ctx context.Context, log *slog.Logger, a Action) error {
	// One action's interfaces are one page: no pagination.
	out, err := h.EC2.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{
		Filters: []types.Filter{{Name: aws.String("tag:" + asgeni.ActionTagKey), Values: []string{a.Token}}},
	})
	if err != nil {
		return fmt.Errorf("looking up the interfaces of action %s: %w", a.Token, err)
	}
	var errs []error
	for _, ni := range out.NetworkInterfaces {
		id := aws.ToString(ni.NetworkInterfaceId)
		if !hasTag(ni.TagSet, asgeni.ActionTagKey, a.Token) {
			continue // the filter is EC2's; the rule is ours
		}
		if !unattached(ni) {
			log.InfoContext(ctx, "interface kept: attached", "interface", id, "status", ni.Status)
			continue
		}
		_, err := h.EC2.DeleteNetworkInterface(ctx, &ec2.DeleteNetworkInterfaceInput{NetworkInterfaceId: &id})
		switch code := errorCode(err); {
		case err == nil:
			log.InfoContext(ctx, "interface deleted", "interface", id)
		case code == "InvalidNetworkInterface.InUse":
			// Attached since it was described: a concurrent delivery's.
			log.InfoContext(ctx, "interface kept: attached since described", "interface", id)
		case code == "InvalidNetworkInterfaceID.NotFound":
			log.InfoContext(ctx, "interface already deleted", "interface", id)
		default:
			errs = append(errs, fmt.Errorf("deleting interface %s: %w", id, err))
		}
	}
	return errors.Join(errs...)
}

// complete completes the action with result (CONTINUE or ABANDON), and
// says whether this call did. An action no longer active counts as
// completed, by someone else: a concurrent or earlier
// delivery completed it, or its heartbeat ran out and Auto Scaling took
// the hook's default result. Auto Scaling then answers ValidationError "No
// active Lifecycle Action found with token …" (observed, not in the API
// reference: for example spacelift-io/terraform-aws-spacelift-workerpool-
// on-ec2 pull request 197 quotes it).
func (h *Handler) complete(ctx context.Context, log *slog.Logger, a Action, result string) (completed bool, err error) {
	_, err = h.AutoScaling.CompleteLifecycleAction(ctx, &autoscaling.CompleteLifecycleActionInput{
		AutoScalingGroupName: &a.Group, LifecycleHookName: &a.Hook, LifecycleActionToken: &a.Token,
		InstanceId: &a.InstanceID, LifecycleActionResult: &result,
	})
	switch {
	case err == nil:
		log.InfoContext(ctx, "lifecycle action completed", "result", result)
		return true, nil
	case noActiveAction(err):
		log.InfoContext(ctx, "lifecycle action was no longer active", "result", result, "error", err.Error())
		return false, nil
	default:
		log.ErrorContext(ctx, "completing the lifecycle action failed", "result", result, "error", err.Error())
		return false, fmt.Errorf("completing the lifecycle action of instance %s with %s: %w", a.InstanceID, result, err)
	}
}

// budget is how long the handler may wait and work: until the earlier of
// the heartbeat's end (the action's start plus Config.Heartbeat) and the
// invocation's deadline, less the margin. final says whether this
// invocation must complete the action within it, as no retry is sure to
// come in time: when the heartbeat ends first; when Lambda makes no retry,
// or this may be its last attempt (LastAttemptAfter has passed since the
// action started); or when a retry, a minute after this invocation and as
// long, would not fit in the heartbeat. It may give up a retry early, never
// wait for one that will not come.
func (h *Handler) budget(ctx context.Context, a Action) (left time.Duration, final bool) {
	now := h.now()
	start := a.Start
	if start.IsZero() || start.After(now) {
		start = now // no start, or a clock ahead of ours
	}
	heartbeat := start.Add(h.Config.Heartbeat).Sub(now)
	if deadline, ok := ctx.Deadline(); ok {
		if invocation := deadline.Sub(now); invocation < heartbeat {
			last := h.Config.RetryAttempts == 0 || now.Sub(start) >= asgeni.LastAttemptAfter(h.Config.RetryAttempts)
			return invocation - h.margin(), last || heartbeat-invocation < time.Minute+invocation
		}
	}
	return heartbeat - h.margin(), true
}

// poll calls check until it is done or fails, waiting MinDelay after the
// first check and doubling up to MaxDelay, until ctx ends. It returns how
// many checks it made.
func (h *Handler) poll(ctx context.Context, check func() (done bool, err error)) (int, error) {
	delay := orDefault(h.MinDelay, DefaultMinDelay)
	for checks := 1; ; checks++ {
		done, err := check()
		if done || err != nil {
			return checks, err
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return checks, fmt.Errorf("gave up after %d checks: %w", checks, ctx.Err())
		case <-t.C:
		}
		delay = min(2*delay, orDefault(h.MaxDelay, DefaultMaxDelay))
	}
}

func (h *Handler) describeInterface(ctx context.Context, id string) (types.NetworkInterface, error) {
	out, err := h.EC2.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{id}})
	if err != nil {
		return types.NetworkInterface{}, fmt.Errorf("describing interface %s: %w", id, err)
	}
	for _, ni := range out.NetworkInterfaces {
		if aws.ToString(ni.NetworkInterfaceId) == id {
			return ni, nil
		}
	}
	return types.NetworkInterface{}, fmt.Errorf("interface %s was not described", id)
}

// clientToken is the CreateNetworkInterface client token of an action:
// the same for every delivery of it, and within "a unique, case-sensitive
// string of up to 64 ASCII characters" ("Ensuring idempotency in Amazon
// EC2 API requests") whatever the token.
func clientToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return "asgeni-" + hex.EncodeToString(sum[:20])
}

func zoneOf(inst types.Instance) string {
	if inst.Placement == nil {
		return ""
	}
	return aws.ToString(inst.Placement.AvailabilityZone)
}

// interfaceAt is the instance's interface attached at index, or nil.
func interfaceAt(inst types.Instance, index int32) *types.InstanceNetworkInterface {
	for i, ni := range inst.NetworkInterfaces {
		if ni.Attachment != nil && aws.ToInt32(ni.Attachment.DeviceIndex) == index {
			return &inst.NetworkInterfaces[i]
		}
	}
	return nil
}

func attachedTo(ni types.NetworkInterface, instance string) bool {
	return ni.Attachment != nil && aws.ToString(ni.Attachment.InstanceId) == instance
}

// unattached says an interface may be deleted: it has no attachment and
// is not attaching or in use. Pending (a create that never became
// available) qualifies: it is what a timed-out wait leaves.
func unattached(ni types.NetworkInterface) bool {
	return ni.Attachment == nil && (ni.Status == types.NetworkInterfaceStatusAvailable || ni.Status == "pending")
}

func hasTag(tags []types.Tag, key, value string) bool {
	for _, t := range tags {
		if aws.ToString(t.Key) == key && aws.ToString(t.Value) == value {
			return true
		}
	}
	return false
}

// errorCode is the AWS error code of err, or "".
func errorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

func noActiveAction(err error) bool {
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode() == "ValidationError" &&
		strings.Contains(strings.ToLower(apiErr.ErrorMessage()), "no active lifecycle action")
}

func (h *Handler) log() *slog.Logger {
	if h.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return h.Log
}

func (h *Handler) now() time.Time {
	if h.Now == nil {
		return time.Now()
	}
	return h.Now()
}

func (h *Handler) margin() time.Duration { return orDefault(h.Margin, DefaultMargin) }

// orDefault is v, or def when v is not positive.
func orDefault(v, def time.Duration) time.Duration {
	if v <= 0 {
		return def
	}
	return v
}
