package spotcluster_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	cdkassertions "github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/assertions"
	"github.com/blueprints-cdk/blueprints/constructs/spotcluster"
)

const (
	account = "123456789012"
	// The AMIs the CDK CLI would have looked up and cached in
	// cdk.context.json: a test injects them as context.
	armAmi = "ami-0a1b2c3d4e5f60718"
	x86Ami = "ami-0f1e2d3c4b5a69788"
)

var env = &awscdk.Environment{Account: jsii.String(account), Region: jsii.String("us-east-1")}

// cachedAmis are the context a synth with credentials would have cached.
var cachedAmis = []assertions.Option{
	assertions.WithContext(spotcluster.AmiContextKey(account, "us-east-1", spotcluster.Arm64), armAmi),
	assertions.WithContext(spotcluster.AmiContextKey(account, "us-east-1", spotcluster.X8664), x86Ami),
}

var fleetCluster *spotcluster.SpotFleetCluster // built by fleet

var fleet = assertions.Cached(func(app awscdk.App) awscdk.Stack {
	stack := awscdk.NewStack(app, jsii.String("SpotClusterDefault"), &awscdk.StackProps{Env: env})
	fleetCluster = spotcluster.NewSpotFleetCluster(stack, "Spot", nil)
	return stack
}, cachedAmis...)

var mixed = assertions.Cached(func(app awscdk.App) awscdk.Stack {
	stack := awscdk.NewStack(app, jsii.String("SpotClusterMixed"), &awscdk.StackProps{Env: env})
	spotcluster.NewSpotFleetCluster(stack, "Spot", &spotcluster.Props{
		Architecture:           jsii.String(spotcluster.X8664),
		InstanceTypes:          jsii.Strings("c5.large", "c5.xlarge"),
		AllocationStrategy:     jsii.String(spotcluster.Diversified),
		MaxPrices:              &map[string]*string{"c5.large": jsii.String("0.05")},
		Weights:                &map[string]*float64{"c5.xlarge": jsii.Number(2)},
		TargetCapacity:         jsii.Number(4),
		OnDemandTargetCapacity: jsii.Number(1),
		ScaleOnMemory:          jsii.Bool(true),
	})
	return stack
}, cachedAmis...)

func config(t *testing.T, r *assertions.Result) map[string]any {
	return assertions.OnlyProperties(t, r, "AWS::EC2::SpotFleet", nil)["SpotFleetRequestConfigData"].(map[string]any)
}

func TestTheFleetMaintainsDiversifiedArm64CapacityAcrossTwoAZs(t *testing.T) {
	c := config(t, fleet(t))
	if c["AllocationStrategy"] != "priceCapacityOptimized" || c["Type"] != "maintain" || c["ReplaceUnhealthyInstances"] != true ||
		c["TerminateInstancesWithExpiration"] != true || c["TargetCapacity"] != 2.0 || c["OnDemandTargetCapacity"] != nil {
		t.Errorf("fleet: %v", c)
	}
	overrides := c["LaunchTemplateConfigs"].([]any)[0].(map[string]any)["Overrides"].([]any)
	types, subnets := map[string]bool{}, map[string]bool{}
	for _, o := range overrides {
		o := o.(map[string]any)
		types[o["InstanceType"].(string)] = true
		subnets[assertions.JSON(o["SubnetId"])] = true
		if spotcluster.ArchitectureOf(o["InstanceType"].(string)) != spotcluster.Arm64 {
			t.Errorf("%v is not arm64", o["InstanceType"])
		}
	}
	if len(types) < 4 || len(subnets) != 2 || len(overrides) != len(types)*len(subnets) {
		t.Errorf("want several types in two subnets, got %v in %v", types, subnets)
	}
}

func TestPricesWeightsAndAnOnDemandBase(t *testing.T) {
	c := config(t, mixed(t))
	if c["AllocationStrategy"] != "diversified" || c["TargetCapacity"] != 4.0 || c["OnDemandTargetCapacity"] != 1.0 {
		t.Errorf("fleet: %v", c)
	}
	got := map[string]string{}
	for _, o := range c["LaunchTemplateConfigs"].([]any)[0].(map[string]any)["Overrides"].([]any) {
		o := o.(map[string]any)
		got[o["InstanceType"].(string)] = fmt.Sprint(o["SpotPrice"], "/", o["WeightedCapacity"])
	}
	if got["c5.large"] != "0.05/<nil>" || got["c5.xlarge"] != "<nil>/2" {
		t.Errorf("overrides: %v", got)
	}
	assertions.HasResourceProperties(t, mixed(t), "AWS::ApplicationAutoScaling::ScalingPolicy", map[string]any{
		"TargetTrackingScalingPolicyConfiguration": assertions.ObjectLike(map[string]any{
			"CustomizedMetricSpecification": assertions.ObjectLike(map[string]any{"MetricName": "MemoryReservation", "Namespace": "AWS/ECS"}),
		}),
	})
}

func TestTheLaunchTemplateRequiresIMDSv2EncryptsAndJoinsTheClusterWithDraining(t *testing.T) {
	r := fleet(t)
	data := assertions.OnlyProperties(t, r, "AWS::EC2::LaunchTemplate", nil)["LaunchTemplateData"].(map[string]any)
	if fmt.Sprint(data["MetadataOptions"]) != "map[HttpPutResponseHopLimit:1 HttpTokens:required]" {
		t.Errorf("metadata options: %v", data["MetadataOptions"])
	}
	bd := data["BlockDeviceMappings"].([]any)[0].(map[string]any)
	if bd["DeviceName"] != "/dev/xvda" || bd["Ebs"].(map[string]any)["Encrypted"] != true {
		t.Errorf("root volume: %v", bd)
	}
	userData := assertions.JSON(data["UserData"])
	cluster := assertions.OnlyLogicalID(t, r, "AWS::ECS::Cluster", nil)
	for _, want := range []string{
		`"#!/bin/bash\necho ECS_CLUSTER=",{"Ref":"` + cluster + `"}," >> /etc/ecs/ecs.config\necho ECS_ENABLE_SPOT_INSTANCE_DRAINING=true >> /etc/ecs/ecs.config\n`,
		// Containers behind Docker's bridge cannot reach the instance metadata.
		`\niptables --insert FORWARD 1 --in-interface docker+ --destination 169.254.169.254/32 --jump DROP\n`,
	} {
		if !strings.Contains(userData, want) {
			t.Errorf("user data %s lacks %s", userData, want)
		}
	}
}

// A Spot Fleet's AMI is fixed at synth: the value the CDK CLI looked up and
// cached in cdk.context.json under AmiContextKey, never an SSM parameter
// that CloudFormation would read again on every deployment.
func TestTheFleetsAmiIsTheOneCachedInTheContext(t *testing.T) {
	for r, want := range map[*assertions.Result]string{fleet(t): armAmi, mixed(t): x86Ami} {
		data := assertions.OnlyProperties(t, r, "AWS::EC2::LaunchTemplate", nil)["LaunchTemplateData"].(map[string]any)
		if data["ImageId"] != want {
			t.Errorf("%s: ImageId %v, want the cached %s", r.ID, data["ImageId"], want)
		}
		if params := assertions.JSON(r.JSON["Parameters"]); strings.Contains(params, "/aws/service/ecs/") {
			t.Errorf("%s: the fleet still reads an SSM parameter at deploy time: %s", r.ID, params)
		}
	}
	if got := spotcluster.AmiContextKey(account, "eu-west-1", spotcluster.Arm64); got !=
		"ssm:account=123456789012:parameterName=/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id:region=eu-west-1" {
		t.Errorf("AmiContextKey: %s", got)
	}
}

// Without a concrete account there is nothing to look up with: synth fails,
// naming the prop, the parameter and the context key to fill.
func TestAFleetWithoutAnAmiOrAnAccountFailsNamingHowToFixIt(t *testing.T) {
	stack := awscdk.NewStack(assertions.NewApp(), jsii.String("S"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("us-east-1")}})
	assertions.PanicsWith(t, func() { spotcluster.NewSpotFleetCluster(stack, "Spot", nil) }, `"Spot"`, "Props.MachineImage",
		"/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id", "cdk.context.json",
		spotcluster.AmiContextKey("<account>", "<region>", spotcluster.Arm64), spotcluster.AutoScalingCapacity)
}

func TestIAM(t *testing.T) {
	r := fleet(t)
	fleetRole := assertions.Find(r, "AWS::IAM::Role", nil)[assertions.LogicalID(fleetCluster.FleetRole)]["Properties"].(map[string]any)
	assertions.HasResourceProperties(t, r, "AWS::IAM::Role", map[string]any{
		"AssumeRolePolicyDocument": map[string]any{"Statement": []any{map[string]any{
			"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": map[string]any{"Service": "spotfleet.amazonaws.com"},
		}}},
		"ManagedPolicyArns": assertions.Absent(),
	})
	if fleetRole["ManagedPolicyArns"] != nil {
		t.Errorf("fleet role: %v", fleetRole)
	}
	instanceRole := assertions.LogicalID(fleetCluster.InstanceRole)
	passRole := 0
	for _, policy := range []any{fleetRole["Policies"]} {
		for _, st := range policy.([]any)[0].(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			st := st.(map[string]any)
			if strings.Contains(assertions.JSON(st["Action"]), "iam:PassRole") {
				passRole++
				if assertions.JSON(st["Resource"]) != fmt.Sprintf(`{"Fn::GetAtt":["%s","Arn"]}`, instanceRole) {
					t.Errorf("iam:PassRole must name the instance role only: %v", st["Resource"])
				}
			}
		}
	}
	if passRole != 1 {
		t.Errorf("want one iam:PassRole statement, got %d", passRole)
	}
	ir := assertions.Find(r, "AWS::IAM::Role", nil)[instanceRole]["Properties"].(map[string]any)
	if ir["ManagedPolicyArns"] != nil || !strings.Contains(assertions.JSON(ir["Policies"]), "ssmmessages:OpenDataChannel") {
		t.Errorf("instance role: %v", ir)
	}
	assertions.ResourceCountIs(t, r, "AWS::IAM::InstanceProfile", 1)
}

func TestScalingTracksTheClustersCPUReservationOnTheFleetsCapacity(t *testing.T) {
	r := fleet(t)
	assertions.HasResourceProperties(t, r, "AWS::ApplicationAutoScaling::ScalableTarget", map[string]any{
		"ScalableDimension": "ec2:spot-fleet-request:TargetCapacity", "ServiceNamespace": "ec2", "MinCapacity": 2.0, "MaxCapacity": 10.0,
	})
	assertions.HasResourceProperties(t, r, "AWS::ApplicationAutoScaling::ScalingPolicy", map[string]any{
		"PolicyType": "TargetTrackingScaling",
		"TargetTrackingScalingPolicyConfiguration": assertions.ObjectLike(map[string]any{
			"TargetValue":                   75.0,
			"CustomizedMetricSpecification": assertions.ObjectLike(map[string]any{"MetricName": "CPUReservation", "Namespace": "AWS/ECS"}),
		}),
	})
}

func TestInvalidPropsFailWithAClearMessage(t *testing.T) {
	cases := map[string]struct {
		props *spotcluster.Props
		want  string
	}{
		"mixed architectures": {&spotcluster.Props{InstanceTypes: jsii.Strings("m7g.large", "m7i.large")}, "m7i.large is x86_64, not arm64"},
		"strategy":            {&spotcluster.Props{AllocationStrategy: jsii.String("cheapest")}, "Props.AllocationStrategy"},
		"price for unknown":   {&spotcluster.Props{MaxPrices: &map[string]*string{"c4.large": jsii.String("0.1")}}, "Props.MaxPrices names c4.large"},
		"on-demand too big":   {&spotcluster.Props{OnDemandTargetCapacity: jsii.Number(5)}, "Props.OnDemandTargetCapacity"},
		"architecture":        {&spotcluster.Props{Architecture: jsii.String("riscv")}, "Props.Architecture"},
		"capacity":            {&spotcluster.Props{Capacity: jsii.String("EC2Fleet")}, `Props.Capacity "EC2Fleet" must be "SpotFleet" or "AutoScalingGroup"`},
		"lifetime on a fleet": {&spotcluster.Props{MaxInstanceLifetimeDays: jsii.Number(7)}, "Props.MaxInstanceLifetimeDays needs Props.Capacity"},
		"group price caps": {&spotcluster.Props{Capacity: jsii.String(spotcluster.AutoScalingCapacity),
			MaxPrices: &map[string]*string{"m7g.large": jsii.String("0.05")}}, "Props.MaxPrices (an Auto Scaling group has one Spot price cap"},
		"group on memory": {&spotcluster.Props{Capacity: jsii.String(spotcluster.AutoScalingCapacity), ScaleOnMemory: jsii.Bool(true)},
			"Props.ScaleOnMemory"},
		"group target": {&spotcluster.Props{Capacity: jsii.String(spotcluster.AutoScalingCapacity), TargetCapacity: jsii.Number(3)},
			"Props.TargetCapacity (ECS managed scaling"},
		"group linked roles": {&spotcluster.Props{Capacity: jsii.String(spotcluster.AutoScalingCapacity), CreateServiceLinkedRoles: jsii.Bool(true)},
			"Props.CreateServiceLinkedRoles"},
		"group diversified": {&spotcluster.Props{Capacity: jsii.String(spotcluster.AutoScalingCapacity), AllocationStrategy: jsii.String(spotcluster.Diversified)},
			"Diversified (Auto Scaling has no such"},
		"group lifetime": {&spotcluster.Props{Capacity: jsii.String(spotcluster.AutoScalingCapacity), MaxInstanceLifetimeDays: jsii.Number(0.5)},
			"Props.MaxInstanceLifetimeDays 0.5 must be a whole number of days from 1 to 365"},
		"group bounds": {&spotcluster.Props{Capacity: jsii.String(spotcluster.AutoScalingCapacity), MinCapacity: jsii.Number(4), MaxCapacity: jsii.Number(3)},
			"MinCapacity 4 <= MaxCapacity 3"},
		"group weights": {&spotcluster.Props{Capacity: jsii.String(spotcluster.AutoScalingCapacity),
			Weights: &map[string]*float64{"m7g.large": jsii.Number(2)}}, "Props.Weights (an ECS capacity provider's group cannot weight"},
		"fractional lifetime": {&spotcluster.Props{Capacity: jsii.String(spotcluster.AutoScalingCapacity), MaxInstanceLifetimeDays: jsii.Number(1.5)},
			"Props.MaxInstanceLifetimeDays 1.5 must be a whole number of days"},
		"group on-demand": {&spotcluster.Props{Capacity: jsii.String(spotcluster.AutoScalingCapacity), OnDemandTargetCapacity: jsii.Number(11)},
			"Props.OnDemandTargetCapacity 11 must be between 0 and Props.MaxCapacity 10"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			stack := awscdk.NewStack(assertions.NewApp(), jsii.String("S"), &awscdk.StackProps{Env: env})
			assertions.PanicsWith(t, func() { spotcluster.NewSpotFleetCluster(stack, "Bad", c.props) }, c.want, `"Bad"`)
		})
	}
}

func TestArchitectureOf(t *testing.T) {
	for typ, want := range map[string]string{"m7g.large": "arm64", "c6gn.xlarge": "arm64", "t4g.micro": "arm64", "r7gd.large": "arm64",
		"c4.large": "x86_64", "m7i.large": "x86_64", "m6a.large": "x86_64", "g5.xlarge": "x86_64", "m7i-flex.large": "x86_64"} {
		if got := spotcluster.ArchitectureOf(typ); got != want {
			t.Errorf("%s: %s, want %s", typ, got, want)
		}
	}
}

func TestSuite(t *testing.T)      { assertions.Suite(t, fleet(t)) }
func TestMixedSuite(t *testing.T) { assertions.Suite(t, mixed(t)) }

// Spot draining is the agent calling UpdateContainerInstancesState on its
// own container instance: granted on container-instance ARNs of this
// cluster, with the ecs:cluster condition, not on the cluster ARN.
func TestTheAgentMayDrainItsInstanceOnASpotInterruption(t *testing.T) {
	r := fleet(t)
	role := assertions.Find(r, "AWS::IAM::Role", nil)[assertions.LogicalID(fleetCluster.InstanceRole)]["Properties"].(map[string]any)
	cluster := assertions.LogicalID(fleetCluster.Cluster)
	var drain map[string]any
	for _, st := range role["Policies"].([]any)[0].(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
		st := st.(map[string]any)
		if strings.Contains(assertions.JSON(st["Action"]), "ecs:UpdateContainerInstancesState") {
			if drain != nil {
				t.Fatal("UpdateContainerInstancesState is granted twice")
			}
			drain = st
		}
	}
	if drain == nil {
		t.Fatal("no statement grants ecs:UpdateContainerInstancesState")
	}
	if !strings.Contains(assertions.JSON(drain["Resource"]), ":container-instance/") ||
		assertions.JSON(drain["Condition"]) != fmt.Sprintf(`{"ArnEquals":{"ecs:cluster":{"Fn::GetAtt":["%s","Arn"]}}}`, cluster) {
		t.Errorf("drain statement %s", assertions.JSON(drain))
	}
}

// The fleet's scalable target uses Application Auto Scaling's service-linked
// role for Spot Fleet, not a role of its own.
func TestScalingUsesTheSpotFleetServiceLinkedRole(t *testing.T) {
	r := fleet(t)
	target := assertions.OnlyProperties(t, r, "AWS::ApplicationAutoScaling::ScalableTarget", nil)
	if !strings.Contains(assertions.JSON(target["RoleARN"]),
		"role/aws-service-role/ec2.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_EC2SpotFleetRequest") {
		t.Errorf("RoleARN %v", target["RoleARN"])
	}
	for _, role := range assertions.Find(r, "AWS::IAM::Role", nil) {
		if strings.Contains(assertions.JSON(role["Properties"]), "application-autoscaling.amazonaws.com") {
			t.Errorf("a role of its own for Application Auto Scaling: %s", assertions.JSON(role))
		}
	}
}

// Spot's service-linked roles are created only when asked (once per
// account), and the fleet waits for them.
func TestServiceLinkedRolesAreOptIn(t *testing.T) {
	assertions.ResourceCountIs(t, fleet(t), "AWS::IAM::ServiceLinkedRole", 0)
	app := assertions.NewApp()
	stack := awscdk.NewStack(app, jsii.String("S"), &awscdk.StackProps{Env: env})
	c := spotcluster.NewSpotFleetCluster(stack, "Spot", &spotcluster.Props{CreateServiceLinkedRoles: jsii.Bool(true)})
	tpl := cdkassertions.Template_FromStack(stack, nil)
	tpl.ResourceCountIs(jsii.String("AWS::IAM::ServiceLinkedRole"), jsii.Number(2))
	for _, svc := range []string{"spotfleet.amazonaws.com", "spot.amazonaws.com"} {
		tpl.HasResourceProperties(jsii.String("AWS::IAM::ServiceLinkedRole"), map[string]any{"AWSServiceName": svc})
	}
	resources := (*tpl.ToJSON())["Resources"].(map[string]any)
	deps := assertions.JSON(resources[assertions.LogicalID(c.SpotFleet)].(map[string]any)["DependsOn"])
	for _, r := range c.ServiceLinkedRoles {
		if !strings.Contains(deps, `"`+assertions.LogicalID(r)+`"`) {
			t.Errorf("the fleet depends on %s, not on %s", deps, assertions.LogicalID(r))
		}
	}
}

// A pinned image is the template's own text: a newly published ECS AMI
// changes nothing, and no deploy-time value can replace the fleet; a new
// pinned image does, as a planned change the update-safety check shows.
func TestAPinnedMachineImageReplacesTheFleetOnlyWhenItChanges(t *testing.T) {
	synth := func(ami string) *assertions.Result {
		r, err := assertions.Synth(func(app awscdk.App) awscdk.Stack {
			stack := awscdk.NewStack(app, jsii.String("SpotClusterPinned"), &awscdk.StackProps{Env: env})
			spotcluster.NewSpotFleetCluster(stack, "Spot", &spotcluster.Props{
				MachineImage: awsec2.MachineImage_GenericLinux(&map[string]*string{"us-east-1": jsii.String(ami)}, nil),
			})
			return stack
		}, assertions.WithoutValidation())
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	before := synth("ami-0123456789abcdef0")
	if params := assertions.JSON(before.JSON["Parameters"]); strings.Contains(params, "/aws/service/ecs/") {
		t.Errorf("a pinned image still reads the SSM parameter: %s", params)
	}
	assertions.HasResourceProperties(t, before, "AWS::EC2::LaunchTemplate", map[string]any{
		"LaunchTemplateData": map[string]any{"ImageId": "ami-0123456789abcdef0"},
	})
	if replaced, err := assertions.Replacements(before, before); err != nil || len(replaced) != 0 {
		t.Errorf("with the image pinned, a newly published AMI replaces %+v (%v)", replaced, err)
	}
	replaced, err := assertions.Replacements(before, synth("ami-0fedcba9876543210"))
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, r := range replaced {
		types = append(types, r.Type+" "+r.Route)
	}
	slices.Sort(types)
	want := []string{
		"AWS::ApplicationAutoScaling::ScalableTarget deploy-time",
		"AWS::ApplicationAutoScaling::ScalingPolicy deploy-time",
		"AWS::EC2::SpotFleet deploy-time",
	}
	if !slices.Equal(types, want) {
		t.Errorf("a new pinned image replaces %q, want %q", types, want)
	}
}

// The page's architecture diagram is this stack's (make diagrams).
func TestDiagram(t *testing.T) { assertions.Diagram(t, fleet(t), "README.md") }
