package spotcluster

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
)

// Allocation strategies of a Spot Fleet request.
const (
	PriceCapacityOptimized = "priceCapacityOptimized"
	CapacityOptimized      = "capacityOptimized"
	LowestPrice            = "lowestPrice" // the post's
	Diversified            = "diversified" // the post's
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
// default: a new VPC over two AZs, two arm64 instances from a diversified
// mix, price-capacity-optimized, scaling from 2 to 10 on CPU reservation.
type Props struct {
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
	// LowestPrice or Diversified. Default: PriceCapacityOptimized.
	AllocationStrategy *string
	// MaxPrices caps the Spot price per instance type, as in the post, in
	// USD per hour. Default: none (the on-demand price).
	MaxPrices *map[string]*string
	// Weights counts an instance type as that many units of capacity.
	// Default: 1 each.
	Weights *map[string]*float64

	// TargetCapacity is the fleet's initial capacity, in units. Default: 2.
	TargetCapacity *float64
	// OnDemandTargetCapacity is the part of it that is on-demand: the post's
	// "pool of fixed capacity and variable capacity". Default: 0.
	OnDemandTargetCapacity *float64
	// MinCapacity and MaxCapacity bound the target tracking. Default: 2 and 10.
	MinCapacity *float64
	MaxCapacity *float64
	// ScaleOnMemory tracks the cluster's memory reservation instead of its
	// CPU reservation. Default: false.
	ScaleOnMemory *bool
	// TargetReservationPercent is the tracked reservation. Default: 75.
	TargetReservationPercent *float64
	// RootVolumeGiB is the encrypted root volume's size. Default: 30.
	RootVolumeGiB *float64
}
