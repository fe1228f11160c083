package asgeni

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	contract "github.com/blueprints-cdk/blueprints/internal/asgeni"
	"github.com/blueprints-cdk/blueprints/internal/defaults"
	"github.com/blueprints-cdk/blueprints/internal/ptr"
)

// Trigger is how a launch reaches the handler.
type Trigger string

const (
	// EventBridgeTrigger is the default: an EventBridge rule on the group's "EC2
	// Instance-launch Lifecycle Action" events invokes the handler. The hook
	// then needs no notification target and no role.
	EventBridgeTrigger Trigger = "EventBridge"
	// SnsTrigger is the post's wiring. The hook notifies an SNS topic,
	// through a role Auto Scaling assumes, and the handler subscribes to it.
	SnsTrigger Trigger = "SNS"
)

// Props configures NewSecondaryEni. Nil fields take the default.
type Props struct {
	// Group is the Auto Scaling group whose launching instances get the
	// interface. Required.
	Group awsautoscaling.AutoScalingGroup
	// Vpc is the group's VPC: the construct finds the group's subnets, and
	// so its Availability Zones, among the VPC's, and makes the new security
	// group in it. Required.
	Vpc awsec2.IVpc
	// ManagementSubnets selects the subnets the interfaces are created in:
	// exactly one in each zone of the group, and none elsewhere (an
	// interface must be in its instance's zone). Required.
	ManagementSubnets *awsec2.SubnetSelection

	// ExistingSecurityGroups are the interfaces' security groups (1 to 5).
	// Default: SecurityGroup, a new group.
	ExistingSecurityGroups *[]awsec2.ISecurityGroup
	// SecurityGroupProps configure the new security group (Vpc is set by
	// the construct). Default: no inbound rule and no outbound rule; add the
	// management traffic you need to SecurityGroup.
	SecurityGroupProps *awsec2.SecurityGroupProps

	// DeviceIndex is where the interface is attached (1 to 15; 0 is the
	// primary interface). Default: 1.
	DeviceIndex *float64

	// Trigger is how launches reach the handler. Default: EventBridgeTrigger.
	Trigger Trigger
	// ExistingTopic is the topic the hook notifies, with SnsTrigger only.
	// Its key policy, if it is encrypted, must let the hook's role use the
	// key through IAM. Default: a new topic encrypted with a new key.
	ExistingTopic awssns.ITopic

	// Timeout of one invocation of the handler (10 seconds to 15 minutes).
	// Default: 60 seconds.
	Timeout awscdk.Duration
	// RetryAttempts of a failed invocation (0 to 2; Lambda's asynchronous
	// retries). Default: 2.
	RetryAttempts *float64
	// HeartbeatTimeout is how long the hook holds a launching instance
	// before it abandons it (whole seconds, 30 to 7200). It must cover
	// every attempt the handler may make (RequiredHeartbeat). Default:
	// RequiredHeartbeat.
	HeartbeatTimeout awscdk.Duration

	// ExistingAlarmTopic receives the dead-letter alarms. Its policies must
	// let cloudwatch.amazonaws.com publish. Default: a new topic encrypted
	// with a new customer-managed key.
	ExistingAlarmTopic awssns.ITopic
	// RemovalPolicy of the keys the construct creates. Default: RETAIN.
	RemovalPolicy *awscdk.RemovalPolicy
}

// Defaults.
const (
	DefaultTimeout       = 60 * time.Second
	DefaultRetryAttempts = 2
)

// QueueAllowance is the time RequiredHeartbeat allows an event to wait in
// the function's asynchronous queue before its first attempt. Lambda
// documents no bound for it ("How Lambda handles errors and retries with
// asynchronous invocation": events may wait in the queue, for hours when
// the function is throttled); the minute here is a guess for a function
// that is not throttled. An event older than the heartbeat is not run but
// sent to FailedEvents (the function's maximum event age).
const QueueAllowance = time.Minute

// RequiredHeartbeat is the shortest heartbeat that covers every attempt
// Lambda makes on a launch event: retries+1 attempts of timeout each, the
// waits between them, and QueueAllowance. "If the function returns an
// error, by default Lambda attempts to run it two more times, with a
// one-minute wait between the first two attempts, and two minutes between
// the second and third attempts. Function errors include [...] timeouts"
// (Lambda developer guide, "How Lambda handles errors and retries with
// asynchronous invocation"). It is rounded up to a whole second.
func RequiredHeartbeat(timeout time.Duration, retries int) time.Duration {
	return (time.Duration(retries+1)*timeout + contract.LastAttemptAfter(retries) + QueueAllowance).Round(time.Second)
}

// config is Props with the defaults applied: all that the builders read.
type config struct {
	group                  awsautoscaling.AutoScalingGroup
	vpc                    awsec2.IVpc
	zones                  []zone // the group's zones, each with its management subnet
	existingSecurityGroups []awsec2.ISecurityGroup
	securityGroupProps     awsec2.SecurityGroupProps
	deviceIndex            int32
	trigger                Trigger
	existingTopic          awssns.ITopic
	timeout                time.Duration
	retries                int
	heartbeat              time.Duration
	existingAlarmTopic     awssns.ITopic
	removal                awscdk.RemovalPolicy
}

// zone is one Availability Zone of the group, and its management subnet.
type zone struct {
	name   string // a token in an environment-agnostic stack
	subnet awsec2.ISubnet
}

// resolve validates the props and applies the defaults.
func resolve(p *Props) (*config, error) {
	if p.Group == nil || p.Vpc == nil || p.ManagementSubnets == nil {
		return nil, errors.New("Props.Group, Props.Vpc and Props.ManagementSubnets are required")
	}
	if p.ExistingSecurityGroups != nil && p.SecurityGroupProps != nil {
		return nil, errors.New("Props.ExistingSecurityGroups and Props.SecurityGroupProps are mutually exclusive: pass one or neither")
	}
	c := &config{
		group: p.Group, vpc: p.Vpc, trigger: p.Trigger, existingTopic: p.ExistingTopic,
		existingAlarmTopic: p.ExistingAlarmTopic, removal: defaults.RemovalPolicy(p.RemovalPolicy),
		timeout: DefaultTimeout, retries: DefaultRetryAttempts,
	}
	if c.trigger == "" {
		c.trigger = EventBridgeTrigger
	}
	switch {
	case c.trigger != EventBridgeTrigger && c.trigger != SnsTrigger:
		return nil, fmt.Errorf("Props.Trigger %q must be EventBridgeTrigger or SnsTrigger", c.trigger)
	case c.trigger == EventBridgeTrigger && c.existingTopic != nil:
		return nil, errors.New("Props.ExistingTopic needs Props.Trigger SnsTrigger: with EventBridgeTrigger the hook notifies no topic")
	}
	if p.ExistingSecurityGroups != nil {
		c.existingSecurityGroups = *p.ExistingSecurityGroups
		if n := len(c.existingSecurityGroups); n < 1 || n > 5 {
			return nil, fmt.Errorf("Props.ExistingSecurityGroups has %d groups: give 1 to 5 (a network interface's limit)", n)
		}
	}
	if p.SecurityGroupProps != nil {
		c.securityGroupProps = *p.SecurityGroupProps
	}
	index := ptr.Or(p.DeviceIndex, contract.DefaultDeviceIndex)
	if index < 1 || index > contract.MaxDeviceIndex || index != math.Trunc(index) {
		return nil, fmt.Errorf("Props.DeviceIndex %v must be a whole number from 1 to %d (0 is the primary interface)", index, contract.MaxDeviceIndex)
	}
	c.deviceIndex = int32(index)
	if p.Timeout != nil {
		c.timeout = time.Duration(*p.Timeout.ToMilliseconds(nil)) * time.Millisecond
		if c.timeout < 10*time.Second || c.timeout > 15*time.Minute || c.timeout%time.Second != 0 {
			return nil, fmt.Errorf("Props.Timeout %s must be whole seconds from 10s to 15m", c.timeout)
		}
	}
	if p.RetryAttempts != nil {
		r := *p.RetryAttempts
		if r < 0 || r > 2 || r != math.Trunc(r) {
			return nil, fmt.Errorf("Props.RetryAttempts %v must be 0, 1 or 2 (Lambda's asynchronous retries)", r)
		}
		c.retries = int(r)
	}
	required := RequiredHeartbeat(c.timeout, c.retries)
	c.heartbeat = required
	if p.HeartbeatTimeout != nil {
		c.heartbeat = time.Duration(*p.HeartbeatTimeout.ToMilliseconds(nil)) * time.Millisecond
		if c.heartbeat%time.Second != 0 || c.heartbeat < contract.MinHeartbeat || c.heartbeat > contract.MaxHeartbeat {
			return nil, fmt.Errorf("Props.HeartbeatTimeout %s must be whole seconds from %s to %s", c.heartbeat, contract.MinHeartbeat, contract.MaxHeartbeat)
		}
		if c.heartbeat < required {
			return nil, fmt.Errorf("Props.HeartbeatTimeout %s is shorter than the %s that %d attempts of Props.Timeout %s need, "+
				"with Lambda's waits between them: raise it, or lower Props.Timeout or Props.RetryAttempts", c.heartbeat, required, c.retries+1, c.timeout)
		}
	}
	if c.heartbeat > contract.MaxHeartbeat {
		return nil, fmt.Errorf("%d attempts of Props.Timeout %s need a heartbeat of %s, above the hook's %s: lower Props.Timeout or Props.RetryAttempts",
			c.retries+1, c.timeout, c.heartbeat, contract.MaxHeartbeat)
	}
	zones, err := groupZones(p.Group, p.Vpc, p.ManagementSubnets)
	if err != nil {
		return nil, err
	}
	c.zones = zones
	return c, nil
}

// groupZones pairs each zone of the group with its one management subnet.
// The group's subnets are its VPCZoneIdentifier, found among the VPC's
// subnets by id (the same token, or the same literal id of an imported VPC).
func groupZones(group awsautoscaling.AutoScalingGroup, vpc awsec2.IVpc, selection *awsec2.SubnetSelection) ([]zone, error) {
	cfn, ok := group.Node().DefaultChild().(awsautoscaling.CfnAutoScalingGroup)
	if !ok || cfn.VpcZoneIdentifier() == nil || len(*cfn.VpcZoneIdentifier()) == 0 {
		return nil, errors.New("Props.Group has no subnets (VPCZoneIdentifier): the construct needs them to know the group's zones")
	}
	all := map[string]awsec2.ISubnet{}
	for _, list := range []*[]awsec2.ISubnet{vpc.PublicSubnets(), vpc.PrivateSubnets(), vpc.IsolatedSubnets()} {
		for _, s := range *list {
			all[*s.SubnetId()] = s
		}
	}
	var zones []zone
	seen := map[string]bool{}
	for _, id := range *cfn.VpcZoneIdentifier() {
		s, ok := all[*id]
		if !ok {
			return nil, fmt.Errorf("Props.Group's subnet %s is not a subnet of Props.Vpc", *id)
		}
		if az := *s.AvailabilityZone(); !seen[az] {
			seen[az] = true
			zones = append(zones, zone{name: az})
		}
	}
	managed := vpc.SelectSubnets(selection).Subnets
	for _, s := range *managed {
		i := indexOfZone(zones, *s.AvailabilityZone())
		switch {
		case i < 0:
			return nil, fmt.Errorf("Props.ManagementSubnets has %s in a zone where Props.Group has no subnet: select one subnet per zone of the group", describe(s))
		case zones[i].subnet != nil:
			return nil, fmt.Errorf("Props.ManagementSubnets has two subnets in one zone (%s and %s): select one per zone of the group",
				describe(zones[i].subnet), describe(s))
		}
		zones[i].subnet = s
	}
	for _, z := range zones {
		if z.subnet == nil {
			return nil, fmt.Errorf("Props.ManagementSubnets has no subnet in %s, a zone of Props.Group: select one subnet per zone of the group", zoneName(z.name))
		}
	}
	return zones, nil
}

func indexOfZone(zones []zone, name string) int {
	for i, z := range zones {
		if z.name == name {
			return i
		}
	}
	return -1
}

// describe names a subnet in an error: its construct path, and its zone
// when that is known at synth.
func describe(s awsec2.ISubnet) string {
	return fmt.Sprintf("%s (%s)", *s.Node().Path(), zoneName(*s.AvailabilityZone()))
}

func zoneName(z string) string {
	if *awscdk.Token_IsUnresolved(jsii.String(z)) {
		return "a zone known at deployment"
	}
	return z
}

// Stand-ins for ids known only at deployment, as long as the real ones can
// be, so that checkMetadata measures the longest metadata the template can
// produce: "subnet-" and "sg-" with 17 hexadecimal digits (Amazon EC2 API
// Reference, "Resource IDs": long IDs), and a zone name longer than any
// today's (Local Zones, such as us-west-2-lax-1a, are the longest).
const (
	standInSubnet = "subnet-0123456789abcdef0"
	standInGroup  = "sg-0123456789abcdef0"
	standInZone   = "xx-xxxxxxxxxx-xxx-%02d" // numbered, as the zones differ
)

// checkMetadata checks, at synth, the metadata the handler will read:
// literal ids as they are, tokens through the longest stand-ins; it must
// parse as the handler parses it and fit the hook's 1023 characters.
func checkMetadata(m contract.Metadata) error {
	stand := func(v, in string) string {
		if *awscdk.Token_IsUnresolved(jsii.String(v)) {
			return in
		}
		return v
	}
	c := contract.Metadata{DeviceIndex: m.DeviceIndex}
	for i, s := range m.Subnets {
		c.Subnets = append(c.Subnets, contract.Subnet{
			AvailabilityZone: stand(s.AvailabilityZone, fmt.Sprintf(standInZone, i)),
			SubnetID:         stand(s.SubnetID, standInSubnet),
		})
	}
	for _, g := range m.SecurityGroups {
		c.SecurityGroups = append(c.SecurityGroups, stand(g, standInGroup))
	}
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	if len(b) > contract.MaxMetadataLength {
		return fmt.Errorf("the hook's notification metadata can be %d characters, above its %d: the group has too many zones", len(b), contract.MaxMetadataLength)
	}
	_, err = contract.ParseMetadata(string(b))
	return err
}
