// Package containers is the ContainersStack sample: Go microservices on Spot capacity behind one load balancer.
//
// It is the ContainersStack sample: a VPC across two
// Availability Zones, an ECS cluster of Spot instances
// (constructs/spotcluster: an Auto Scaling group capacity provider, or the
// post's Spot Fleet), and two services of the sample microservice
// (apps/containers/service) routed by path, /orders and /inventory, on one
// Application Load Balancer (constructs/albservice), with bridge networking
// and dynamic host ports.
package containers

import (
	"fmt"
	"path/filepath"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecrassets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/constructs/albservice"
	"github.com/blueprints-cdk/blueprints/constructs/spotcluster"
	"github.com/blueprints-cdk/blueprints/internal/module"
)

// NatGatewaysContext is the context key for the VPC's NAT gateway count
// (cdk deploy -c natGateways=2). Default: 1.
const NatGatewaysContext = "natGateways"

// AmiContext is the context key that pins the instances' AMI (cdk deploy -c
// ecsAmi=ami-…, or an "ecsAmi" entry in cdk.context.json): the
// ECS-optimized AMI of the stack's region and architecture. A newly
// published AMI then changes nothing until you change the value. Default:
// none: with the Auto Scaling capacity, the AMI's public SSM parameter (a
// new AMI reaches new instances, and replaces nothing); with the Spot Fleet,
// the AMI looked up at synth and cached in cdk.context.json, which needs
// credentials (spotcluster.AmiContextKey).
const AmiContext = "ecsAmi"

// CapacityContext is the context key that chooses where the instances come
// from (cdk deploy -c ecsCapacity=SpotFleet): spotcluster.AutoScalingCapacity
// or spotcluster.SpotFleetCapacity. Default: AutoScalingCapacity, which is
// update-safe with the AMI's SSM parameter and so synthesizes without
// credentials; the Spot Fleet, the post's, needs the AMI fixed at synth.
const CapacityContext = "ecsCapacity"

// Props configures the ContainersStack sample.
type Props struct {
	awscdk.StackProps
	// Architecture of the instances, the image and the tasks, all alike:
	// spotcluster.Arm64 or spotcluster.X8664. Default: Arm64.
	Architecture *string
}

var amiID = regexp.MustCompile(`^ami-([0-9a-f]{8}|[0-9a-f]{17})$`)

// ContainersStack is the sample containers stack.
type ContainersStack struct { //nolint:revive // named after the CloudFormation stack it builds (ContainersStack)
	awscdk.Stack
	// Cluster is the Spot Fleet cluster (and its VPC).
	Cluster *spotcluster.SpotFleetCluster
	// Services are the load balancer and the two services.
	Services *albservice.AlbToEcsServices
}

// NewContainersStack builds the sample containers stack. The image is built
// by Docker at deploy time only; synth only fingerprints its folder.
func NewContainersStack(scope constructs.Construct, id string, props *Props) *ContainersStack {
	if props == nil {
		props = &Props{}
	}
	stack := awscdk.NewStack(scope, jsii.String(id), &props.StackProps)
	s := &ContainersStack{Stack: stack}
	nat := 1.0
	if v, ok := stack.Node().TryGetContext(jsii.String(NatGatewaysContext)).(float64); ok {
		nat = v
	}
	arch := spotcluster.Arm64
	if props.Architecture != nil {
		arch = *props.Architecture
	}
	platform := map[string]awsecrassets.Platform{
		spotcluster.Arm64: awsecrassets.Platform_LINUX_ARM64(), spotcluster.X8664: awsecrassets.Platform_LINUX_AMD64(),
	}[arch]
	if platform == nil {
		panic(fmt.Sprintf("containers.NewContainersStack %q: Props.Architecture %q must be %q or %q", id, arch, spotcluster.Arm64, spotcluster.X8664))
	}
	var machineImage awsec2.IMachineImage
	if ami, ok := stack.Node().TryGetContext(jsii.String(AmiContext)).(string); ok {
		if !amiID.MatchString(ami) || *awscdk.Token_IsUnresolved(stack.Region()) {
			panic(fmt.Sprintf("containers.NewContainersStack %q: context %s=%q must be an AMI ID (ami- and 8 or 17 hex digits), in a stack with a concrete region",
				id, AmiContext, ami))
		}
		machineImage = awsec2.MachineImage_GenericLinux(&map[string]*string{*stack.Region(): jsii.String(ami)}, nil)
	}
	capacity := spotcluster.AutoScalingCapacity
	if v, ok := stack.Node().TryGetContext(jsii.String(CapacityContext)).(string); ok {
		capacity = v
	}
	if capacity == spotcluster.SpotFleetCapacity && machineImage == nil && *awscdk.Token_IsUnresolved(stack.Account()) {
		panic(fmt.Sprintf("containers.NewContainersStack %q: -c %s=%s needs the AMI fixed at synth, since a new launch template version replaces the fleet: "+
			"pass -c %s=ami-… (the ECS-optimized AMI of %s for %s), or synth with AWS credentials so that the CDK CLI looks it up and caches it in "+
			"cdk.context.json (commit that file)", id, CapacityContext, capacity, AmiContext, *stack.Region(), arch))
	}
	s.Cluster = spotcluster.NewSpotFleetCluster(stack, "Cluster", &spotcluster.Props{
		VpcProps:     &awsec2.VpcProps{MaxAzs: jsii.Number(2), NatGateways: jsii.Number(nat)},
		Capacity:     jsii.String(capacity),
		Architecture: jsii.String(arch),
		MachineImage: machineImage,
	})
	albProps := &albservice.Props{ExistingCluster: s.Cluster.ServiceCluster, Ec2: jsii.Bool(true)}
	if s.Cluster.CapacityProviderStrategies != nil {
		albProps.CapacityProviderStrategies = &s.Cluster.CapacityProviderStrategies
	}
	s.Services = albservice.NewAlbToEcsServices(stack, "Microservices", albProps)
	// The instances, the image and the tasks' placement share one
	// architecture; the Dockerfile cross-compiles, so any deploy host builds
	// the image without emulation.
	image := awsecs.ContainerImage_FromAsset(jsii.String(ServiceDir()), &awsecs.AssetImageProps{Platform: platform})
	for _, name := range []string{"orders", "inventory"} {
		svc := s.Services.AddService(name, &albservice.ServiceOptions{
			PathPatterns: jsii.Strings("/"+name, "/"+name+"/*"),
			Image:        image,
			Environment:  &map[string]*string{"SERVICE_NAME": jsii.String(name)},
			Architecture: jsii.String(arch),
		})
		s.Cluster.WaitForCapacity(svc.Service)
	}
	awscdk.NewCfnOutput(stack, jsii.String("LoadBalancerUrl"), &awscdk.CfnOutputProps{
		Value: jsii.String("http://" + *s.Services.LoadBalancer.LoadBalancerDnsName()),
	})
	return s
}

// ServiceDir is the sample service's folder, its Docker build context.
func ServiceDir() string {
	root, err := module.Root()
	if err != nil {
		panic(err)
	}
	return filepath.Join(root, "apps", "containers", "service")
}
