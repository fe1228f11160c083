package frontdoor

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawsevents"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/internal/alarms"
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
	alarmName := alarms.Name(f.Construct, "RotationErrors")
	alarmArn := alarms.Arn(f.Construct, alarmName)

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
// and published to over HTTPS only, which CloudWatch may use for the
// rotation errors alarm (internal/alarms), and EventBridge for the rule.
func (f *FrontDoor) buildAlarmTopic(c *config, alarmArn *string) {
	key, topic := alarms.NewTopic(f.Construct, alarms.TopicProps{
		KeyID: "RotationAlarmsKey", TopicID: "RotationAlarms",
		KeyDescription: "Encrypts the front door's rotation alarm topic", DisplayName: "Front door origin-key rotation failures",
		RemovalPolicy: c.removal, Sid: sidCloudWatch, AlarmArns: []*string{alarmArn},
	})
	f.RotationAlarmsKey, f.RotationAlarms = key, topic
	events := awsiam.NewServicePrincipal(jsii.String("events.amazonaws.com"), nil)

	// EventBridge's statements carry no condition, as AWS documents them
	// (and as CDK's SnsTopic target writes them). The SNS guide ("Managing
	// Amazon SNS encryption keys and costs", "Enable compatibility between
	// event sources from AWS services and encrypted topics") says that aws:SourceAccount and aws:SourceArn in the key
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
		Sid: jsii.String(sidEventBridge), Principals: &[]awsiam.IPrincipal{events}, Actions: alarms.KeyUse(), Resources: jsii.Strings("*"),
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
