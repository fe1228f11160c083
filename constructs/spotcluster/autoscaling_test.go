package spotcluster_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/assertions"
	"github.com/blueprints-cdk/blueprints/constructs/spotcluster"
)

var groupCluster *spotcluster.SpotFleetCluster // built by group

// group is the Auto Scaling capacity with its defaults, in an
// environment-agnostic stack: it needs no lookup.
var group = assertions.Cached(func(app awscdk.App) awscdk.Stack {
	stack := awscdk.NewStack(app, jsii.String("SpotClusterGroup"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("us-east-1")}})
	groupCluster = spotcluster.NewSpotFleetCluster(stack, "Spot", &spotcluster.Props{Capacity: jsii.String(spotcluster.AutoScalingCapacity)})
	return stack
})

func TestGroupSuite(t *testing.T) { assertions.Suite(t, group(t)) }

// The group launches Spot instances only, of the diversified arm64 mix,
// price-capacity-optimized, in the private subnets. It starts empty, as
// ECS recommends for a capacity provider's group, and ECS managed scaling
// sets its desired capacity, so the template does not.
func TestTheGroupLaunchesADiversifiedSpotMix(t *testing.T) {
	r := group(t)
	assertions.ResourceCountIs(t, r, "AWS::EC2::SpotFleet", 0)
	assertions.ResourceCountIs(t, r, "AWS::ApplicationAutoScaling::ScalableTarget", 0)
	g := assertions.OnlyProperties(t, r, "AWS::AutoScaling::AutoScalingGroup", nil)
	if g["MinSize"] != "0" || g["MaxSize"] != "10" || g["DesiredCapacity"] != nil || g["CapacityRebalance"] != true ||
		g["MaxInstanceLifetime"] != 14.0*24*3600 || g["NewInstancesProtectedFromScaleIn"] != nil {
		t.Errorf("group: %s", assertions.JSON(g))
	}
	if subnets := g["VPCZoneIdentifier"].([]any); len(subnets) != 2 || !strings.Contains(assertions.JSON(subnets), "PrivateSubnet") {
		t.Errorf("subnets: %s", assertions.JSON(subnets))
	}
	policy := g["MixedInstancesPolicy"].(map[string]any)
	if d := assertions.JSON(policy["InstancesDistribution"]); d !=
		`{"OnDemandBaseCapacity":0,"OnDemandPercentageAboveBaseCapacity":0,"SpotAllocationStrategy":"price-capacity-optimized"}` {
		t.Errorf("distribution: %s", d)
	}
	lt := policy["LaunchTemplate"].(map[string]any)
	var types []string
	for _, o := range lt["Overrides"].([]any) {
		types = append(types, o.(map[string]any)["InstanceType"].(string))
	}
	if strings.Join(types, " ") != strings.Join(spotcluster.DefaultInstanceTypes[spotcluster.Arm64], " ") {
		t.Errorf("overrides: %v", types)
	}
	if spec := assertions.JSON(lt["LaunchTemplateSpecification"]); !strings.Contains(spec, `"Version":{"Fn::GetAtt":[`) ||
		!strings.Contains(spec, `"LatestVersionNumber"]}`) {
		t.Errorf("launch template: %s", spec)
	}
}

// The group is the cluster's default capacity provider: ECS scales it on
// the tasks' needs and drains an instance before it goes; scale-in
// protection stays off, so that deleting the stack does not hang.
func TestTheGroupIsTheClustersManagedCapacityProvider(t *testing.T) {
	r := group(t)
	cp := assertions.OnlyProperties(t, r, "AWS::ECS::CapacityProvider", nil)["AutoScalingGroupProvider"].(map[string]any)
	asg := assertions.LogicalID(groupCluster.AutoScalingGroup)
	if assertions.JSON(cp["AutoScalingGroupArn"]) != `{"Ref":"`+asg+`"}` || cp["ManagedDraining"] != "ENABLED" ||
		cp["ManagedTerminationProtection"] != "DISABLED" || assertions.JSON(cp["ManagedScaling"]) != `{"Status":"ENABLED","TargetCapacity":75}` {
		t.Errorf("capacity provider: %s", assertions.JSON(cp))
	}
	assoc := assertions.OnlyProperties(t, r, "AWS::ECS::ClusterCapacityProviderAssociations", nil)
	provider := `{"Ref":"` + assertions.OnlyLogicalID(t, r, "AWS::ECS::CapacityProvider", nil) + `"}`
	cluster := `{"Ref":"` + assertions.LogicalID(groupCluster.Cluster) + `"}`
	if assertions.JSON(assoc["Cluster"]) != cluster || assertions.JSON(assoc["CapacityProviders"]) != "["+provider+"]" ||
		assertions.JSON(assoc["DefaultCapacityProviderStrategy"]) != `[{"CapacityProvider":`+provider+`,"Weight":1}]` {
		t.Errorf("associations: %s", assertions.JSON(assoc))
	}
	if s := groupCluster.CapacityProviderStrategies; len(s) != 1 || *s[0].Weight != 1 {
		t.Errorf("strategies for services: %v", s)
	}
	// The instance role is the construct's own: adding the provider through
	// Cluster.AddAsgCapacityProvider would have added ecs:Submit* and
	// actions on every resource.
	if p := assertions.JSON(assertions.Find(r, "AWS::IAM::Role", nil)[assertions.LogicalID(groupCluster.InstanceRole)]); strings.Contains(p, "ecs:Submit*") ||
		strings.Contains(p, "logs:") {
		t.Errorf("instance role: %s", p)
	}
	for id, policy := range assertions.Find(r, "AWS::IAM::Policy", nil) {
		if strings.Contains(assertions.JSON(policy), `"`+assertions.LogicalID(groupCluster.InstanceRole)+`"`) {
			t.Errorf("%s adds to the instance role: %s", id, assertions.JSON(policy))
		}
	}
}

// With the group, the AMI may follow its public SSM parameter: a new AMI is
// a new launch template version, which updates the group in place
// (MixedInstancesPolicy is "Update requires: No interruption") and reaches
// the instances it launches; nothing is replaced, by either route. A pinned
// AMI that changes is no replacement either.
func TestANewAmiReplacesNothingInTheGroup(t *testing.T) {
	before := group(t)
	if params := assertions.JSON(before.JSON["Parameters"]); !strings.Contains(params,
		"/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id") {
		t.Errorf("the group's AMI is not the public parameter's: %s", params)
	}
	// A newly published AMI: the same text, and no deploy-time value in a
	// property that would replace.
	if replaced, err := assertions.Replacements(before, before); err != nil || len(replaced) != 0 {
		t.Errorf("a newly published AMI replaces %+v (%v)", replaced, err)
	}
	pinned := func(ami string) *assertions.Result {
		r, err := assertions.Synth(func(app awscdk.App) awscdk.Stack {
			stack := awscdk.NewStack(app, jsii.String("SpotClusterGroupPinned"), &awscdk.StackProps{Env: env})
			awscdk.Tags_Of(stack).Add(jsii.String("ami"), jsii.String(ami), nil) // a new tag, too
			spotcluster.NewSpotFleetCluster(stack, "Spot", &spotcluster.Props{
				Capacity:     jsii.String(spotcluster.AutoScalingCapacity),
				MachineImage: awsec2.MachineImage_GenericLinux(&map[string]*string{"us-east-1": jsii.String(ami)}, nil),
			})
			return stack
		}, assertions.WithoutValidation())
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	assertions.UpdateSafe(t, pinned(armAmi), pinned(x86Ami), nil)
}
