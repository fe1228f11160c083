package asgeni_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/assertions"
	"github.com/blueprints-cdk/blueprints/assertions/local"
	"github.com/blueprints-cdk/blueprints/constructs/asgeni"
	contract "github.com/blueprints-cdk/blueprints/internal/asgeni"
	"github.com/blueprints-cdk/blueprints/internal/defaults"
	"github.com/blueprints-cdk/blueprints/internal/nag"
)

var env = &awscdk.Environment{Region: jsii.String("us-east-1")}

// fleet is a VPC of two zones, each with a subnet for the instances and a
// management subnet, and an empty group of small instances in it.
func fleet(stack awscdk.Stack, minimum float64) (awsec2.Vpc, awsautoscaling.AutoScalingGroup) {
	isolated := func(name string) *awsec2.SubnetConfiguration {
		return &awsec2.SubnetConfiguration{Name: jsii.String(name), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED, CidrMask: jsii.Number(24)}
	}
	vpc := defaults.Vpc(stack, &awsec2.VpcProps{
		MaxAzs: jsii.Number(2), NatGateways: jsii.Number(0),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{isolated("Instances"), isolated("Management")},
	})
	group := awsautoscaling.NewAutoScalingGroup(stack, jsii.String("Group"), &awsautoscaling.AutoScalingGroupProps{
		Vpc:          vpc,
		VpcSubnets:   &awsec2.SubnetSelection{SubnetGroupName: jsii.String("Instances")},
		InstanceType: awsec2.NewInstanceType(jsii.String("t4g.micro")),
		MachineImage: awsec2.MachineImage_LatestAmazonLinux2023(&awsec2.AmazonLinux2023ImageSsmParameterProps{
			CpuType: awsec2.AmazonLinuxCpuType_ARM_64,
		}),
		RequireImdsv2: jsii.Bool(true),
		BlockDevices: &[]*awsautoscaling.BlockDevice{{DeviceName: jsii.String("/dev/xvda"),
			Volume: awsautoscaling.BlockDeviceVolume_Ebs(jsii.Number(8), &awsautoscaling.EbsDeviceOptions{Encrypted: jsii.Bool(true)})}},
		MinCapacity: jsii.Number(minimum), MaxCapacity: jsii.Number(2),
	})
	nag.Suppress(group, "AwsSolutions-AS3", "A test fixture: its scaling notifications are not what the test is about")
	return vpc, group
}

func management() *awsec2.SubnetSelection {
	return &awsec2.SubnetSelection{SubnetGroupName: jsii.String("Management")}
}

// fixture is what a cached stack built.
type fixture struct {
	*asgeni.SecondaryEni
	group awsautoscaling.AutoScalingGroup
	vpc   awsec2.Vpc
}

// built are the fixtures of the cached stacks, by stack id.
var built = map[string]fixture{}

var eventBridge = assertions.Cached(func(app awscdk.App) awscdk.Stack {
	stack := awscdk.NewStack(app, jsii.String("SecondaryEni"), &awscdk.StackProps{Env: env})
	vpc, group := fleet(stack, 0)
	built["SecondaryEni"] = fixture{asgeni.NewSecondaryEni(stack, "Eni", &asgeni.Props{Group: group, Vpc: vpc, ManagementSubnets: management()}), group, vpc}
	return stack
})

var sns = assertions.Cached(func(app awscdk.App) awscdk.Stack {
	stack := awscdk.NewStack(app, jsii.String("SecondaryEniSns"), &awscdk.StackProps{Env: env})
	vpc, group := fleet(stack, 0)
	admin := awsec2.NewSecurityGroup(stack, jsii.String("Admin"), &awsec2.SecurityGroupProps{Vpc: vpc, AllowAllOutbound: jsii.Bool(false)})
	built["SecondaryEniSns"] = fixture{asgeni.NewSecondaryEni(stack, "Eni", &asgeni.Props{
		Group: group, Vpc: vpc, ManagementSubnets: management(), Trigger: asgeni.SnsTrigger,
		ExistingSecurityGroups: &[]awsec2.ISecurityGroup{admin}, DeviceIndex: jsii.Number(2),
		Timeout: awscdk.Duration_Seconds(jsii.Number(30)), RetryAttempts: jsii.Number(1),
	}), group, vpc}
	return stack
})

func TestSuite(t *testing.T)    { assertions.Suite(t, eventBridge(t)) }
func TestSuiteSns(t *testing.T) { assertions.Suite(t, sns(t)) }

// resolved replaces every intrinsic function in v by its value on this
// machine (local.Resolve, with refs), so that a pattern or a policy can be
// read as AWS will read it.
func resolved(t *testing.T, v any, refs map[string]string) any {
	t.Helper()
	switch x := v.(type) {
	case map[string]any:
		for k := range x {
			if k == "Ref" || strings.HasPrefix(k, "Fn::") {
				s, err := local.Resolve(x, refs)
				if err != nil {
					t.Fatal(err)
				}
				return s
			}
		}
		out := map[string]any{}
		for k, e := range x {
			out[k] = resolved(t, e, refs)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = resolved(t, e, refs)
		}
		return out
	}
	return v
}

// The hook holds each launching instance, abandons it unless the handler
// says CONTINUE, notifies no target through no role (EventBridge sees every
// lifecycle action), and is created only once its rule and handler exist.
func TestTheHookHoldsEachLaunchUntilTheHandlerIsDone(t *testing.T) {
	r := eventBridge(t)
	e := built["SecondaryEni"]
	id := assertions.LogicalID(e.Hook)
	hook := assertions.Find(r, "AWS::AutoScaling::LifecycleHook", nil)[id]
	props := hook["Properties"].(map[string]any)
	for k, want := range map[string]any{
		"LifecycleTransition": "autoscaling:EC2_INSTANCE_LAUNCHING", "DefaultResult": "ABANDON",
		"HeartbeatTimeout": float64(420), "LifecycleHookName": e.HookName,
	} {
		if props[k] != want {
			t.Errorf("hook %s = %v, want %v", k, props[k], want)
		}
	}
	for _, k := range []string{"NotificationTargetARN", "RoleARN"} {
		if _, ok := props[k]; ok {
			t.Errorf("the EventBridge-triggered hook has %s: %v", k, props[k])
		}
	}
	deps := assertions.JSON(hook["DependsOn"])
	for _, c := range []string{assertions.LogicalID(e.Rule), assertions.LogicalID(e.Handler.Function)} {
		if !strings.Contains(deps, `"`+c+`"`) {
			t.Errorf("the hook does not wait for %s: DependsOn %s", c, deps)
		}
	}
	assertions.ResourceCountIs(t, r, "AWS::SNS::Topic", 1) // the alarm topic only
}

// The default heartbeat covers three attempts of a minute and Lambda's
// waits of one and two minutes between them, plus QueueAllowance; an event
// older than that goes to FailedEvents instead of running, by either hop.
func TestTheHeartbeatCoversEveryAttempt(t *testing.T) {
	for _, c := range []struct {
		timeout time.Duration
		retries int
		want    time.Duration
	}{
		{time.Minute, 2, 7 * time.Minute},
		{30 * time.Second, 1, 3 * time.Minute},
		{10 * time.Second, 0, 70 * time.Second},
		{15 * time.Minute, 2, 49 * time.Minute},
	} {
		if got := asgeni.RequiredHeartbeat(c.timeout, c.retries); got != c.want {
			t.Errorf("RequiredHeartbeat(%s, %d) = %s, want %s", c.timeout, c.retries, got, c.want)
		}
	}
	r := eventBridge(t)
	e := built["SecondaryEni"]
	if got := *e.Heartbeat.ToSeconds(nil); got != 420 {
		t.Errorf("Heartbeat = %v s", got)
	}
	assertions.HasResourceProperties(t, r, "AWS::Lambda::EventInvokeConfig", map[string]any{
		"MaximumEventAgeInSeconds": 420, "MaximumRetryAttempts": 2,
		"DestinationConfig": map[string]any{"OnFailure": map[string]any{
			"Destination": map[string]any{"Fn::GetAtt": []any{assertions.LogicalID(e.FailedEvents), "Arn"}}}},
	})
	rule := assertions.OnlyProperties(t, r, "AWS::Events::Rule", nil)
	target := assertions.JSON(rule["Targets"])
	for _, want := range []string{`"MaximumEventAgeInSeconds":420`, `"DeadLetterConfig":{"Arn":{"Fn::GetAtt":["` + assertions.LogicalID(e.DeliveryDeadLetters)} {
		if !strings.Contains(target, want) {
			t.Errorf("the rule's target %s lacks %s", target, want)
		}
	}
	fn := assertions.Find(r, "AWS::Lambda::Function", nil)[assertions.LogicalID(e.Handler.Function)]
	env := assertions.JSON(fn["Properties"].(map[string]any)["Environment"])
	if !strings.Contains(env, `"HEARTBEAT_SECONDS":"420"`) || !strings.Contains(env, `"RETRY_ATTEMPTS":"2"`) {
		t.Errorf("the handler's environment %s lacks the heartbeat or the retry attempts", env)
	}
}

// launchEvent is the EC2 Auto Scaling user guide's sample "EC2
// Instance-launch Lifecycle Action" event, the one the handler's tests
// parse (lambda/asgeni/testdata), with the detail type, account, group and
// hook set.
func launchEvent(t *testing.T, detailType, account, group, hook string) []byte {
	t.Helper()
	b, err := os.ReadFile("../../lambda/asgeni/testdata/eventbridge-launch.json")
	if err != nil {
		t.Fatal(err)
	}
	var event map[string]any
	if err := json.Unmarshal(b, &event); err != nil {
		t.Fatal(err)
	}
	event["detail-type"], event["account"] = detailType, account
	detail := event["detail"].(map[string]any)
	detail["AutoScalingGroupName"], detail["LifecycleHookName"] = group, hook
	out, _ := json.Marshal(event)
	return out
}

// The rule's pattern, as EventBridge evaluates it, matches this group's
// launch actions of this hook in this account, and nothing else.
func TestTheRuleMatchesThisGroupsLaunchesOnly(t *testing.T) {
	r := eventBridge(t)
	e := built["SecondaryEni"]
	groupName := "SecondaryEni-Group-1A2B3C"
	pattern := resolved(t, assertions.OnlyProperties(t, r, "AWS::Events::Rule", nil)["EventPattern"],
		map[string]string{assertions.LogicalID(e.group): groupName})
	b, _ := json.Marshal(pattern)
	p, err := local.CompileEventPattern(b)
	if err != nil {
		t.Fatalf("pattern %s: %v", b, err)
	}
	account := local.Pseudo["AWS::AccountId"]
	for _, c := range []struct {
		name  string
		event []byte
		want  bool
	}{
		{"this group's launch", launchEvent(t, asgeni.EventDetailType, account, groupName, e.HookName), true},
		{"another group's launch", launchEvent(t, asgeni.EventDetailType, account, "Other-Group", e.HookName), false},
		{"another hook of this group", launchEvent(t, asgeni.EventDetailType, account, groupName, "other-hook"), false},
		{"this group's termination", launchEvent(t, "EC2 Instance-terminate Lifecycle Action", account, groupName, e.HookName), false},
		{"a launch in another account", launchEvent(t, asgeni.EventDetailType, "210987654321", groupName, e.HookName), false},
		{"a successful launch", launchEvent(t, "EC2 Instance Launch Successful", account, groupName, e.HookName), false},
	} {
		got, err := p.Matches(c.event)
		if err != nil || got != c.want {
			t.Errorf("%s: matches = %v (%v), want %v; pattern %s", c.name, got, err, c.want, b)
		}
	}
}

// refs are made-up physical ids for the fixture's subnets and security
// groups, by logical id (Ref) and "logical id.GroupId" (Fn::GetAtt), and
// a name for its group.
func refs(f fixture, sgs ...awsec2.ISecurityGroup) map[string]string {
	out := map[string]string{assertions.LogicalID(f.group): "SecondaryEni-Group-1A2B3C"}
	for i, s := range *f.vpc.IsolatedSubnets() {
		out[assertions.LogicalID(s.Node().DefaultChild())] = fmt.Sprintf("subnet-%017x", i)
	}
	for i, g := range sgs {
		out[assertions.LogicalID(g)+".GroupId"] = fmt.Sprintf("sg-%017x", i)
	}
	return out
}

// The hook's metadata, resolved and read by the handler's own parser,
// names each zone's management subnet (never the instances' subnet), the
// security groups and the device index.
func TestTheMetadataNamesTheManagementSubnetOfEachZone(t *testing.T) {
	for _, c := range []struct {
		stack func(testing.TB) *assertions.Result
		id    string
		index int32
	}{{eventBridge, "SecondaryEni", 1}, {sns, "SecondaryEniSns", 2}} {
		r, f := c.stack(t), built[c.id]
		ids := refs(f, f.SecurityGroups...)
		hook := assertions.OnlyProperties(t, r, "AWS::AutoScaling::LifecycleHook", nil)
		text, err := local.Resolve(hook["NotificationMetadata"], ids)
		if err != nil {
			t.Fatal(err)
		}
		m, err := contract.ParseMetadata(text)
		if err != nil {
			t.Fatalf("%s: the handler refuses the metadata %s: %v", c.id, text, err)
		}
		mgmt := f.vpc.SelectSubnets(management()).Subnets
		want := []contract.Subnet{
			{AvailabilityZone: "us-east-1a", SubnetID: ids[assertions.LogicalID((*mgmt)[0].Node().DefaultChild())]},
			{AvailabilityZone: "us-east-1b", SubnetID: ids[assertions.LogicalID((*mgmt)[1].Node().DefaultChild())]},
		}
		if fmt.Sprint(m.Subnets) != fmt.Sprint(want) || m.SubnetID != "" {
			t.Errorf("%s: subnets %v, want %v", c.id, m.Subnets, want)
		}
		if fmt.Sprint(m.SecurityGroups) != "[sg-00000000000000000]" || m.Index() != c.index {
			t.Errorf("%s: security groups %v, device index %d", c.id, m.SecurityGroups, m.Index())
		}
	}
}

// Each statement of the handler's role, exactly: the narrowest resources
// and the conditions the construct's doc explains (iam.go).
func TestTheRoleTouchesOnlyItsOwnInterfacesOnTheGroupsInstances(t *testing.T) {
	r := eventBridge(t)
	f := built["SecondaryEni"]
	ids := refs(f, f.SecurityGroups...)
	var got []string
	for _, st := range assertions.RoleStatements(r, assertions.LogicalID(f.Handler.Role)) {
		if a := assertions.JSON(st["Action"]); !strings.Contains(a, `"ec2:`) && !strings.Contains(a, `"autoscaling:`) {
			continue // golambda's logs and X-Ray, and the destination's sqs:SendMessage
		}
		b, _ := json.Marshal(resolved(t, st, ids))
		got = append(got, string(b))
	}
	owner := *f.Node().Addr()
	mgmt := *f.vpc.SelectSubnets(management()).Subnets
	arn := "arn:aws:ec2:us-east-1:123456789012:"
	want := []string{
		`{"Action":"ec2:CreateNetworkInterface","Condition":{"StringEquals":{"aws:RequestTag/blueprints:asgeni:owner":"` + owner +
			`"}},"Effect":"Allow","Resource":"` + arn + `network-interface/*","Sid":"CreateOwnedInterfaces"}`,
		`{"Action":"ec2:CreateNetworkInterface","Effect":"Allow","Resource":["` + arn + `security-group/sg-00000000000000000","` +
			arn + `subnet/` + ids[assertions.LogicalID(mgmt[0].Node().DefaultChild())] + `","` +
			arn + `subnet/` + ids[assertions.LogicalID(mgmt[1].Node().DefaultChild())] + `"],"Sid":"InTheManagementSubnetsAndGroups"}`,
		`{"Action":"ec2:CreateTags","Condition":{"StringEquals":{"aws:RequestTag/blueprints:asgeni:owner":"` + owner +
			`","ec2:CreateAction":"CreateNetworkInterface"}},"Effect":"Allow","Resource":"` + arn + `network-interface/*","Sid":"TagThemOnCreate"}`,
		`{"Action":["ec2:AttachNetworkInterface","ec2:DeleteNetworkInterface","ec2:ModifyNetworkInterfaceAttribute"],` +
			`"Condition":{"StringEquals":{"aws:ResourceTag/blueprints:asgeni:owner":"` + owner + `"}},"Effect":"Allow","Resource":"` + arn +
			`network-interface/*","Sid":"UseOwnedInterfaces"}`,
		`{"Action":["ec2:AttachNetworkInterface","ec2:ModifyNetworkInterfaceAttribute"],"Condition":{"StringEquals":` +
			`{"aws:ResourceTag/aws:autoscaling:groupName":"SecondaryEni-Group-1A2B3C"}},"Effect":"Allow","Resource":"` + arn +
			`instance/*","Sid":"OnTheGroupsInstances"}`,
		`{"Action":"autoscaling:CompleteLifecycleAction","Effect":"Allow","Resource":"arn:aws:autoscaling:us-east-1:123456789012:` +
			`autoScalingGroup:*:autoScalingGroupName/SecondaryEni-Group-1A2B3C","Sid":"CompleteTheGroupsActions"}`,
		`{"Action":["ec2:DescribeInstances","ec2:DescribeNetworkInterfaces"],"Effect":"Allow","Resource":"*","Sid":"Describe"}`,
	}
	mine := map[string]bool{}
	for _, s := range got {
		mine[s] = true
	}
	for _, w := range want {
		if !mine[w] {
			t.Errorf("the role lacks\n%s\nit has\n%s", w, strings.Join(got, "\n"))
		}
	}
	if len(got) != len(want) {
		t.Errorf("the role has %d EC2 and Auto Scaling statements, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
}

// With SnsTrigger the hook notifies an encrypted, TLS-only topic through a
// role that may publish to it (and use its key); the handler subscribes
// with a redrive queue. No rule.
func TestSnsTriggerIsThePostsWiring(t *testing.T) {
	r := sns(t)
	f := built["SecondaryEniSns"]
	assertions.ResourceCountIs(t, r, "AWS::Events::Rule", 0)
	hook := assertions.OnlyProperties(t, r, "AWS::AutoScaling::LifecycleHook", nil)
	if assertions.JSON(hook["NotificationTargetARN"]) != `{"Ref":"`+assertions.LogicalID(f.Topic)+`"}` || hook["RoleARN"] == nil ||
		hook["HeartbeatTimeout"] != float64(180) {
		t.Errorf("hook %s", assertions.JSON(hook))
	}
	topic := assertions.Find(r, "AWS::SNS::Topic", nil)[assertions.LogicalID(f.Topic)]["Properties"].(map[string]any)
	if assertions.JSON(topic["KmsMasterKeyId"]) != `{"Fn::GetAtt":["`+assertions.LogicalID(f.TopicKey)+`","Arn"]}` {
		t.Errorf("topic %s", assertions.JSON(topic))
	}
	assertions.HasResourceProperties(t, r, "AWS::SNS::Subscription", map[string]any{
		"Protocol": "lambda", "TopicArn": map[string]any{"Ref": assertions.LogicalID(f.Topic)},
		"RedrivePolicy": map[string]any{"deadLetterTargetArn": map[string]any{"Fn::GetAtt": []any{assertions.LogicalID(f.DeliveryDeadLetters), "Arn"}}},
	})
	roleID := strings.TrimSuffix(strings.TrimPrefix(assertions.JSON(hook["RoleARN"]), `{"Fn::GetAtt":["`), `","Arn"]}`)
	role := assertions.JSON(assertions.RoleStatements(r, roleID))
	for _, want := range []string{`"sns:Publish"`, `"kms:GenerateDataKey*"`} {
		if !strings.Contains(role, want) {
			t.Errorf("the hook's role lacks %s: %s", want, role)
		}
	}
}

// Misconfigurations fail at construction with a message naming the props.
func TestMisconfigurationsAreRefused(t *testing.T) {
	type build func(stack awscdk.Stack, vpc awsec2.Vpc, group awsautoscaling.AutoScalingGroup) *asgeni.Props
	base := func(stack awscdk.Stack, vpc awsec2.Vpc, group awsautoscaling.AutoScalingGroup) *asgeni.Props {
		return &asgeni.Props{Group: group, Vpc: vpc, ManagementSubnets: management()}
	}
	with := func(change func(p *asgeni.Props, stack awscdk.Stack, vpc awsec2.Vpc)) build {
		return func(stack awscdk.Stack, vpc awsec2.Vpc, group awsautoscaling.AutoScalingGroup) *asgeni.Props {
			p := base(stack, vpc, group)
			change(p, stack, vpc)
			return p
		}
	}
	sg := func(stack awscdk.Stack, vpc awsec2.Vpc, n int) *[]awsec2.ISecurityGroup {
		var out []awsec2.ISecurityGroup
		for i := range n {
			out = append(out, awsec2.SecurityGroup_FromSecurityGroupId(stack, jsii.String(fmt.Sprint("Sg", i)), jsii.String(fmt.Sprintf("sg-%017x", i)), nil))
		}
		return &out
	}
	for _, c := range []struct {
		name  string
		props build
		want  []string
	}{
		{"nothing", func(awscdk.Stack, awsec2.Vpc, awsautoscaling.AutoScalingGroup) *asgeni.Props { return nil },
			[]string{"Props.Group, Props.Vpc and Props.ManagementSubnets are required"}},
		{"both security group props", with(func(p *asgeni.Props, stack awscdk.Stack, vpc awsec2.Vpc) {
			p.ExistingSecurityGroups, p.SecurityGroupProps = sg(stack, vpc, 1), &awsec2.SecurityGroupProps{}
		}), []string{"Props.ExistingSecurityGroups and Props.SecurityGroupProps are mutually exclusive"}},
		{"six security groups", with(func(p *asgeni.Props, stack awscdk.Stack, vpc awsec2.Vpc) {
			p.ExistingSecurityGroups = sg(stack, vpc, 6)
		}),
			[]string{"Props.ExistingSecurityGroups has 6 groups: give 1 to 5"}},
		{"device index 0", with(func(p *asgeni.Props, _ awscdk.Stack, _ awsec2.Vpc) { p.DeviceIndex = jsii.Number(0) }),
			[]string{"Props.DeviceIndex 0 must be a whole number from 1 to 15"}},
		{"device index 1.5", with(func(p *asgeni.Props, _ awscdk.Stack, _ awsec2.Vpc) { p.DeviceIndex = jsii.Number(1.5) }),
			[]string{"Props.DeviceIndex 1.5"}},
		{"unknown trigger", with(func(p *asgeni.Props, _ awscdk.Stack, _ awsec2.Vpc) { p.Trigger = "SQS" }),
			[]string{`Props.Trigger "SQS" must be EventBridgeTrigger or SnsTrigger`}},
		{"a topic without SnsTrigger", with(func(p *asgeni.Props, stack awscdk.Stack, _ awsec2.Vpc) {
			p.ExistingTopic = awssns.Topic_FromTopicArn(stack, jsii.String("T"), jsii.String("arn:aws:sns:us-east-1:123456789012:t"))
		}), []string{"Props.ExistingTopic needs Props.Trigger SnsTrigger"}},
		{"a timeout under 10s", with(func(p *asgeni.Props, _ awscdk.Stack, _ awsec2.Vpc) {
			p.Timeout = awscdk.Duration_Seconds(jsii.Number(5))
		}),
			[]string{"Props.Timeout 5s must be whole seconds from 10s to 15m"}},
		{"three retries", with(func(p *asgeni.Props, _ awscdk.Stack, _ awsec2.Vpc) { p.RetryAttempts = jsii.Number(3) }),
			[]string{"Props.RetryAttempts 3 must be 0, 1 or 2"}},
		{"a heartbeat too short for the retries", with(func(p *asgeni.Props, _ awscdk.Stack, _ awsec2.Vpc) {
			p.HeartbeatTimeout = awscdk.Duration_Minutes(jsii.Number(5))
		}), []string{"Props.HeartbeatTimeout 5m0s is shorter than the 7m0s that 3 attempts of Props.Timeout 1m0s need"}},
		{"a heartbeat above the hook's limit", with(func(p *asgeni.Props, _ awscdk.Stack, _ awsec2.Vpc) {
			p.HeartbeatTimeout = awscdk.Duration_Hours(jsii.Number(3))
		}), []string{"Props.HeartbeatTimeout 3h0m0s must be whole seconds from 30s to 2h0m0s"}},
		{"two management subnets in a zone", with(func(p *asgeni.Props, _ awscdk.Stack, _ awsec2.Vpc) {
			p.ManagementSubnets = &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED}
		}), []string{"Props.ManagementSubnets has two subnets in one zone", "Stack/Vpc/InstancesSubnet1", "Stack/Vpc/ManagementSubnet1"}},
		{"a zone without a management subnet", with(func(p *asgeni.Props, _ awscdk.Stack, vpc awsec2.Vpc) {
			p.ManagementSubnets = &awsec2.SubnetSelection{Subnets: &[]awsec2.ISubnet{(*vpc.SelectSubnets(management()).Subnets)[0]}}
		}), []string{"Props.ManagementSubnets has no subnet in a zone known at deployment, a zone of Props.Group"}},
		{"a group in another VPC", with(func(p *asgeni.Props, stack awscdk.Stack, _ awsec2.Vpc) {
			p.Vpc = awsec2.NewVpc(stack, jsii.String("Other"), &awsec2.VpcProps{MaxAzs: jsii.Number(2), NatGateways: jsii.Number(0)})
		}), []string{"Props.Group's subnet", "is not a subnet of Props.Vpc"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			stack := awscdk.NewStack(assertions.NewApp(), jsii.String("Stack"), &awscdk.StackProps{Env: env})
			vpc, group := fleet(stack, 0)
			props := c.props(stack, vpc, group)
			assertions.PanicsWith(t, func() { asgeni.NewSecondaryEni(stack, "Eni", props) },
				append([]string{`asgeni.NewSecondaryEni "Eni": `}, c.want...)...)
		})
	}
}

// A group that starts with instances launches them before the hook exists,
// and a replacing update launches a new group's before its hook: the
// construct warns of each, and is silent for a group that starts empty.
func TestGroupsThatLaunchBeforeTheHookAreWarnedAbout(t *testing.T) {
	replacing := func(g awsautoscaling.AutoScalingGroup) {
		g.Node().DefaultChild().(awsautoscaling.CfnAutoScalingGroup).CfnOptions().SetUpdatePolicy(&awscdk.CfnUpdatePolicy{
			AutoScalingReplacingUpdate: &awscdk.CfnAutoScalingReplacingUpdate{WillReplace: jsii.Bool(true)},
		})
	}
	for _, c := range []struct {
		name    string
		minimum float64
		change  func(awsautoscaling.AutoScalingGroup)
		want    []string
	}{
		{"an empty group", 0, nil, nil},
		{"a group of one", 1, nil, []string{"starts with instances"}},
		{"a replacing update", 0, replacing, []string{"replacing update policy"}},
	} {
		stack := awscdk.NewStack(assertions.NewApp(), jsii.String("Stack"), &awscdk.StackProps{Env: env})
		vpc, group := fleet(stack, c.minimum)
		if c.change != nil {
			c.change(group)
		}
		e := asgeni.NewSecondaryEni(stack, "Eni", &asgeni.Props{Group: group, Vpc: vpc, ManagementSubnets: management()})
		var got []string
		for _, entry := range *e.Node().Metadata() {
			if text := fmt.Sprint(entry.Data); strings.Contains(text, "get no secondary interface") {
				got = append(got, text)
			}
		}
		if len(got) != len(c.want) {
			t.Errorf("%s: warnings %q, want %q", c.name, got, c.want)
		}
		for i := range min(len(got), len(c.want)) {
			if !strings.Contains(got[i], c.want[i]) {
				t.Errorf("%s: warning %q, want %q", c.name, got[i], c.want[i])
			}
		}
	}
}

// A launch the handler abandons completes its action, so nothing waits in
// a queue: a metric filter counts the handler's abandon lines by group, and
// an alarm on this group's count notifies the alarm topic, which each of
// the three alarms may publish to.
func TestAbandonedLaunchesRaiseAnAlarm(t *testing.T) {
	r := eventBridge(t)
	f := built["SecondaryEni"]
	assertions.HasResourceProperties(t, r, "AWS::Logs::MetricFilter", map[string]any{
		"LogGroupName":  map[string]any{"Ref": assertions.LogicalID(f.Handler.LogGroup)},
		"FilterPattern": `{ $.msg = "` + contract.AbandonMessage + `" }`,
		"MetricTransformations": []any{map[string]any{
			"MetricNamespace": asgeni.MetricNamespace, "MetricName": "AbandonedLaunches", "MetricValue": "1",
			"Dimensions": []any{map[string]any{"Key": "Group", "Value": "$.group"}}, "Unit": "Count",
		}},
	})
	alarm := assertions.Find(r, "AWS::CloudWatch::Alarm", nil)[assertions.LogicalID(f.AbandonedLaunchesAlarm)]["Properties"].(map[string]any)
	for k, want := range map[string]string{
		"Namespace": `"Blueprints/SecondaryEni"`, "MetricName": `"AbandonedLaunches"`, "Statistic": `"Sum"`,
		"Dimensions":   `[{"Name":"Group","Value":{"Ref":"` + assertions.LogicalID(f.group) + `"}}]`,
		"AlarmActions": `[{"Ref":"` + assertions.LogicalID(f.Alarms) + `"}]`,
	} {
		if got := assertions.JSON(alarm[k]); got != want {
			t.Errorf("alarm %s = %s, want %s", k, got, want)
		}
	}
	policy := assertions.JSON(assertions.OnlyProperties(t, r, "AWS::SNS::TopicPolicy", nil))
	for _, name := range []string{"DeliveryDeadLetters", "FailedEvents", "AbandonedLaunches"} {
		if !strings.Contains(policy, "-"+name) {
			t.Errorf("the alarm topic's policy does not let the %s alarm publish: %s", name, policy)
		}
	}
}

// Day two: a longer timeout (and so heartbeat and event age), one more
// security group rule, another device index and fewer retries update the
// hook, the function and the rule in place; nothing is replaced.
func TestTuningReplacesNothing(t *testing.T) {
	synth := func(tuned bool) *assertions.Result {
		r, err := assertions.Synth(func(app awscdk.App) awscdk.Stack {
			stack := awscdk.NewStack(app, jsii.String("SecondaryEniTuned"), &awscdk.StackProps{Env: env})
			vpc, group := fleet(stack, 0)
			p := &asgeni.Props{Group: group, Vpc: vpc, ManagementSubnets: management()}
			if tuned {
				p.Timeout, p.RetryAttempts, p.DeviceIndex = awscdk.Duration_Seconds(jsii.Number(90)), jsii.Number(1), jsii.Number(2)
			}
			e := asgeni.NewSecondaryEni(stack, "Eni", p)
			if tuned {
				e.SecurityGroup.AddIngressRule(awsec2.Peer_Ipv4(jsii.String("10.0.0.0/8")), awsec2.Port_Tcp(jsii.Number(22)), jsii.String("admin"), nil)
			}
			return stack
		}, assertions.WithoutValidation())
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	assertions.UpdateSafe(t, synth(false), synth(true), nil)
}

// The page's architecture diagram is this stack's (make diagrams).
func TestDiagram(t *testing.T) { assertions.Diagram(t, eventBridge(t), "README.md") }
