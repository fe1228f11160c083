package frontdoor

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawsevents"
	"github.com/aws/jsii-runtime-go"
)

// rotationFailedEvents are the Secrets Manager events the rotation
// failure rule matches. Secrets Manager logs RotationFailed when a rotation
// fails, and TestRotationFailed when the test of a rotation that is not
// scheduled to run at once fails, which is what a rotation schedule with
// RotateImmediatelyOnUpdate false starts with (AWS Secrets Manager User
// Guide, "AWS CloudTrail entries for Secrets Manager", "Log entries for
// rotation").
var rotationFailedEvents = []string{"RotationFailed", "TestRotationFailed"}

// The statement ids of the alarm topic's access and key policies.
const (
	sidCloudWatch  = "RotationErrorsAlarmPublishes"
	sidEventBridge = "RotationFailedRulePublishes"
)

// buildRotationAlarms makes rotation failures arrive: Secrets Manager's
// failure events through an EventBridge rule, and the rotation function's
// errors through a CloudWatch alarm, both to one SNS topic.
//
// Two paths, because each misses failures the other sees. The events come
// from CloudTrail, which EventBridge receives best effort only ("AWS service
// events delivered via AWS CloudTrail", and "Event delivery from AWS
// services" in the Amazon EventBridge User Guide), and they cover failures
// that are not the function's own, such as Secrets Manager failing to invoke
// it. The Errors metric counts every failed invocation of the function.
func (f *FrontDoor) buildRotationAlarms(c *config) {
	stack := awscdk.Stack_Of(f.Construct)
	// The alarm has a name of ours so that the topic's and the key's policies
	// can name its ARN without a reference to it: the alarm refers to the
	// topic, which refers to the key, so a reference back would be a cycle.
	alarmName := *awscdk.Names_UniqueResourceName(f.Construct, &awscdk.UniqueResourceNameOptions{MaxLength: jsii.Number(200)}) + "-RotationErrors"
	alarmArn := stack.FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("cloudwatch"), Resource: jsii.String("alarm"), ResourceName: jsii.String(alarmName),
		ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
	})

	f.RotationAlarms = c.ExistingAlarmTopic
	if f.RotationAlarms == nil {
		f.buildAlarmTopic(c, alarmArn)
	}

	// The event is CloudTrail's record of a Secrets Manager service event
	// (eventType AwsServiceEvent, hence this detail-type), and it names the
	// secret's ARN in additionalEventData.SecretId (AWS Secrets Manager User
	// Guide, "AWS CloudTrail entries for Secrets Manager", the RotationFailed
	// example; "Match Secrets Manager events with Amazon EventBridge").
	f.RotationFailedRule = awsevents.NewRule(f.Construct, jsii.String("RotationFailedRule"), &awsevents.RuleProps{
		Description: jsii.String("The front door's origin-key rotation failed: Secrets Manager's event, for this secret only"),
		EventPattern: &awsevents.EventPattern{
			Source:     jsii.Strings("aws.secretsmanager"),
			DetailType: jsii.Strings("AWS Service Event via CloudTrail"),
			Detail: &map[string]any{
				"eventSource":         []string{"secretsmanager.amazonaws.com"},
				"eventName":           rotationFailedEvents,
				"additionalEventData": map[string]any{"SecretId": []*string{f.Secret.SecretArn()}},
			},
		},
	})
	f.RotationFailedRule.AddTarget(&topicTarget{topic: f.RotationAlarms})

	f.RotationErrorsAlarm = awscloudwatch.NewAlarm(f.Construct, jsii.String("RotationErrorsAlarm"), &awscloudwatch.AlarmProps{
		AlarmName:        jsii.String(alarmName),
		AlarmDescription: jsii.String("The front door's origin-key rotation function failed at least once in 5 minutes"),
		Metric: f.RotationFunction.Function.MetricErrors(&awscloudwatch.MetricOptions{
			Period: awscdk.Duration_Minutes(jsii.Number(5)), Statistic: jsii.String("Sum"),
		}),
		Threshold:          jsii.Number(1),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		EvaluationPeriods:  jsii.Number(1),
		// No invocation, no data: the function runs only while a rotation does.
		TreatMissingData: awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
	f.RotationErrorsAlarm.AddAlarmAction(awscloudwatchactions.NewSnsAction(f.RotationAlarms))
}

// buildAlarmTopic creates the alarm topic, encrypted with a key of its own
// and published to over HTTPS only, which EventBridge and CloudWatch may use.
//
// A topic encrypted with the AWS-managed aws/sns key cannot take events from
// AWS services, whose principals that key's policy does not name; a
// customer-managed key's policy must allow them kms:GenerateDataKey* and
// kms:Decrypt (Amazon SNS Developer Guide, "Managing Amazon SNS encryption
// keys and costs", "Enable compatibility between event sources from AWS
// services and encrypted topics").
func (f *FrontDoor) buildAlarmTopic(c *config, alarmArn *string) {
	stack := awscdk.Stack_Of(f.Construct)
	f.RotationAlarmsKey = awskms.NewKey(f.Construct, jsii.String("RotationAlarmsKey"), &awskms.KeyProps{
		Description:       jsii.String("Encrypts the front door's rotation alarm topic"),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     c.removal,
	})
	topic := awssns.NewTopic(f.Construct, jsii.String("RotationAlarms"), &awssns.TopicProps{
		DisplayName: jsii.String("Front door origin-key rotation failures"),
		MasterKey:   f.RotationAlarmsKey,
		EnforceSSL:  jsii.Bool(true),
	})
	f.RotationAlarms = topic

	// CloudWatch publishes for this alarm of this account only, against the
	// confused deputy: the SNS guide (same section) has the key policy name
	// the source with aws:SourceAccount and aws:SourceArn, and the topic's
	// access policy must let the alarm publish (AWS re:Post Knowledge Center,
	// cloudwatch-receive-sns-for-alarm-trigger, which scopes that statement
	// with aws:SourceArn, the alarm's ARN).
	fromAlarm := &map[string]any{
		"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()},
		"ArnEquals":    map[string]any{"aws:SourceArn": alarmArn},
	}
	cloudwatch := awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)
	events := awsiam.NewServicePrincipal(jsii.String("events.amazonaws.com"), nil)
	keyUse := jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*")
	// In a key policy, Resource "*" is this key.
	f.RotationAlarmsKey.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String(sidCloudWatch), Principals: &[]awsiam.IPrincipal{cloudwatch}, Actions: keyUse, Resources: jsii.Strings("*"),
		Conditions: fromAlarm,
	}), nil)
	topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String(sidCloudWatch), Principals: &[]awsiam.IPrincipal{cloudwatch}, Actions: jsii.Strings("sns:Publish"),
		Resources: &[]*string{topic.TopicArn()}, Conditions: fromAlarm,
	}))

	// EventBridge's statements carry no condition, as AWS documents them
	// (and as CDK's SnsTopic target writes them). The SNS guide (same
	// section) says that aws:SourceAccount and aws:SourceArn in the key
	// policy are not supported for EventBridge-to-encrypted topics (quoted,
	// and observed failing every delivery, in
	// awslabs/landing-zone-accelerator-on-aws#407), and the EventBridge guide
	// says that Condition blocks cannot be used in SNS topic policies for
	// EventBridge (Amazon EventBridge User Guide, "Using resource-based
	// policies for Amazon EventBridge", "Amazon SNS permissions"). A
	// condition would silence the alarm it is meant to protect. What is left
	// open: another account's rule that knew this topic's ARN could publish
	// to it; it could read nothing.
	f.RotationAlarmsKey.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String(sidEventBridge), Principals: &[]awsiam.IPrincipal{events}, Actions: keyUse, Resources: jsii.Strings("*"),
	}), nil)
	topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String(sidEventBridge), Principals: &[]awsiam.IPrincipal{events}, Actions: jsii.Strings("sns:Publish"),
		Resources: &[]*string{topic.TopicArn()},
	}))
}

// topicTarget is an EventBridge rule target that publishes to a topic and,
// unlike CDK's SnsTopic target, changes none of its policies: the construct
// writes its own topic's, and Props.ExistingAlarmTopic's are the caller's.
// jsii passes a Go target by reference, which an empty struct cannot be.
type topicTarget struct{ topic awssns.ITopic }

// Bind implements awsevents.IRuleTarget.
func (t *topicTarget) Bind(interfacesawsevents.IRuleRef, *string) *awsevents.RuleTargetConfig {
	return &awsevents.RuleTargetConfig{Arn: t.topic.TopicArn()}
}
