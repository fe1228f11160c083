// Package spotcluster is an ECS cluster of Spot instances, after "Powering
// your Amazon ECS Clusters with Spot Fleet".
//
// The instances come from an EC2 Spot Fleet request (AWS::EC2::SpotFleet,
// the post's; CDK has no L2 for it, and this is one) or from an Auto
// Scaling group with a mixed-instances policy that is the cluster's ECS
// capacity provider (Props.Capacity). Either spans the VPC's private
// subnets (at least two AZs) and several instance types of one
// architecture, from a launch template that requires IMDSv2, encrypts the
// root volume and joins the cluster with Spot instance draining on.
// Instead of the post's Lambda calling ModifySpotFleetRequest, Application
// Auto Scaling tracks the cluster's CPU (or memory) reservation on the
// fleet's target capacity; the group is scaled by ECS managed scaling.
//
// A new launch template version replaces a Spot Fleet, so its AMI is fixed
// at synth (Props.MachineImage, or a lookup cached in cdk.context.json);
// it updates the group in place.
//
// Services run on it with bridge networking and dynamic host ports:
// pass ServiceCluster to constructs/albservice with Ec2 set, and
// CapacityProviderStrategies with the group.
package spotcluster

import (
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapplicationautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/internal/defaults"
	"github.com/blueprints-cdk/blueprints/internal/nag"
)

// SpotFleetCluster is the cluster and its fleet.
type SpotFleetCluster struct {
	constructs.Construct
	// Vpc is the network, created or existing.
	Vpc awsec2.IVpc
	// Cluster is the ECS cluster.
	Cluster awsecs.Cluster
	// ServiceCluster is Cluster as services see it: with EC2 capacity, and
	// with the instances' security group in its connections, so that a load
	// balancer target opens only the ports it needs.
	ServiceCluster awsecs.ICluster
	// InstanceSecurityGroup is the instances' security group; it admits nothing by default.
	InstanceSecurityGroup awsec2.SecurityGroup
	// InstanceRole is the instances' role: the ECS agent and Session Manager only.
	InstanceRole awsiam.Role
	// LaunchTemplate starts the instances.
	LaunchTemplate awsec2.LaunchTemplate
	// FleetRole lets Spot Fleet launch and terminate the instances
	// (SpotFleetCapacity; nil otherwise).
	FleetRole awsiam.Role
	// SpotFleet is the request (SpotFleetCapacity; nil otherwise).
	SpotFleet awsec2.CfnSpotFleet
	// ServiceLinkedRoles are Spot's service-linked roles, with
	// Props.CreateServiceLinkedRoles, or empty.
	ServiceLinkedRoles []awsiam.CfnServiceLinkedRole
	// Capacity scales the request's target capacity (SpotFleetCapacity; nil
	// otherwise).
	Capacity awsapplicationautoscaling.ScalableTarget

	// AutoScalingGroup holds the Spot instances (AutoScalingCapacity; nil
	// otherwise).
	AutoScalingGroup awsautoscaling.AutoScalingGroup
	// CapacityProvider is the group as the cluster's capacity provider, with
	// managed scaling and managed draining (AutoScalingCapacity; nil
	// otherwise).
	CapacityProvider awsecs.AsgCapacityProvider
	// CapacityProviderAssociations makes CapacityProvider the cluster's
	// default (AutoScalingCapacity; nil otherwise).
	CapacityProviderAssociations awsecs.CfnClusterCapacityProviderAssociations
	// CapacityProviderStrategies place a service's tasks on CapacityProvider,
	// so that managed scaling counts them: pass them to albservice
	// (Props.CapacityProviderStrategies). Nil with SpotFleetCapacity, whose
	// services use the EC2 launch type.
	CapacityProviderStrategies []*awsecs.CapacityProviderStrategy
}

// WaitForCapacity makes dependent (a service) wait for the capacity to be
// created: created first, a service finds no instance to place its tasks
// on, or no capacity provider, and its deployment circuit breaker may roll
// it back before the instances register.
func (s *SpotFleetCluster) WaitForCapacity(dependent constructs.IConstruct) {
	if s.SpotFleet != nil {
		dependent.Node().AddDependency(s.SpotFleet, s.Capacity)
		return
	}
	dependent.Node().AddDependency(s.AutoScalingGroup, s.CapacityProviderAssociations)
}

// AmiContextKey is the cdk.context.json key under which the CDK caches the
// ECS-optimized Amazon Linux 2023 AMI of an account, a region and an
// architecture, when a Spot Fleet cluster looks it up at synth. Delete the
// entry (cdk context --reset KEY) to take the newest AMI on the next synth.
func AmiContextKey(account, region, arch string) string {
	return fmt.Sprintf("ssm:account=%s:parameterName=%s:region=%s", account, amiParameter(arch), region)
}

// amiParameter is the public SSM parameter of the ECS-optimized Amazon
// Linux 2023 AMI ("Retrieving Amazon ECS-optimized Linux AMI metadata",
// Amazon ECS developer guide); awsecs.EcsOptimizedImage_AmazonLinux2023
// reads the same one.
func amiParameter(arch string) string {
	if arch == Arm64 {
		return "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id"
	}
	return "/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id"
}

var armFamily = regexp.MustCompile(`^[a-z]+[0-9]+[a-z-]*g[a-z-]*\.`)

// ArchitectureOf tells an instance type's architecture: Graviton families
// carry a "g" after the generation (m7g, c6gn, r7gd, t4g).
func ArchitectureOf(instanceType string) string {
	if armFamily.MatchString(instanceType) {
		return Arm64
	}
	return X8664
}

// NewSpotFleetCluster builds the cluster and its fleet. It panics with a
// message naming the props at fault when they are invalid.
func NewSpotFleetCluster(scope constructs.Construct, id string, props *Props) *SpotFleetCluster {
	if props == nil {
		props = &Props{}
	}
	cfg, err := resolve(props)
	if err != nil {
		panic(fmt.Sprintf("spotcluster.NewSpotFleetCluster %q: %v", id, err))
	}
	s := &SpotFleetCluster{Construct: constructs.NewConstruct(scope, jsii.String(id))}
	if cfg.existingVpc != nil {
		s.Vpc = cfg.existingVpc
	} else {
		s.Vpc = defaults.Vpc(s.Construct, cfg.vpcProps)
	}
	s.Cluster = awsecs.NewCluster(s.Construct, jsii.String("Cluster"), &awsecs.ClusterProps{
		Vpc: s.Vpc, ContainerInsightsV2: awsecs.ContainerInsights_ENABLED,
	})
	s.InstanceSecurityGroup = awsec2.NewSecurityGroup(s.Construct, jsii.String("Instances"), &awsec2.SecurityGroupProps{
		Vpc: s.Vpc, Description: jsii.String("ECS container instances of the Spot Fleet: admits only what services open"),
	})
	s.ServiceCluster = awsecs.Cluster_FromClusterAttributes(s.Construct, jsii.String("ServiceCluster"), &awsecs.ClusterAttributes{
		ClusterName: s.Cluster.ClusterName(), ClusterArn: s.Cluster.ClusterArn(), Vpc: s.Vpc,
		HasEc2Capacity: jsii.Bool(true), SecurityGroups: &[]awsec2.ISecurityGroup{s.InstanceSecurityGroup},
	})
	image, err := s.machineImage(cfg)
	if err != nil {
		panic(fmt.Sprintf("spotcluster.NewSpotFleetCluster %q: %v", id, err))
	}
	s.buildInstanceRole()
	s.buildLaunchTemplate(cfg, image)
	if cfg.capacity == AutoScalingCapacity {
		s.buildAutoScalingGroup(cfg)
		return s
	}
	s.buildFleet(cfg)
	s.buildScaling(cfg)
	return s
}

// machineImage is Props.MachineImage, or the ECS-optimized Amazon Linux
// 2023 AMI: for a Spot Fleet, looked up at synth and cached in the context,
// because CloudFormation reads an SSM parameter again on every deployment
// and a new launch template version replaces the fleet; for an Auto Scaling
// group, from the parameter, since a new version replaces nothing.
func (s *SpotFleetCluster) machineImage(cfg *config) (awsec2.IMachineImage, error) {
	if cfg.image != nil {
		return cfg.image, nil
	}
	hardware := awsecs.AmiHardwareType_ARM
	if cfg.arch == X8664 {
		hardware = awsecs.AmiHardwareType_STANDARD
	}
	if cfg.capacity == AutoScalingCapacity {
		return awsecs.EcsOptimizedImage_AmazonLinux2023(hardware, nil), nil
	}
	stack := awscdk.Stack_Of(s.Construct)
	if *awscdk.Token_IsUnresolved(stack.Account()) || *awscdk.Token_IsUnresolved(stack.Region()) {
		return nil, fmt.Errorf("a Spot Fleet needs an AMI fixed at synth, because a new launch template version replaces the fleet: "+
			"pass Props.MachineImage (awsec2.MachineImage_GenericLinux with the AMI ID of %s), or give the stack a concrete account and region "+
			"(StackProps.Env) so that the CDK CLI looks the AMI up with your credentials and caches it in cdk.context.json under %q; "+
			"or use Props.Capacity %q", amiParameter(cfg.arch), AmiContextKey("<account>", "<region>", cfg.arch), AutoScalingCapacity)
	}
	return awsecs.EcsOptimizedImage_AmazonLinux2023(hardware, &awsecs.EcsOptimizedImageOptions{CachedInContext: jsii.Bool(true)}), nil
}

// buildInstanceRole gives the instances what the ECS agent and Session
// Manager need, instead of AmazonEC2ContainerServiceforEC2Role and
// AmazonSSMManagedInstanceCore. Tasks pull images and write logs with their
// own execution roles.
func (s *SpotFleetCluster) buildInstanceRole() {
	stack := awscdk.Stack_Of(s.Construct)
	instances := stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("ecs"), Resource: jsii.String("container-instance"),
		ResourceName: jsii.String(*s.Cluster.ClusterName() + "/*"), ArnFormat: awscdk.ArnFormat_SLASH_RESOURCE_NAME})
	s.InstanceRole = awsiam.NewRole(s.Construct, jsii.String("InstanceRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("ec2.amazonaws.com"), nil),
		Description: jsii.String("ECS container instances of the Spot Fleet: the ECS agent and Session Manager only"),
		InlinePolicies: &map[string]awsiam.PolicyDocument{"EcsAgentAndSessionManager": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{
			Statements: &[]awsiam.PolicyStatement{
				// Each action on the resource type the Service Authorization
				// Reference gives it (Amazon ECS, "Actions defined by Amazon
				// Elastic Container Service"): these five act on the cluster;
				awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
					Actions: jsii.Strings("ecs:RegisterContainerInstance", "ecs:DeregisterContainerInstance", "ecs:SubmitContainerStateChange",
						"ecs:SubmitTaskStateChange", "ecs:SubmitAttachmentStateChanges"),
					Resources: &[]*string{s.Cluster.ClusterArn()},
				}),
				// these on a container instance, with the cluster as the
				// ecs:cluster condition key. UpdateContainerInstancesState is
				// how the agent drains its instance on a Spot interruption
				// notice (ECS_ENABLE_SPOT_INSTANCE_DRAINING); granted on the
				// cluster ARN it would be denied (aws/aws-cdk#3199).
				awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
					Actions:    jsii.Strings("ecs:Poll", "ecs:StartTelemetrySession", "ecs:PutAttributes", "ecs:UpdateContainerInstancesState"),
					Resources:  &[]*string{instances},
					Conditions: &map[string]any{"ArnEquals": map[string]any{"ecs:cluster": s.Cluster.ClusterArn()}},
				}),
				awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
					Actions: jsii.Strings("ecs:DiscoverPollEndpoint", "ssm:UpdateInstanceInformation", "ssmmessages:CreateControlChannel",
						"ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"),
					Resources: jsii.Strings("*"),
				}),
			},
		})},
	})
	nag.Suppress(s.InstanceRole, "AwsSolutions-IAM5",
		"ecs:DiscoverPollEndpoint and the Session Manager channel actions have no resource-level permissions; container instance ids are assigned at run time",
		"Resource::*", `/^Resource::arn:.+:container-instance\/.+\/\*$/`)
}

func (s *SpotFleetCluster) buildLaunchTemplate(cfg *config, image awsec2.IMachineImage) {
	userData := awsec2.UserData_ForLinux(nil)
	userData.AddCommands(
		jsii.String("echo ECS_CLUSTER="+*s.Cluster.ClusterName()+" >> /etc/ecs/ecs.config"),
		// Drain tasks on the two-minute Spot interruption notice ("Spot
		// Instance draining", Amazon ECS developer guide).
		jsii.String("echo ECS_ENABLE_SPOT_INSTANCE_DRAINING=true >> /etc/ecs/ecs.config"),
		// Tasks in bridge mode must not reach the instance's credentials
		// through the instance metadata service: drop what containers send
		// to it ("Amazon ECS task IAM role", restricting instance metadata
		// for bridge network mode). The agent, on the host's network, keeps
		// it. The hop limit of 1 below stops IMDSv2 tokens from crossing
		// Docker's bridge as a second guard.
		jsii.String("dnf install -y iptables-services || yum install -y iptables-services"),
		jsii.String("iptables --insert FORWARD 1 --in-interface docker+ --destination 169.254.169.254/32 --jump DROP"),
		jsii.String("iptables-save > /etc/sysconfig/iptables && systemctl enable --now iptables"),
	)
	s.LaunchTemplate = awsec2.NewLaunchTemplate(s.Construct, jsii.String("LaunchTemplate"), &awsec2.LaunchTemplateProps{
		MachineImage:  image,
		Role:          s.InstanceRole,
		SecurityGroup: s.InstanceSecurityGroup,
		UserData:      userData,
		RequireImdsv2: jsii.Bool(true),
		// One hop: a container behind Docker's bridge is a hop further away
		// and gets no IMDSv2 token ("Configure the instance metadata
		// options", EC2 user guide: the PUT response hop limit).
		HttpPutResponseHopLimit: jsii.Number(1),
		BlockDevices: &[]*awsec2.BlockDevice{{
			DeviceName: jsii.String("/dev/xvda"),
			Volume: awsec2.BlockDeviceVolume_Ebs(jsii.Number(cfg.disk), &awsec2.EbsDeviceOptions{
				Encrypted: jsii.Bool(true), VolumeType: awsec2.EbsDeviceVolumeType_GP3, DeleteOnTermination: jsii.Bool(true),
			}),
		}},
	})
}

// buildFleet makes the request: every instance type in every private
// subnet, with the post's optional price caps and size weights.
func (s *SpotFleetCluster) buildFleet(cfg *config) {
	stack := awscdk.Stack_Of(s.Construct)
	region, account, partition := *stack.Region(), *stack.Account(), *stack.Partition()
	ec2Any := fmt.Sprintf("arn:%s:ec2:%s:%s:*", partition, region, account)
	images := fmt.Sprintf("arn:%s:ec2:%s::image/*", partition, region)
	s.FleetRole = awsiam.NewRole(s.Construct, jsii.String("FleetRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("spotfleet.amazonaws.com"), nil),
		Description: jsii.String("Spot Fleet launches and terminates the cluster's instances"),
		// AmazonEC2SpotFleetTaggingRole allows iam:PassRole on every role; this
		// inline equivalent passes the instance role only.
		InlinePolicies: &map[string]awsiam.PolicyDocument{"SpotFleet": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{
			Statements: &[]awsiam.PolicyStatement{
				awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
					Actions:   jsii.Strings("ec2:RunInstances", "ec2:CreateTags", "ec2:RequestSpotInstances", "ec2:TerminateInstances"),
					Resources: jsii.Strings(ec2Any, images),
				}),
				awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
					Actions:   jsii.Strings("ec2:DescribeImages", "ec2:DescribeSubnets", "ec2:DescribeInstanceStatus"),
					Resources: jsii.Strings("*"),
				}),
				awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
					Actions:    jsii.Strings("iam:PassRole"),
					Resources:  &[]*string{s.InstanceRole.RoleArn()},
					Conditions: &map[string]any{"StringEquals": map[string]any{"iam:PassedToService": "ec2.amazonaws.com"}},
				}),
			},
		})},
	})
	nag.Suppress(s.FleetRole, "AwsSolutions-IAM5",
		"Spot Fleet creates instances, volumes and network interfaces whose ids are not known in advance, from any ECS-optimized image; "+
			"EC2 Describe calls have no resource-level permissions",
		"Resource::*", `/^Resource::arn:.+:ec2:.+:\*$/`, `/^Resource::arn:.+:ec2:.+::image\/\*$/`)

	subnets := s.Vpc.SelectSubnets(&awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS}).Subnets
	var overrides []any
	for _, t := range cfg.types {
		for _, subnet := range *subnets {
			o := &awsec2.CfnSpotFleet_LaunchTemplateOverridesProperty{InstanceType: jsii.String(t), SubnetId: subnet.SubnetId()}
			o.SpotPrice, o.WeightedCapacity = cfg.maxPrices[t], cfg.weights[t]
			overrides = append(overrides, o)
		}
	}
	data := &awsec2.CfnSpotFleet_SpotFleetRequestConfigDataProperty{
		IamFleetRole:                     s.FleetRole.RoleArn(),
		AllocationStrategy:               jsii.String(cfg.strategy),
		TargetCapacity:                   jsii.Number(cfg.target),
		Type:                             jsii.String("maintain"),
		ReplaceUnhealthyInstances:        jsii.Bool(true),
		TerminateInstancesWithExpiration: jsii.Bool(true),
		InstanceInterruptionBehavior:     jsii.String("terminate"),
		LaunchTemplateConfigs: &[]any{&awsec2.CfnSpotFleet_LaunchTemplateConfigProperty{
			LaunchTemplateSpecification: &awsec2.CfnSpotFleet_FleetLaunchTemplateSpecificationProperty{
				LaunchTemplateId: s.LaunchTemplate.LaunchTemplateId(),
				Version:          s.LaunchTemplate.LatestVersionNumber(),
			},
			Overrides: &overrides,
		}},
	}
	if cfg.onDemand > 0 {
		data.OnDemandTargetCapacity = jsii.Number(cfg.onDemand)
		data.OnDemandAllocationStrategy = jsii.String("lowestPrice")
	}
	s.SpotFleet = awsec2.NewCfnSpotFleet(s.Construct, jsii.String("SpotFleet"), &awsec2.CfnSpotFleetProps{SpotFleetRequestConfigData: data})
	if cfg.linkedRoles {
		for _, svc := range []string{"spotfleet.amazonaws.com", "spot.amazonaws.com"} {
			role := awsiam.NewCfnServiceLinkedRole(s.Construct, jsii.String("LinkedRole-"+svc), &awsiam.CfnServiceLinkedRoleProps{
				AwsServiceName: jsii.String(svc),
				Description:    jsii.String("Created by the Spot Fleet cluster: Spot Fleet requests through the API need it"),
			})
			s.ServiceLinkedRoles = append(s.ServiceLinkedRoles, role)
			s.SpotFleet.AddDependency(role)
		}
	}
}

// buildScaling tracks the cluster's reservation with Application Auto
// Scaling on the request's target capacity.
func (s *SpotFleetCluster) buildScaling(cfg *config) {
	// Application Auto Scaling scales a Spot Fleet request with its own
	// service-linked role, which it creates when the target is registered
	// ("Service-linked roles for Application Auto Scaling"); a custom role
	// would be ignored for Spot Fleet.
	stack := awscdk.Stack_Of(s.Construct)
	linkedRole := awsiam.Role_FromRoleArn(s.Construct, jsii.String("ScalingRole"), jsii.String(fmt.Sprintf(
		"arn:%s:iam::%s:role/aws-service-role/ec2.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_EC2SpotFleetRequest",
		*stack.Partition(), *stack.Account())), &awsiam.FromRoleArnOptions{Mutable: jsii.Bool(false)})
	s.Capacity = awsapplicationautoscaling.NewScalableTarget(s.Construct, jsii.String("Capacity"), &awsapplicationautoscaling.ScalableTargetProps{
		Role:              linkedRole,
		ServiceNamespace:  awsapplicationautoscaling.ServiceNamespace_EC2,
		ResourceId:        jsii.String("spot-fleet-request/" + *s.SpotFleet.Ref()),
		ScalableDimension: jsii.String("ec2:spot-fleet-request:TargetCapacity"),
		MinCapacity:       jsii.Number(cfg.min),
		MaxCapacity:       jsii.Number(cfg.max),
	})
	metric := cfg.metric
	s.Capacity.ScaleToTrackMetric(jsii.String(metric), &awsapplicationautoscaling.BasicTargetTrackingScalingPolicyProps{
		TargetValue: jsii.Number(cfg.percent),
		CustomMetric: awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace: jsii.String("AWS/ECS"), MetricName: jsii.String(metric),
			DimensionsMap: &map[string]*string{"ClusterName": s.Cluster.ClusterName()},
			Statistic:     jsii.String("Average"), Period: awscdk.Duration_Minutes(jsii.Number(1)),
		}),
	})
}

// buildAutoScalingGroup makes the Spot instances an Auto Scaling group with
// a mixed-instances policy, and the cluster's default capacity provider.
func (s *SpotFleetCluster) buildAutoScalingGroup(cfg *config) {
	var overrides []*awsautoscaling.LaunchTemplateOverrides
	for _, t := range cfg.types {
		overrides = append(overrides, &awsautoscaling.LaunchTemplateOverrides{InstanceType: awsec2.NewInstanceType(jsii.String(t))})
	}
	strategy := map[string]awsautoscaling.SpotAllocationStrategy{
		PriceCapacityOptimized: awsautoscaling.SpotAllocationStrategy_PRICE_CAPACITY_OPTIMIZED,
		CapacityOptimized:      awsautoscaling.SpotAllocationStrategy_CAPACITY_OPTIMIZED,
		LowestPrice:            awsautoscaling.SpotAllocationStrategy_LOWEST_PRICE,
	}[cfg.strategy]
	s.AutoScalingGroup = awsautoscaling.NewAutoScalingGroup(s.Construct, jsii.String("Group"), &awsautoscaling.AutoScalingGroupProps{
		Vpc:        s.Vpc,
		VpcSubnets: &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS},
		MixedInstancesPolicy: &awsautoscaling.MixedInstancesPolicy{
			LaunchTemplate:          s.LaunchTemplate,
			LaunchTemplateOverrides: &overrides,
			InstancesDistribution: &awsautoscaling.InstancesDistribution{
				OnDemandBaseCapacity:                jsii.Number(cfg.onDemand),
				OnDemandPercentageAboveBaseCapacity: jsii.Number(0),
				SpotAllocationStrategy:              strategy,
			},
		},
		// No DesiredCapacity: ECS managed scaling sets it, and a template
		// value would reset it on every deployment.
		MinCapacity: jsii.Number(cfg.min),
		MaxCapacity: jsii.Number(cfg.max),
		// Launch a replacement when EC2 signals that a Spot instance is at
		// elevated risk of interruption ("Capacity Rebalancing", Amazon EC2
		// Auto Scaling user guide); ECS drains the old one.
		CapacityRebalance: jsii.Bool(true),
		// Instances older than this are replaced, so a new AMI reaches every
		// instance within it ("Replace Auto Scaling instances based on
		// maximum instance lifetime").
		MaxInstanceLifetime: awscdk.Duration_Days(jsii.Number(cfg.lifetimeDays)),
	})
	nag.Suppress(s.AutoScalingGroup, "AwsSolutions-AS3",
		"ECS managed scaling drives the group; its scaling activities are in the ECS service events and the group's activity history")
	nag.Suppress(s.AutoScalingGroup, "CdkNagValidationFailure",
		"AwsSolutions-EC26 cannot read a mixed-instances policy's launch template; that template encrypts the root volume (tested)", "AwsSolutions-EC26")
	s.CapacityProvider = awsecs.NewAsgCapacityProvider(s.Construct, jsii.String("CapacityProvider"), &awsecs.AsgCapacityProviderProps{
		AutoScalingGroup:      s.AutoScalingGroup,
		EnableManagedScaling:  jsii.Bool(true),
		TargetCapacityPercent: jsii.Number(cfg.percent),
		// ECS drains an instance before every termination Auto Scaling
		// starts: scale-in, capacity rebalancing, maximum lifetime and
		// instance refresh ("Safely stop Amazon ECS workloads running on EC2
		// instances", Amazon ECS developer guide). A Spot interruption is
		// EC2's, drained by the agent within the two-minute notice
		// (ECS_ENABLE_SPOT_INSTANCE_DRAINING above).
		EnableManagedDraining: jsii.Bool(true),
		// Off: with scale-in protection on every instance, deleting the stack
		// hangs while the group waits for protected instances
		// (aws/aws-cdk#18179); managed draining moves the tasks before a
		// scale-in termination instead.
		EnableManagedTerminationProtection: jsii.Bool(false),
	})
	// The association is made here rather than by Cluster.AddAsgCapacityProvider,
	// which would also grant the instance role ecs:Submit* and ecr, logs
	// actions on every resource.
	name := s.CapacityProvider.CapacityProviderName()
	s.CapacityProviderStrategies = []*awsecs.CapacityProviderStrategy{{CapacityProvider: name, Weight: jsii.Number(1)}}
	s.CapacityProviderAssociations = awsecs.NewCfnClusterCapacityProviderAssociations(s.Construct, jsii.String("CapacityProviders"),
		&awsecs.CfnClusterCapacityProviderAssociationsProps{
			Cluster:           s.Cluster.ClusterName(),
			CapacityProviders: &[]any{name},
			DefaultCapacityProviderStrategy: &[]any{&awsecs.CfnClusterCapacityProviderAssociations_CapacityProviderStrategyProperty{
				CapacityProvider: name, Weight: jsii.Number(1),
			}},
		})
}
