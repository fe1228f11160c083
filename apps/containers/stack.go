// Package containers is the ContainersStack sample: a VPC across two
// Availability Zones, an ECS cluster of Spot Fleet instances
// (constructs/spotcluster), and two services of the sample microservice
// (apps/containers/service) routed by path, /orders and /inventory, on one
// Application Load Balancer (constructs/albservice), with bridge networking
// and dynamic host ports.
package containers

import (
	"path/filepath"

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

// Props configures the ContainersStack sample.
type Props struct {
	awscdk.StackProps
}

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
	s.Cluster = spotcluster.NewSpotFleetCluster(stack, "Cluster", &spotcluster.Props{
		VpcProps: &awsec2.VpcProps{MaxAzs: jsii.Number(2), NatGateways: jsii.Number(nat)},
	})
	s.Services = albservice.NewAlbToEcsServices(stack, "Microservices", &albservice.Props{
		ExistingCluster: s.Cluster.ServiceCluster,
		Ec2:             jsii.Bool(true),
	})
	// The fleet's default instances are arm64 (Graviton); so is the image.
	image := awsecs.ContainerImage_FromAsset(jsii.String(ServiceDir()), &awsecs.AssetImageProps{
		Platform: awsecrassets.Platform_LINUX_ARM64(),
	})
	for _, name := range []string{"orders", "inventory"} {
		svc := s.Services.AddService(name, &albservice.ServiceOptions{
			PathPatterns: jsii.Strings("/"+name, "/"+name+"/*"),
			Image:        image,
			Environment:  &map[string]*string{"SERVICE_NAME": jsii.String(name)},
		})
		// The services wait for the fleet request: created first, a service
		// finds no instance to place its tasks on, and its deployment
		// circuit breaker may roll it back before the instances register.
		svc.Service.Node().AddDependency(s.Cluster.SpotFleet, s.Cluster.Capacity)
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
