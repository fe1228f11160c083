package spotcluster_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/constructs/albservice"
	"github.com/blueprints-cdk/blueprints/constructs/spotcluster"
)

func ExampleNewSpotFleetCluster() {
	app := awscdk.NewApp(nil)
	// A Spot Fleet's AMI is looked up at synth, so its stack names its account.
	env := &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("eu-west-1")}
	stack := awscdk.NewStack(app, jsii.String("Example"), &awscdk.StackProps{Env: env})

	// The post's Spot Fleet: two arm64 Spot instances from a diversified
	// mix, scaling on CPU reservation, from the ECS-optimized AMI that the
	// CDK CLI looks up and caches in cdk.context.json.
	spot := spotcluster.NewSpotFleetCluster(stack, "Spot", nil)

	// A customised fleet: the post's c4-style x86 types with price caps, an
	// on-demand base of one instance, and a pinned AMI.
	spotcluster.NewSpotFleetCluster(stack, "Mixed", &spotcluster.Props{
		ExistingVpc:            spot.Vpc,
		Architecture:           jsii.String(spotcluster.X8664),
		InstanceTypes:          jsii.Strings("c5.large", "c6i.large"),
		MaxPrices:              &map[string]*string{"c5.large": jsii.String("0.04")},
		TargetCapacity:         jsii.Number(3),
		OnDemandTargetCapacity: jsii.Number(1),
		MachineImage:           awsec2.MachineImage_GenericLinux(&map[string]*string{"eu-west-1": jsii.String("ami-0123456789abcdef0")}, nil),
	})

	// The same Spot instances as an Auto Scaling group capacity provider:
	// a new AMI replaces nothing, and ECS scales and drains the instances.
	group := spotcluster.NewSpotFleetCluster(stack, "Group", &spotcluster.Props{
		ExistingVpc: spot.Vpc,
		Capacity:    jsii.String(spotcluster.AutoScalingCapacity),
	})

	// Services run on it with bridge networking and dynamic host ports,
	// placed through the capacity provider.
	services := albservice.NewAlbToEcsServices(stack, "Services", &albservice.Props{
		ExistingCluster: group.ServiceCluster, Ec2: jsii.Bool(true), CapacityProviderStrategies: &group.CapacityProviderStrategies,
	})
	orders := services.AddService("orders", &albservice.ServiceOptions{
		PathPatterns: jsii.Strings("/orders/*"),
		Image:        awsecs.ContainerImage_FromRegistry(jsii.String("public.ecr.aws/example/orders:1.0"), nil),
	})
	group.WaitForCapacity(orders.Service)
	fmt.Println(spotcluster.AmiContextKey("123456789012", "eu-west-1", spotcluster.Arm64))
	// Output: ssm:account=123456789012:parameterName=/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id:region=eu-west-1
}
