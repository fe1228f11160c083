// Package asgeni gives every instance an Auto Scaling group launches a second
// network interface before it enters service, through a lifecycle hook.
//
// As in "Using AWS Lambda with Auto Scaling Lifecycle Hooks" (AWS Compute
// Blog), a launch lifecycle hook holds each new instance in Pending:Wait
// while a Go function creates an interface in the management subnet of the
// instance's Availability Zone, attaches it and completes the action with
// CONTINUE, or ABANDON on any failure, so that no instance runs without it.
//
// Unlike the post, launches reach the function through EventBridge by
// default (no topic and no notification role; the post's SNS wiring is
// Trigger SnsTrigger), every zone of the group has its management subnet,
// the heartbeat covers every attempt Lambda makes, the function is
// idempotent and cleans up what it created, and its role may touch only
// the interfaces it tagged, in the chosen subnets, on this group's
// instances.
package asgeni

import (
	"fmt"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsautoscalinghooktargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdadestinations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/constructs/golambda"
	"github.com/blueprints-cdk/blueprints/internal/alarms"
	contract "github.com/blueprints-cdk/blueprints/internal/asgeni"
	"github.com/blueprints-cdk/blueprints/internal/nag"
)

// The launch events' source and detail type (Amazon EC2 Auto Scaling User
// Guide, "Amazon EC2 Auto Scaling event reference": "EC2 Instance-launch
// Lifecycle Action").
const (
	EventSource     = "aws.autoscaling"
	EventDetailType = "EC2 Instance-launch Lifecycle Action"
)

// GroupNameTag is the tag Amazon EC2 Auto Scaling puts on every instance it
// launches, with the group's name (Amazon EC2 Auto Scaling User Guide, "Tag
// Auto Scaling groups and instances": "aws:autoscaling:groupName"). The
// role may attach interfaces only to instances with this group's name in it.
const GroupNameTag = "aws:autoscaling:groupName"

// SecondaryEni is the lifecycle hook, its trigger and its handler.
type SecondaryEni struct {
	constructs.Construct
	// Hook is the group's launch lifecycle hook (DefaultResult ABANDON).
	Hook awsautoscaling.LifecycleHook
	// HookName is the hook's name, fixed at synth so that the rule, the
	// handler and the hook need no reference to each other.
	HookName string
	// Heartbeat is the hook's heartbeat timeout.
	Heartbeat awscdk.Duration
	// Handler creates and attaches the interfaces.
	Handler *golambda.Function
	// SecurityGroup is the interfaces' new security group, or nil with
	// Props.ExistingSecurityGroups.
	SecurityGroup awsec2.SecurityGroup
	// SecurityGroups are the interfaces' security groups.
	SecurityGroups []awsec2.ISecurityGroup
	// Rule invokes Handler on the group's launch events (EventBridgeTrigger),
	// or is nil.
	Rule awsevents.Rule
	// Topic is the topic the hook notifies (SnsTrigger), or nil; TopicKey
	// encrypts a new one.
	Topic    awssns.ITopic
	TopicKey awskms.Key
	// Subscription subscribes Handler to Topic (SnsTrigger), or is nil.
	Subscription awssns.Subscription
	// DeliveryDeadLetters holds the events the rule's target or the topic's
	// subscription could not deliver to Handler.
	DeliveryDeadLetters awssqs.Queue
	// FailedEvents holds the events Handler failed on after every retry, or
	// that waited longer than Heartbeat.
	FailedEvents awssqs.Queue
	// Alarms receives DeliveryDeadLettersAlarm, FailedEventsAlarm and
	// AbandonedLaunchesAlarm: Props.ExistingAlarmTopic, or a new topic
	// encrypted with AlarmsKey (nil otherwise).
	Alarms                   awssns.ITopic
	AlarmsKey                awskms.Key
	DeliveryDeadLettersAlarm awscloudwatch.Alarm
	FailedEventsAlarm        awscloudwatch.Alarm
	// AbandonedLaunches counts the launches the handler abandoned (its
	// contract.AbandonMessage log lines), by group, in MetricNamespace;
	// AbandonedLaunchesAlarm notifies Alarms of any.
	AbandonedLaunches      awslogs.MetricFilter
	AbandonedLaunchesAlarm awscloudwatch.Alarm
}

// MetricNamespace is the CloudWatch namespace of the AbandonedLaunches
// metric.
const MetricNamespace = "Blueprints/SecondaryEni"

// NewSecondaryEni adds the hook and its handler to Props.Group. It panics
// with a message naming the props at fault when they are incomplete or
// contradict each other.
func NewSecondaryEni(scope constructs.Construct, id string, props *Props) *SecondaryEni {
	if props == nil {
		props = &Props{}
	}
	cfg, err := resolve(props)
	if err != nil {
		panic(fmt.Sprintf("asgeni.NewSecondaryEni %q: %v", id, err))
	}
	e := &SecondaryEni{Construct: constructs.NewConstruct(scope, jsii.String(id))}
	e.HookName = *awscdk.Names_UniqueResourceName(e.Construct, &awscdk.UniqueResourceNameOptions{
		MaxLength: jsii.Number(255), AllowedSpecialCharacters: jsii.String("-_"),
	})
	e.Heartbeat = awscdk.Duration_Seconds(jsii.Number(cfg.heartbeat.Seconds()))
	e.buildSecurityGroups(cfg)
	metadata, err := e.metadata(cfg)
	if err != nil {
		panic(fmt.Sprintf("asgeni.NewSecondaryEni %q: %v", id, err))
	}
	e.DeliveryDeadLetters = alarms.NewDeadLetterQueue(e.Construct, "DeliveryDeadLetters", "the trigger's undeliverable events")
	e.FailedEvents = alarms.NewDeadLetterQueue(e.Construct, "FailedEvents", "the handler's on-failure destination")
	e.buildHandler(cfg)
	var trigger constructs.IDependable
	if cfg.trigger == SnsTrigger {
		trigger = e.buildTopic(cfg)
	} else {
		trigger = e.buildRule(cfg)
	}
	e.buildHook(cfg, metadata, trigger)
	e.buildAlarms(cfg)
	warnOnInstancesAtCreation(e.Construct, cfg.group)
	return e
}

// buildSecurityGroups uses the caller's groups or a new one that allows no
// traffic until the caller adds the management traffic it needs.
func (e *SecondaryEni) buildSecurityGroups(c *config) {
	if c.existingSecurityGroups != nil {
		e.SecurityGroups = c.existingSecurityGroups
		return
	}
	p := c.securityGroupProps
	p.Vpc = c.vpc
	if p.AllowAllOutbound == nil {
		p.AllowAllOutbound = jsii.Bool(false)
	}
	if p.Description == nil {
		p.Description = jsii.String("Secondary network interfaces of " + *c.group.Node().Path())
	}
	e.SecurityGroup = awsec2.NewSecurityGroup(e.Construct, jsii.String("SecurityGroup"), &p)
	e.SecurityGroups = []awsec2.ISecurityGroup{e.SecurityGroup}
}

// metadata is the hook's notification metadata, checked as the handler
// will read it: a subnet per zone of the group, the security groups and
// the device index.
func (e *SecondaryEni) metadata(c *config) (*string, error) {
	m := contract.Metadata{DeviceIndex: &c.deviceIndex}
	subnets := make([]map[string]*string, len(c.zones))
	for i, z := range c.zones {
		m.Subnets = append(m.Subnets, contract.Subnet{AvailabilityZone: z.name, SubnetID: *z.subnet.SubnetId()})
		subnets[i] = map[string]*string{"AvailabilityZone": jsii.String(z.name), "SubnetId": z.subnet.SubnetId()}
	}
	groups := make([]*string, len(e.SecurityGroups))
	for i, g := range e.SecurityGroups {
		m.SecurityGroups = append(m.SecurityGroups, *g.SecurityGroupId())
		groups[i] = g.SecurityGroupId()
	}
	if err := checkMetadata(m); err != nil {
		return nil, err
	}
	return awscdk.Stack_Of(e.Construct).ToJsonString(map[string]any{
		"Subnets": subnets, "SecurityGroups": groups, "DeviceIndex": c.deviceIndex,
	}, nil), nil
}

// buildHandler deploys the handler with its environment, checked as the
// handler checks it, bounded asynchronous retries, a maximum event age of
// one heartbeat (an older event's action has timed out already), and its
// role.
func (e *SecondaryEni) buildHandler(c *config) {
	env := map[string]*string{
		contract.EnvGroupName:     c.group.AutoScalingGroupName(),
		contract.EnvHookName:      jsii.String(e.HookName),
		contract.EnvOwner:         e.Node().Addr(),
		contract.EnvHeartbeat:     jsii.String(strconv.Itoa(int(c.heartbeat.Seconds()))),
		contract.EnvRetryAttempts: jsii.String(strconv.Itoa(c.retries)),
	}
	if _, err := contract.FromEnv(func(k string) string {
		if k == contract.EnvGroupName {
			return "group" // a token until deployment
		}
		return *env[k]
	}); err != nil {
		panic(fmt.Sprintf("asgeni.NewSecondaryEni %q: %v", *e.Node().Id(), err))
	}
	e.Handler = golambda.NewFunction(e.Construct, "Handler", &golambda.Props{
		Entry:         jsii.String("asgeni"),
		Description:   jsii.String("Attaches a secondary network interface to each instance " + *c.group.Node().Path() + " launches"),
		Environment:   &env,
		Timeout:       awscdk.Duration_Seconds(jsii.Number(c.timeout.Seconds())),
		OnFailure:     awslambdadestinations.NewSqsDestination(e.FailedEvents),
		RetryAttempts: jsii.Number(float64(c.retries)),
		MaxEventAge:   e.Heartbeat,
	})
	e.grant(c)
}

// buildRule invokes the handler on this group's launch events of this hook.
// The target's retries are bounded by the same age, and what it cannot
// deliver goes to DeliveryDeadLetters.
func (e *SecondaryEni) buildRule(c *config) constructs.IDependable {
	e.Rule = awsevents.NewRule(e.Construct, jsii.String("Rule"), &awsevents.RuleProps{
		Description: jsii.String("Launch lifecycle actions of " + *c.group.Node().Path()),
		EventPattern: &awsevents.EventPattern{
			Source:     jsii.Strings(EventSource),
			DetailType: jsii.Strings(EventDetailType),
			Account:    &[]*string{awscdk.Stack_Of(e.Construct).Account()},
			Detail: &map[string]any{
				"AutoScalingGroupName": []*string{c.group.AutoScalingGroupName()},
				"LifecycleHookName":    []string{e.HookName},
			},
		},
	})
	e.Rule.AddTarget(awseventstargets.NewLambdaFunction(e.Handler.Function, &awseventstargets.LambdaFunctionProps{
		DeadLetterQueue: e.DeliveryDeadLetters,
		MaxEventAge:     e.Heartbeat,
	}))
	return e.Rule
}

// buildTopic is the post's wiring: the hook notifies a topic (the caller's,
// or a new one encrypted with a key of its own and reached over TLS only)
// that invokes the handler.
func (e *SecondaryEni) buildTopic(c *config) constructs.IDependable {
	e.Topic = c.existingTopic
	if e.Topic == nil {
		e.TopicKey = awskms.NewKey(e.Construct, jsii.String("TopicKey"), &awskms.KeyProps{
			Description:       jsii.String("Encrypts the lifecycle notifications of " + *c.group.Node().Path()),
			EnableKeyRotation: jsii.Bool(true),
			RemovalPolicy:     c.removal,
		})
		e.Topic = awssns.NewTopic(e.Construct, jsii.String("Topic"), &awssns.TopicProps{MasterKey: e.TopicKey, EnforceSSL: jsii.Bool(true)})
	}
	e.Subscription = e.Topic.AddSubscription(awssnssubscriptions.NewLambdaSubscription(e.Handler.Function,
		&awssnssubscriptions.LambdaSubscriptionProps{DeadLetterQueue: e.DeliveryDeadLetters}))
	return e.Subscription
}

// buildHook adds the launch hook once its trigger and handler exist, so no
// launch it holds goes unseen.
func (e *SecondaryEni) buildHook(c *config, metadata *string, trigger constructs.IDependable) {
	var target awsautoscaling.ILifecycleHookTarget
	if e.Topic != nil {
		target = awsautoscalinghooktargets.NewTopicHook(e.Topic)
	}
	e.Hook = awsautoscaling.NewLifecycleHook(e.Construct, jsii.String("Hook"), &awsautoscaling.LifecycleHookProps{
		AutoScalingGroup:     c.group,
		LifecycleHookName:    jsii.String(e.HookName),
		LifecycleTransition:  awsautoscaling.LifecycleTransition_INSTANCE_LAUNCHING,
		DefaultResult:        awsautoscaling.DefaultResult_ABANDON,
		HeartbeatTimeout:     e.Heartbeat,
		NotificationMetadata: metadata,
		NotificationTarget:   target,
	})
	e.Hook.Node().AddDependency(trigger, e.Handler.Function)
	if target != nil {
		nag.Suppress(e.Hook.Role(), "AwsSolutions-IAM5",
			"CDK's grant to publish to an encrypted topic: kms:GenerateDataKey* is the data-key family, on the topic's key only",
			"Action::kms:GenerateDataKey*")
	}
}

func (e *SecondaryEni) buildAlarms(c *config) {
	var made []awscloudwatch.Alarm
	group := *c.group.Node().Path()
	abandoned := alarms.Name(e.Construct, "AbandonedLaunches")
	e.AlarmsKey, e.Alarms, made = alarms.NewDeadLetterAlarms(e.Construct, alarms.DeadLetterAlarmsProps{
		Queues: []alarms.DeadLetters{
			{ID: "DeliveryDeadLetters", What: "A launch event of " + group + " did not reach its interface handler", Queue: e.DeliveryDeadLetters},
			{ID: "FailedEvents", What: "The interface handler of " + group + " failed on a launch after every retry", Queue: e.FailedEvents},
		},
		ExistingTopic:  c.existingAlarmTopic,
		KeyDescription: "Encrypts the secondary-interface alarm topic", DisplayName: "Secondary interfaces: undelivered, failed or abandoned launches",
		RemovalPolicy: c.removal, MoreAlarms: []string{abandoned},
	})
	e.DeliveryDeadLettersAlarm, e.FailedEventsAlarm = made[0], made[1]

	// An abandoned launch completes its action, so no event is left in a
	// queue: the handler's log line is what counts it.
	e.AbandonedLaunches = awslogs.NewMetricFilter(e.Construct, jsii.String("AbandonedLaunchesFilter"), &awslogs.MetricFilterProps{
		LogGroup:        e.Handler.LogGroup,
		FilterPattern:   awslogs.FilterPattern_StringValue(jsii.String("$.msg"), jsii.String("="), jsii.String(contract.AbandonMessage)),
		MetricNamespace: jsii.String(MetricNamespace),
		MetricName:      jsii.String("AbandonedLaunches"),
		MetricValue:     jsii.String("1"),
		Dimensions:      &map[string]*string{"Group": jsii.String("$.group")},
		Unit:            awscloudwatch.Unit_COUNT,
	})
	e.AbandonedLaunchesAlarm = awscloudwatch.NewAlarm(e.Construct, jsii.String("AbandonedLaunchesAlarm"), &awscloudwatch.AlarmProps{
		AlarmName:        jsii.String(abandoned),
		AlarmDescription: jsii.String("A launch of " + group + " was abandoned: the instance got no secondary interface and was terminated (see the handler's logs)"),
		Metric: e.AbandonedLaunches.Metric(&awscloudwatch.MetricOptions{
			Period: awscdk.Duration_Minutes(jsii.Number(5)), Statistic: jsii.String("Sum"),
			DimensionsMap: &map[string]*string{"Group": c.group.AutoScalingGroupName()},
		}),
		Threshold:          jsii.Number(0),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
		EvaluationPeriods:  jsii.Number(1),
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
	e.AbandonedLaunchesAlarm.AddAlarmAction(awscloudwatchactions.NewSnsAction(e.Alarms))
}

// warnOnInstancesAtCreation warns when the group may launch instances the
// hook never sees: a group that starts with instances launches them before
// the hook exists (CloudFormation creates the group first), and so does a
// replacing update (AutoScalingReplacingUpdate creates a new group, which
// the hook, bound to the old group's name, does not follow until it is
// replaced in turn).
func warnOnInstancesAtCreation(scope constructs.Construct, group awsautoscaling.AutoScalingGroup) {
	cfn, _ := group.Node().DefaultChild().(awsautoscaling.CfnAutoScalingGroup)
	warn := func(id, text string) {
		awscdk.Annotations_Of(scope).AddWarningV2(jsii.String("asgeni:"+id), jsii.String(text+", and they get no secondary interface"))
	}
	for _, n := range []*string{cfn.MinSize(), cfn.DesiredCapacity()} {
		if n != nil && !*awscdk.Token_IsUnresolved(n) && *n != "0" {
			warn("instancesBeforeHook", "Props.Group starts with instances (MinSize or DesiredCapacity above 0): "+
				"a new group launches them before the hook exists; start it at 0 and scale out once deployed")
			break
		}
	}
	if p := cfn.CfnOptions().UpdatePolicy(); p != nil && p.AutoScalingReplacingUpdate != nil && p.AutoScalingReplacingUpdate.WillReplace != nil &&
		*p.AutoScalingReplacingUpdate.WillReplace {
		warn("replacingUpdate", "Props.Group has a replacing update policy: the replacement group launches its instances before its hook exists")
	}
}
