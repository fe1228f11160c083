package spotcluster

import (
	"fmt"
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"

	"github.com/blueprints-cdk/blueprints/internal/ptr"
)

// Allocation strategies of a Spot Fleet request.
const (
	PriceCapacityOptimized = "priceCapacityOptimized"
	CapacityOptimized      = "capacityOptimized"
	LowestPrice            = "lowestPrice" // the post's
	Diversified            = "diversified" // the post's
)

// Where the instances come from: Props.Capacity.
const (
	// SpotFleetCapacity is the post's: an EC2 Spot Fleet request
	// (AWS::EC2::SpotFleet) whose target capacity Application Auto Scaling
	// tracks. Its launch template version cannot change in place, so its AMI
	// is fixed at synth time (Props.MachineImage, or a lookup cached in
	// cdk.context.json).
	SpotFleetCapacity = "SpotFleet"
	// AutoScalingCapacity is an Auto Scaling group with a mixed-instances
	// policy of Spot instances, as an ECS capacity provider with managed
	// scaling and managed draining. A new launch template version (a new
	// AMI) updates the group in place and reaches new instances; nothing is
	// replaced, so the AMI may follow its public SSM parameter.
	AutoScalingCapacity = "AutoScalingGroup"
)

// Architectures of the instances (and of the container images).
const (
	Arm64 = "arm64"
	X8664 = "x86_64"
)

// DefaultInstanceTypes are the diversified current-generation mixes, one per
// architecture, all of the same size class so that any of them fits a task.
var DefaultInstanceTypes = map[string][]string{
	Arm64: {"m7g.large", "m6g.large", "c7g.large", "c6g.large", "r7g.large", "r6g.large"},
	X8664: {"m7i.large", "m6i.large", "m6a.large", "c7i.large", "c6i.large", "r6i.large"},
}

// Props configures a SpotFleetCluster. Every field is optional; nil means the
// default: a new VPC over two AZs and a Spot Fleet request of two arm64
// instances from a diversified mix, price-capacity-optimized, scaling from 2
// to 10 on CPU reservation, from the ECS-optimized AMI looked up at synth.
type Props struct {
	// Capacity is SpotFleetCapacity or AutoScalingCapacity. Default:
	// SpotFleetCapacity, the post's.
	Capacity *string

	// ExistingVpc holds the cluster; the fleet uses its private subnets.
	// Mutually exclusive with VpcProps.
	ExistingVpc awsec2.IVpc
	// VpcProps are the new VPC's props. Default: 2 AZs, 1 NAT gateway.
	VpcProps *awsec2.VpcProps

	// Architecture of the instances: Arm64 or X8664. It picks the
	// ECS-optimized AMI and the default instance types. Default: Arm64.
	Architecture *string
	// InstanceTypes the fleet may launch, all of Architecture. Default:
	// DefaultInstanceTypes[Architecture]. The post used c4.large.
	InstanceTypes *[]*string
	// AllocationStrategy: PriceCapacityOptimized, CapacityOptimized,
	// LowestPrice or Diversified (Spot Fleet only). Default:
	// PriceCapacityOptimized.
	AllocationStrategy *string
	// MaxPrices caps the Spot price per instance type, as in the post, in
	// USD per hour (Spot Fleet only: an Auto Scaling group has one cap for
	// all types). Default: none (the on-demand price).
	MaxPrices *map[string]*string
	// Weights counts an instance type as that many units of capacity
	// (Spot Fleet only: ECS capacity providers do not support instance
	// weighting). Default: 1 each.
	Weights *map[string]*float64

	// TargetCapacity is the fleet's initial capacity, in units (Spot Fleet
	// only: ECS managed scaling sets an Auto Scaling group's). Default: 2.
	TargetCapacity *float64
	// OnDemandTargetCapacity is the part of it that is on-demand: the post's
	// "pool of fixed capacity and variable capacity"; for an Auto Scaling
	// group, its on-demand base capacity. Default: 0.
	OnDemandTargetCapacity *float64
	// MinCapacity and MaxCapacity bound the scaling. Default: 2 and 10; for
	// an Auto Scaling group 0 and 10 (it starts empty, as ECS recommends
	// for a capacity provider's group).
	MinCapacity *float64
	MaxCapacity *float64
	// ScaleOnMemory tracks the cluster's memory reservation instead of its
	// CPU reservation (Spot Fleet only: ECS managed scaling weighs both).
	// Default: false.
	ScaleOnMemory *bool
	// TargetReservationPercent is the tracked reservation; for an Auto
	// Scaling group, the capacity provider's target capacity (the share of
	// the instances that tasks should use). Default: 75.
	TargetReservationPercent *float64
	// MaxInstanceLifetimeDays replaces an Auto Scaling group's instances
	// once they reach this age, so that a new AMI reaches all of them
	// within it; ECS drains each one first (managed draining). Whole days
	// from 1 to 365. Auto Scaling only. Default: 14.
	MaxInstanceLifetimeDays *float64
	// RootVolumeGiB is the encrypted root volume's size. Default: 30.
	RootVolumeGiB *float64
	// CreateServiceLinkedRoles creates Spot's service-linked roles,
	// AWSServiceRoleForEC2SpotFleet and AWSServiceRoleForEC2Spot, which a
	// fleet requested through the API (CloudFormation included) needs and the
	// console creates ("Spot Fleet permissions", EC2 user guide). Once per
	// account: creating a role that exists fails the stack, so it is off
	// unless asked. Spot Fleet only. Default: false (see README.md to check
	// or create them).
	CreateServiceLinkedRoles *bool
	// MachineImage is the instances' AMI, which must be an ECS-optimized
	// image of Architecture (or one with the ECS agent). Pin it by ID, as
	// with awsec2.MachineImage_GenericLinux, and a new AMI arrives only when
	// you change it, as a planned change. Default, for a Spot Fleet: the
	// ECS-optimized Amazon Linux 2023 AMI looked up at synth and cached in
	// cdk.context.json under AmiContextKey (the stack needs a concrete
	// account and region), since a new launch template version replaces the
	// fleet; for an Auto Scaling group: that AMI's public SSM parameter,
	// which CloudFormation reads on every deployment, since a new version
	// replaces nothing.
	MachineImage awsec2.IMachineImage
}

// config is Props with the defaults applied: all that the builders read.
type config struct {
	capacity, arch, strategy                  string
	lifetimeDays                              float64
	types                                     []string
	target, onDemand, min, max, percent, disk float64
	existingVpc                               awsec2.IVpc
	vpcProps                                  *awsec2.VpcProps
	maxPrices                                 map[string]*string  // by instance type
	weights                                   map[string]*float64 // by instance type
	metric                                    string              // the tracked reservation
	linkedRoles                               bool
	image                                     awsec2.IMachineImage // nil: the SSM parameter's
}

// resolve validates the props and applies the defaults.
func resolve(p *Props) (*config, error) {
	if p.ExistingVpc != nil && p.VpcProps != nil {
		return nil, fmt.Errorf("Props.ExistingVpc and Props.VpcProps are mutually exclusive: pass one or neither")
	}
	c := &config{
		capacity:    ptr.Or(p.Capacity, SpotFleetCapacity),
		arch:        ptr.Or(p.Architecture, Arm64),
		strategy:    ptr.Or(p.AllocationStrategy, PriceCapacityOptimized),
		target:      ptr.Or(p.TargetCapacity, 2),
		onDemand:    ptr.Or(p.OnDemandTargetCapacity, 0),
		min:         ptr.Or(p.MinCapacity, 2),
		max:         ptr.Or(p.MaxCapacity, 10),
		percent:     ptr.Or(p.TargetReservationPercent, 75),
		disk:        ptr.Or(p.RootVolumeGiB, 30),
		existingVpc: p.ExistingVpc,
		vpcProps:    p.VpcProps,
		metric:      "CPUReservation",
		linkedRoles: ptr.Or(p.CreateServiceLinkedRoles, false),
	}
	c.image = p.MachineImage
	c.lifetimeDays = ptr.Or(p.MaxInstanceLifetimeDays, 14)
	if c.capacity == AutoScalingCapacity {
		// An empty group: ECS recommends creating a capacity provider's
		// group with no instances, since instances that register before the
		// capacity provider exists may not be registered with it ("Amazon
		// ECS capacity providers for the EC2 launch type"); managed scaling
		// launches what placed tasks need.
		c.min = ptr.Or(p.MinCapacity, 0)
	}
	if ptr.Or(p.ScaleOnMemory, false) {
		c.metric = "MemoryReservation"
	}
	if p.MaxPrices != nil {
		c.maxPrices = *p.MaxPrices
	}
	if p.Weights != nil {
		c.weights = *p.Weights
	}
	if _, ok := DefaultInstanceTypes[c.arch]; !ok {
		return nil, fmt.Errorf("Props.Architecture %q must be %q or %q", c.arch, Arm64, X8664)
	}
	switch c.strategy {
	case PriceCapacityOptimized, CapacityOptimized, LowestPrice, Diversified:
	default:
		return nil, fmt.Errorf("Props.AllocationStrategy %q must be one of %s, %s, %s, %s",
			c.strategy, PriceCapacityOptimized, CapacityOptimized, LowestPrice, Diversified)
	}
	c.types = DefaultInstanceTypes[c.arch]
	if p.InstanceTypes != nil {
		c.types = nil
		for _, t := range *p.InstanceTypes {
			c.types = append(c.types, *t)
		}
	}
	if len(c.types) == 0 {
		return nil, fmt.Errorf("Props.InstanceTypes is empty")
	}
	for _, t := range c.types {
		if a := ArchitectureOf(t); a != c.arch {
			return nil, fmt.Errorf("Props.InstanceTypes: %s is %s, not %s like the AMI and the images", t, a, c.arch)
		}
	}
	known := map[string]bool{}
	for _, t := range c.types {
		known[t] = true
	}
	for name, m := range map[string][]string{"Props.MaxPrices": keys(p.MaxPrices), "Props.Weights": keys(p.Weights)} {
		for _, t := range m {
			if !known[t] {
				return nil, fmt.Errorf("%s names %s, which is not one of the instance types %v", name, t, c.types)
			}
		}
	}
	return c, c.checkCapacity(p)
}

// checkCapacity refuses the props that the chosen capacity cannot honour.
func (c *config) checkCapacity(p *Props) error {
	switch c.capacity {
	case SpotFleetCapacity:
		if p.MaxInstanceLifetimeDays != nil {
			return fmt.Errorf("Props.MaxInstanceLifetimeDays needs Props.Capacity %q: a Spot Fleet has no instance lifetime", AutoScalingCapacity)
		}
		if c.onDemand < 0 || c.onDemand > c.target {
			return fmt.Errorf("Props.OnDemandTargetCapacity %v must be between 0 and Props.TargetCapacity %v", c.onDemand, c.target)
		}
		if c.min < 0 || c.min > c.target || c.target > c.max {
			return fmt.Errorf("want MinCapacity %v <= TargetCapacity %v <= MaxCapacity %v", c.min, c.target, c.max)
		}
		return nil
	case AutoScalingCapacity:
	default:
		return fmt.Errorf("Props.Capacity %q must be %q or %q", c.capacity, SpotFleetCapacity, AutoScalingCapacity)
	}
	fleetOnly := map[string]bool{
		"Props.MaxPrices (an Auto Scaling group has one Spot price cap for all types)":             p.MaxPrices != nil,
		"Props.ScaleOnMemory (ECS managed scaling weighs CPU and memory together)":                 p.ScaleOnMemory != nil,
		"Props.TargetCapacity (ECS managed scaling sets the group's desired capacity)":             p.TargetCapacity != nil,
		"Props.CreateServiceLinkedRoles (Auto Scaling creates its own service-linked role)":        p.CreateServiceLinkedRoles != nil,
		"Props.AllocationStrategy Diversified (Auto Scaling has no such Spot allocation strategy)": c.strategy == Diversified,
		"Props.Weights (an ECS capacity provider's group cannot weight its instance types)":        p.Weights != nil,
	}
	for _, name := range keys(&fleetOnly) {
		if fleetOnly[name] {
			return fmt.Errorf("%s applies to Props.Capacity %q only, not %q", name, SpotFleetCapacity, AutoScalingCapacity)
		}
	}
	if c.lifetimeDays < 1 || c.lifetimeDays > 365 || c.lifetimeDays != float64(int(c.lifetimeDays)) {
		return fmt.Errorf("Props.MaxInstanceLifetimeDays %v must be a whole number of days from 1 to 365 "+
			"(Auto Scaling's maximum instance lifetime is at least a day; CDK caps it at a year)", c.lifetimeDays)
	}
	if c.min < 0 || c.min > c.max || c.max == 0 {
		return fmt.Errorf("want 0 <= MinCapacity %v <= MaxCapacity %v, and MaxCapacity above 0", c.min, c.max)
	}
	if c.onDemand < 0 || c.onDemand > c.max {
		return fmt.Errorf("Props.OnDemandTargetCapacity %v must be between 0 and Props.MaxCapacity %v", c.onDemand, c.max)
	}
	return nil
}

func keys[V any](m *map[string]V) []string {
	if m == nil {
		return nil
	}
	var out []string
	for k := range *m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
