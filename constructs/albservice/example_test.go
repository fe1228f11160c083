package albservice_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/constructs/albservice"
)

func ExampleNewAlbToEcsServices() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Example"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("eu-west-1")}})

	// A VPC, a Fargate cluster and an internet-facing load balancer.
	services := albservice.NewAlbToEcsServices(stack, "Microservices", nil)

	// Adding a service is one call: path patterns, an image, a port.
	orders := services.AddService("orders", &albservice.ServiceOptions{
		PathPatterns:  jsii.Strings("/orders", "/orders/*"),
		Image:         awsecs.ContainerImage_FromRegistry(jsii.String("public.ecr.aws/example/orders:1.0"), nil),
		ContainerPort: jsii.Number(8080),
	})
	// A customised one: another health check, more tasks.
	services.AddService("inventory", &albservice.ServiceOptions{
		PathPatterns:    jsii.Strings("/inventory/*"),
		Image:           awsecs.ContainerImage_FromRegistry(jsii.String("public.ecr.aws/example/inventory:1.0"), nil),
		HealthCheckPath: jsii.String("/inventory/ping"),
		DesiredCount:    jsii.Number(4),
		MaxCapacity:     jsii.Number(20),
	})

	fmt.Println(len(services.Services), orders.Name)
	// Output: 2 orders
}
