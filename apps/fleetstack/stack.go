// Package fleetstack is the FleetStack sample: an Auto Scaling group whose
// every new instance gets a second network interface before it enters service.
//
// The interface is in a management subnet of the instance's zone
// (constructs/asgeni, from "Using AWS Lambda with Auto Scaling Lifecycle
// Hooks").
package fleetstack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/constructs/asgeni"
	"github.com/blueprints-cdk/blueprints/internal/defaults"
	"github.com/blueprints-cdk/blueprints/internal/nag"
)

// The VPC's subnet groups: the instances' primary interfaces, and the
// management interfaces the construct adds. Both are isolated: the sample
// needs no internet access, and no NAT gateway to pay for.
const (
	InstanceSubnets   = "Instances"
	ManagementSubnets = "Management"
)

// Props configures the FleetStack sample.
type Props struct {
	awscdk.StackProps
}

// FleetStack is the sample fleet stack.
type FleetStack struct {
	awscdk.Stack
	// Vpc has an instance subnet and a management subnet in each of two
	// zones, and flow logs.
	Vpc awsec2.Vpc
	// Group is the fleet: 0 to 2 instances, none until scaled out.
	Group awsautoscaling.AutoScalingGroup
	// Eni gives each of the group's new instances its management interface.
	Eni *asgeni.SecondaryEni
}

// NewFleetStack builds the sample fleet stack. The group starts empty, so
// that no instance launches before the hook exists; scale it out with
// `aws autoscaling set-desired-capacity` and each new instance gets its
// second interface, or is abandoned and replaced.
func NewFleetStack(scope constructs.Construct, id string, props *Props) *FleetStack {
	if props == nil {
		props = &Props{}
	}
	stack := awscdk.NewStack(scope, jsii.String(id), &props.StackProps)
	s := &FleetStack{Stack: stack}
	subnets := func(name string) *awsec2.SubnetConfiguration {
		return &awsec2.SubnetConfiguration{Name: jsii.String(name), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED, CidrMask: jsii.Number(24)}
	}
	s.Vpc = defaults.Vpc(stack, &awsec2.VpcProps{
		MaxAzs: jsii.Number(2), NatGateways: jsii.Number(0),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{subnets(InstanceSubnets), subnets(ManagementSubnets)},
	})
	s.Group = awsautoscaling.NewAutoScalingGroup(stack, jsii.String("Group"), &awsautoscaling.AutoScalingGroupProps{
		Vpc:          s.Vpc,
		VpcSubnets:   &awsec2.SubnetSelection{SubnetGroupName: jsii.String(InstanceSubnets)},
		InstanceType: awsec2.NewInstanceType(jsii.String("t4g.micro")),
		MachineImage: awsec2.MachineImage_LatestAmazonLinux2023(&awsec2.AmazonLinux2023ImageSsmParameterProps{
			CpuType: awsec2.AmazonLinuxCpuType_ARM_64,
		}),
		RequireImdsv2: jsii.Bool(true),
		BlockDevices: &[]*awsautoscaling.BlockDevice{{
			DeviceName: jsii.String("/dev/xvda"),
			Volume: awsautoscaling.BlockDeviceVolume_Ebs(jsii.Number(8), &awsautoscaling.EbsDeviceOptions{
				Encrypted: jsii.Bool(true), VolumeType: awsautoscaling.EbsDeviceVolumeType_GP3,
			}),
		}},
		// No DesiredCapacity: a template value would reset the group's size
		// on every deployment.
		MinCapacity: jsii.Number(0),
		MaxCapacity: jsii.Number(2),
	})
	nag.Suppress(s.Group, "AwsSolutions-AS3",
		"A launch the hook abandons, or whose event fails, raises the construct's alarms; scaling activities are in the group's activity history")
	s.Eni = asgeni.NewSecondaryEni(stack, "Eni", &asgeni.Props{
		Group: s.Group, Vpc: s.Vpc, ManagementSubnets: &awsec2.SubnetSelection{SubnetGroupName: jsii.String(ManagementSubnets)},
	})
	awscdk.NewCfnOutput(stack, jsii.String("GroupName"), &awscdk.CfnOutputProps{
		Description: jsii.String("aws autoscaling set-desired-capacity --auto-scaling-group-name <this> --desired-capacity 1"),
		Value:       s.Group.AutoScalingGroupName(),
	})
	awscdk.NewCfnOutput(stack, jsii.String("ManagementSecurityGroupId"), &awscdk.CfnOutputProps{
		Description: jsii.String("The management interfaces' security group: it allows no traffic until you add rules"),
		Value:       s.Eni.SecurityGroup.SecurityGroupId(),
	})
	awscdk.NewCfnOutput(stack, jsii.String("AlarmTopicArn"), &awscdk.CfnOutputProps{
		Description: jsii.String("Subscribe to hear of launches abandoned, and of launch events that did not reach the handler or failed every retry"),
		Value:       s.Eni.Alarms.TopicArn(),
	})
	return s
}
