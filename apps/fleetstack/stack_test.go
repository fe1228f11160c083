package fleetstack_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/apps/fleetstack"
	"github.com/blueprints-cdk/blueprints/assertions"
)

var env = &awscdk.Environment{Region: jsii.String("us-east-1")}

var fleet *fleetstack.FleetStack

var fleetStack = assertions.Cached(func(app awscdk.App) awscdk.Stack {
	fleet = fleetstack.NewFleetStack(app, "FleetStack", &fleetstack.Props{StackProps: awscdk.StackProps{Env: env}})
	return fleet.Stack
})

func TestSuite(t *testing.T) { assertions.Suite(t, fleetStack(t)) }

// The group is small, starts empty, requires IMDSv2 and encrypts its
// volume; the hook, its rule and the handler are there; the outputs say how
// to use them.
func TestTheFleetIsSmallEmptyAndHardened(t *testing.T) {
	r := fleetStack(t)
	group := assertions.OnlyProperties(t, r, "AWS::AutoScaling::AutoScalingGroup", nil)
	if group["MinSize"] != "0" || group["MaxSize"] != "2" || group["DesiredCapacity"] != nil {
		t.Errorf("group sizes %v %v %v", group["MinSize"], group["MaxSize"], group["DesiredCapacity"])
	}
	lt := assertions.JSON(assertions.OnlyProperties(t, r, "AWS::EC2::LaunchTemplate", nil))
	for _, want := range []string{
		`"HttpTokens":"required"`, `"Encrypted":true`, `"InstanceType":"t4g.micro"`, `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-arm64`,
	} {
		if !strings.Contains(lt, want) && !strings.Contains(assertions.JSON(r.JSON["Parameters"]), want) {
			t.Errorf("the launch template lacks %s: %s", want, lt)
		}
	}
	for typ, n := range map[string]int{"AWS::AutoScaling::LifecycleHook": 1, "AWS::Events::Rule": 1, "AWS::SQS::Queue": 2, "AWS::CloudWatch::Alarm": 3} {
		assertions.ResourceCountIs(t, r, typ, n)
	}
	for _, out := range []string{"GroupName", "ManagementSecurityGroupId", "AlarmTopicArn"} {
		assertions.HasOutput(t, r, out, map[string]any{"Value": assertions.AnyValue()})
	}
}

// The next deployment replaces nothing after a new handler build or a new
// tag; a new AMI behind the public parameter is a new launch template
// version, which updates the group in place.
func TestUpdateSafety(t *testing.T) {
	before := fleetStack(t)
	tagged, err := assertions.Synth(func(app awscdk.App) awscdk.Stack {
		awscdk.Tags_Of(app).Add(jsii.String("team"), jsii.String("fleet"), nil)
		return fleetstack.NewFleetStack(app, "FleetStack", &fleetstack.Props{StackProps: awscdk.StackProps{Env: env}}).Stack
	}, assertions.WithoutValidation())
	if err != nil {
		t.Fatal(err)
	}
	for name, after := range map[string]*assertions.Result{"new handler build": assertions.NextBuild(before), "new tag": tagged} {
		t.Run(name, func(t *testing.T) { assertions.UpdateSafe(t, before, after, nil) })
	}
	// A newly published AMI: the same template, resolved again at deploy
	// time; no replacing property takes a deploy-time value.
	if replaced, err := assertions.Replacements(before, before); err != nil || len(replaced) != 0 {
		t.Errorf("a newly published AMI replaces %+v (%v)", replaced, err)
	}
}

func TestDiagram(t *testing.T) { assertions.Diagram(t, fleetStack(t), "README.md") }
