package spotcluster_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/constructs/albservice"
	"github.com/blueprints-cdk/blueprints/constructs/spotcluster"
)

func ExampleNewSpotFleetCluster() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Example"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("eu-west-1")}})

	// Two arm64 Spot instances from a diversified mix, scaling on CPU reservation.
	spot := spotcluster.NewSpotFleetCluster(stack, "Spot", nil)

	// A customised fleet: the post's c4-style x86 types with price caps, and
	// an on-demand base of one instance.
	spotcluster.NewSpotFleetCluster(stack, "Mixed", &spotcluster.Props{
		ExistingVpc:            spot.Vpc,
		Architecture:           jsii.String(spotcluster.X8664),
		InstanceTypes:          jsii.Strings("c5.large", "c6i.large"),
		MaxPrices:              &map[string]*string{"c5.large": jsii.String("0.04")},
		TargetCapacity:         jsii.Number(3),
		OnDemandTargetCapacity: jsii.Number(1),
	})

	// Services run on it with bridge networking and dynamic host ports.
	services := albservice.NewAlbToEcsServices(stack, "Services", &albservice.Props{ExistingCluster: spot.ServiceCluster, Ec2: jsii.Bool(true)})
	services.AddService("orders", &albservice.ServiceOptions{
		PathPatterns: jsii.Strings("/orders/*"),
		Image:        awsecs.ContainerImage_FromRegistry(jsii.String("public.ecr.aws/example/orders:1.0"), nil),
	})
	fmt.Println(*spot.ServiceCluster.HasEc2Capacity())
	// Output: true
}
