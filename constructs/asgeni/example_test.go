package asgeni_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/assertions"
	"github.com/blueprints-cdk/blueprints/constructs/asgeni"
)

func ExampleNewSecondaryEni() {
	app := assertions.NewApp() // awscdk.NewApp(nil) in an app; this one builds no handler
	stack := awscdk.NewStack(app, jsii.String("Fleet"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("eu-west-1")}})
	vpc := awsec2.NewVpc(stack, jsii.String("Vpc"), &awsec2.VpcProps{
		MaxAzs: jsii.Number(2), NatGateways: jsii.Number(0),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{
			{Name: jsii.String("Instances"), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED},
			{Name: jsii.String("Management"), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED},
		},
	})
	group := awsautoscaling.NewAutoScalingGroup(stack, jsii.String("Group"), &awsautoscaling.AutoScalingGroupProps{
		Vpc: vpc, VpcSubnets: &awsec2.SubnetSelection{SubnetGroupName: jsii.String("Instances")},
		InstanceType:  awsec2.NewInstanceType(jsii.String("t4g.micro")),
		MachineImage:  awsec2.MachineImage_LatestAmazonLinux2023(&awsec2.AmazonLinux2023ImageSsmParameterProps{CpuType: awsec2.AmazonLinuxCpuType_ARM_64}),
		MinCapacity:   jsii.Number(0),
		RequireImdsv2: jsii.Bool(true),
	})

	// Every instance the group launches gets a second interface at device
	// index 1, in the management subnet of its zone, or is abandoned.
	eni := asgeni.NewSecondaryEni(stack, "Eni", &asgeni.Props{
		Group: group, Vpc: vpc, ManagementSubnets: &awsec2.SubnetSelection{SubnetGroupName: jsii.String("Management")},
	})
	// Let the admin network reach the management interfaces over SSH.
	eni.SecurityGroup.AddIngressRule(awsec2.Peer_Ipv4(jsii.String("10.100.0.0/16")), awsec2.Port_Tcp(jsii.Number(22)), jsii.String("admin SSH"), nil)
	fmt.Println(*eni.Heartbeat.ToSeconds(nil))

	// The post's wiring (an SNS topic), with a shorter timeout and one retry:
	// the heartbeat follows.
	viaSns := asgeni.NewSecondaryEni(stack, "EniViaSns", &asgeni.Props{
		Group: group, Vpc: vpc, ManagementSubnets: &awsec2.SubnetSelection{SubnetGroupName: jsii.String("Management")},
		Trigger: asgeni.SnsTrigger, Timeout: awscdk.Duration_Seconds(jsii.Number(30)), RetryAttempts: jsii.Number(1),
	})
	fmt.Println(*viaSns.Heartbeat.ToSeconds(nil))
	// Output:
	// 420
	// 180
}
