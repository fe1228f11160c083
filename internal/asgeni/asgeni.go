// Package asgeni is the contract between constructs/asgeni and its handler,
// lambda/asgeni: the handler's environment, the lifecycle hook's
// notification metadata, and the tags the handler puts on the network
// interfaces it creates (which the construct's IAM conditions name).
// FromEnv and ParseMetadata are called by the handler at run time and by the
// construct at synth, so a bad prop fails `cdk synth`, not a launch.
package asgeni

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The handler's environment, which the construct sets.
const (
	// EnvGroupName is the Auto Scaling group whose launches the handler
	// serves; an event of another group is ignored.
	EnvGroupName = "GROUP_NAME"
	// EnvHookName is the launch lifecycle hook; an event of another hook is
	// ignored.
	EnvHookName = "HOOK_NAME"
	// EnvOwner is the value of OwnerTagKey on every interface the handler
	// creates, and the value the construct's IAM conditions require.
	EnvOwner = "ENI_OWNER"
	// EnvHeartbeat is the hook's heartbeat timeout in whole seconds: the
	// handler finishes (CONTINUE or ABANDON) before it runs out.
	EnvHeartbeat = "HEARTBEAT_SECONDS"
	// EnvRetryAttempts is the function's asynchronous retry attempts (0
	// to 2): the handler leaves a launch to a retry only while one may
	// still come.
	EnvRetryAttempts = "RETRY_ATTEMPTS"
)

// LastAttemptAfter is the least time from an event's first attempt to its
// last, with retries retries: "If the function returns an error, by
// default Lambda attempts to run it two more times, with a one-minute wait
// between the first two attempts, and two minutes between the second and
// third attempts" (Lambda developer guide, "How Lambda handles errors and
// retries with asynchronous invocation").
func LastAttemptAfter(retries int) time.Duration {
	return []time.Duration{0, time.Minute, 3 * time.Minute}[retries]
}

// AbandonMessage is the "msg" of the handler's log line for each launch it
// abandons; the construct counts these lines into a metric and alarms on it.
const AbandonMessage = "abandoning the launch"

// Tags the handler puts on an interface when it creates it
// (CreateNetworkInterface's TagSpecifications, so the interface is never
// untagged).
const (
	// OwnerTagKey's value is EnvOwner. The role may attach, modify and
	// delete only interfaces with it, and create only interfaces tagged
	// with it.
	OwnerTagKey = "blueprints:asgeni:owner"
	// ActionTagKey's value is the lifecycle action token the interface was
	// created for. The handler deletes an interface on failure only when it
	// carries this action's token and is seen unattached.
	ActionTagKey = "blueprints:asgeni:action"
)

// Heartbeat limits (Amazon EC2 Auto Scaling API Reference, PutLifecycleHook:
// HeartbeatTimeout, "from 30 to 7200 seconds").
const (
	MinHeartbeat = 30 * time.Second
	MaxHeartbeat = 7200 * time.Second
)

// MaxMetadataLength is the longest NotificationMetadata a hook takes
// (Amazon EC2 Auto Scaling API Reference, PutLifecycleHook:
// NotificationMetadata, "Length Constraints: Minimum length of 1. Maximum
// length of 1023").
const MaxMetadataLength = 1023

// DefaultDeviceIndex is the post's device index: the instance's second
// interface (its primary is 0).
const DefaultDeviceIndex = 1

// MaxDeviceIndex bounds DeviceIndex. The true limit is the instance type's
// number of network interfaces ("Maximum IP addresses per network
// interface" in the EC2 user guide), at most 15 for the largest types
// today; an index above the type's limit fails the attach, and the handler
// then abandons the launch.
const MaxDeviceIndex = 15

// Config is the handler's configuration.
type Config struct {
	GroupName string
	HookName  string
	Owner     string
	Heartbeat time.Duration
	// RetryAttempts are Lambda's asynchronous retries of a failed event.
	RetryAttempts int
}

// FromEnv reads the configuration (getenv is os.Getenv in the handler); a
// missing or malformed variable is an error that names it.
func FromEnv(getenv func(string) string) (Config, error) {
	c := Config{GroupName: getenv(EnvGroupName), HookName: getenv(EnvHookName), Owner: getenv(EnvOwner)}
	var errs []error
	for _, v := range []struct{ name, value string }{{EnvGroupName, c.GroupName}, {EnvHookName, c.HookName}, {EnvOwner, c.Owner}} {
		if v.value == "" {
			errs = append(errs, fmt.Errorf("%s is not set", v.name))
		}
	}
	v := getenv(EnvHeartbeat)
	s, err := strconv.Atoi(v)
	// The range is checked on the seconds: a huge count overflows the
	// Duration, and could wrap into the range.
	if err != nil || s < int(MinHeartbeat/time.Second) || s > int(MaxHeartbeat/time.Second) {
		errs = append(errs, fmt.Errorf("%s %q must be a whole number of seconds from %d to %d", EnvHeartbeat, v,
			int(MinHeartbeat.Seconds()), int(MaxHeartbeat.Seconds())))
	}
	c.Heartbeat = time.Duration(s) * time.Second
	v = getenv(EnvRetryAttempts)
	if c.RetryAttempts, err = strconv.Atoi(v); err != nil || c.RetryAttempts < 0 || c.RetryAttempts > 2 {
		errs = append(errs, fmt.Errorf("%s %q must be 0, 1 or 2", EnvRetryAttempts, v))
		c.RetryAttempts = 0
	}
	return c, errors.Join(errs...)
}

// Subnet is the management subnet of one Availability Zone.
type Subnet struct {
	AvailabilityZone string `json:"AvailabilityZone"`
	SubnetID         string `json:"SubnetId"`
}

// Metadata is the hook's notification metadata: where the handler creates
// the interface and how it attaches it.
//
// The post's form, {"SubnetId":…,"SecurityGroups":[…]}, names one subnet
// for every instance, and is still read: it serves a group in one
// Availability Zone (an instance in another zone fails its attach, since an
// interface and its instance must share a zone, and is abandoned). The
// construct writes Subnets, one per zone of the group.
type Metadata struct {
	SubnetID       string   `json:"SubnetId,omitempty"`
	Subnets        []Subnet `json:"Subnets,omitempty"`
	SecurityGroups []string `json:"SecurityGroups"`
	// DeviceIndex is where the interface is attached; nil means
	// DefaultDeviceIndex.
	DeviceIndex *int32 `json:"DeviceIndex,omitempty"`
}

// resourceID and zoneName are what an id or a zone name may be here: EC2
// checks the ids themselves, and CDK's placeholders for a VPC not yet
// looked up ("s-12345", "dummy1a") must pass at synth.
var (
	resourceID = regexp.MustCompile(`^[A-Za-z0-9-]{1,64}$`)
	zoneName   = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
)

// ParseMetadata reads and checks a hook's notification metadata: exactly
// one of SubnetId and Subnets, at most one subnet per zone, 1 to 5 security
// groups (a network interface's limit: "Amazon VPC quotas", security groups
// per network interface, 5 by default), and a device index from 1 to
// MaxDeviceIndex. Each error names the field.
func ParseMetadata(s string) (Metadata, error) {
	var m Metadata
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return Metadata{}, fmt.Errorf("notification metadata is not the expected JSON object: %w", err)
	}
	// Only space may follow the object (dec.More would let a stray "}" or
	// "]" through).
	if _, err := dec.Token(); err != io.EOF {
		return Metadata{}, errors.New("notification metadata has data after its JSON object")
	}
	return m, m.Validate()
}

// Validate checks the metadata as ParseMetadata does.
func (m Metadata) Validate() error {
	var errs []error
	switch {
	case m.SubnetID == "" && len(m.Subnets) == 0:
		errs = append(errs, errors.New("notification metadata names no subnet: SubnetId or Subnets is required"))
	case m.SubnetID != "" && len(m.Subnets) > 0:
		errs = append(errs, errors.New("notification metadata has both SubnetId and Subnets: give one"))
	case m.SubnetID != "" && !resourceID.MatchString(m.SubnetID):
		errs = append(errs, fmt.Errorf("notification metadata SubnetId %q is not an id", m.SubnetID))
	}
	zones := map[string]bool{}
	for i, sn := range m.Subnets {
		if !zoneName.MatchString(sn.AvailabilityZone) {
			errs = append(errs, fmt.Errorf("notification metadata Subnets[%d].AvailabilityZone %q is not a zone name", i, sn.AvailabilityZone))
		}
		if zones[sn.AvailabilityZone] {
			errs = append(errs, fmt.Errorf("notification metadata Subnets has two subnets in %s: give one per zone", sn.AvailabilityZone))
		}
		zones[sn.AvailabilityZone] = true
		if !resourceID.MatchString(sn.SubnetID) {
			errs = append(errs, fmt.Errorf("notification metadata Subnets[%d].SubnetId %q is not an id", i, sn.SubnetID))
		}
	}
	if n := len(m.SecurityGroups); n < 1 || n > 5 {
		errs = append(errs, fmt.Errorf("notification metadata SecurityGroups has %d groups: give 1 to 5", n))
	}
	for i, sg := range m.SecurityGroups {
		if !resourceID.MatchString(sg) {
			errs = append(errs, fmt.Errorf("notification metadata SecurityGroups[%d] %q is not an id", i, sg))
		}
	}
	if m.DeviceIndex != nil && (*m.DeviceIndex < 1 || *m.DeviceIndex > MaxDeviceIndex) {
		errs = append(errs, fmt.Errorf("notification metadata DeviceIndex %d must be from 1 to %d (0 is the primary interface)", *m.DeviceIndex, MaxDeviceIndex))
	}
	return errors.Join(errs...)
}

// SubnetFor is the subnet for an instance in zone: the post's SubnetId
// whatever the zone, or the zone's entry of Subnets. ok is false when
// Subnets has no entry for the zone.
func (m Metadata) SubnetFor(zone string) (subnet string, ok bool) {
	if m.SubnetID != "" {
		return m.SubnetID, true
	}
	for _, sn := range m.Subnets {
		if sn.AvailabilityZone == zone {
			return sn.SubnetID, true
		}
	}
	return "", false
}

// Index is the device index to attach at.
func (m Metadata) Index() int32 {
	if m.DeviceIndex == nil {
		return DefaultDeviceIndex
	}
	return *m.DeviceIndex
}
