// Package alarms is what the constructs that raise CloudWatch alarms share:
// alarm names and ARNs that policies can name before the alarms exist, and
// an SNS topic, encrypted with a key of its own, that only those alarms may
// publish to; and dead-letter queues with an alarm on each.
package alarms

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/internal/nag"
)

// Name is a name for an alarm of scope: CDK's unique resource name of the
// construct (its stack's name and its path), then "-" and what.
//
// An alarm gets a name of ours so that the alarm topic's and its key's
// policies can name its ARN without a reference to it: the alarm refers to
// the topic, which refers to the key, so a reference back would be a cycle.
func Name(scope constructs.Construct, what string) string {
	return *awscdk.Names_UniqueResourceName(scope, &awscdk.UniqueResourceNameOptions{MaxLength: jsii.Number(200)}) + "-" + what
}

// Arn is the ARN of the alarm named name in scope's stack.
func Arn(scope constructs.Construct, name string) *string {
	return awscdk.Stack_Of(scope).FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("cloudwatch"), Resource: jsii.String("alarm"), ResourceName: jsii.String(name),
		ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
	})
}

// TopicProps configures NewTopic.
type TopicProps struct {
	// KeyID and TopicID are the ids of the key and the topic in scope.
	KeyID, TopicID string
	// KeyDescription is the key's description, DisplayName the topic's.
	KeyDescription, DisplayName string
	// RemovalPolicy is the key's.
	RemovalPolicy awscdk.RemovalPolicy
	// Sid names CloudWatch's statement in the key policy and in the topic's
	// access policy.
	Sid string
	// AlarmArns are the alarms that may publish to the topic (Arn).
	AlarmArns []*string
}

// NewTopic creates an SNS topic for alarms, published to over HTTPS only
// and encrypted with a customer-managed key of its own (rotated), whose
// policy, like the topic's, lets CloudWatch publish for the given alarms of
// this account only. The caller may add statements for other publishers.
//
// A topic encrypted with the AWS-managed aws/sns key cannot take events from
// AWS services, whose principals that key's policy does not name; a
// customer-managed key's policy must allow them kms:GenerateDataKey* and
// kms:Decrypt (Amazon SNS Developer Guide, "Managing Amazon SNS encryption
// keys and costs", "Enable compatibility between event sources from AWS
// services and encrypted topics"; for alarms, AWS re:Post Knowledge Center,
// cloudwatch-configure-alarm-sns: with alias/aws/sns the alarm action fails,
// as that key's policy does not let CloudWatch use it and cannot be edited).
//
// CloudWatch publishes for these alarms of this account only, against the
// confused deputy: the SNS guide (same section) has the key policy name the
// source with aws:SourceAccount and aws:SourceArn, and the topic's access
// policy must let the alarm publish (AWS re:Post Knowledge Center,
// cloudwatch-receive-sns-for-alarm-trigger, which scopes that statement with
// aws:SourceArn, the alarm's ARN).
func NewTopic(scope constructs.Construct, p TopicProps) (awskms.Key, awssns.Topic) {
	stack := awscdk.Stack_Of(scope)
	key := awskms.NewKey(scope, jsii.String(p.KeyID), &awskms.KeyProps{
		Description:       jsii.String(p.KeyDescription),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     p.RemovalPolicy,
	})
	topic := awssns.NewTopic(scope, jsii.String(p.TopicID), &awssns.TopicProps{
		DisplayName: jsii.String(p.DisplayName),
		MasterKey:   key,
		EnforceSSL:  jsii.Bool(true),
	})
	var source any = p.AlarmArns
	if len(p.AlarmArns) == 1 {
		source = p.AlarmArns[0]
	}
	fromAlarms := &map[string]any{
		"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()},
		"ArnEquals":    map[string]any{"aws:SourceArn": source},
	}
	cloudwatch := awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)
	// In a key policy, Resource "*" is this key.
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String(p.Sid), Principals: &[]awsiam.IPrincipal{cloudwatch}, Actions: KeyUse(), Resources: jsii.Strings("*"),
		Conditions: fromAlarms,
	}), nil)
	topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String(p.Sid), Principals: &[]awsiam.IPrincipal{cloudwatch}, Actions: jsii.Strings("sns:Publish"),
		Resources: &[]*string{topic.TopicArn()}, Conditions: fromAlarms,
	}))
	return key, topic
}

// KeyUse are the actions an AWS service needs on an encrypted topic's key to
// publish to it (the SNS guide's section above).
func KeyUse() *[]*string { return jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*") }

// NewDeadLetterQueue is a queue that keeps, for 14 days (SQS's longest),
// the messages or events that what could not deliver or process: encrypted
// with an SQS-managed key, and reached over TLS only.
func NewDeadLetterQueue(scope constructs.Construct, id, what string) awssqs.Queue {
	q := awssqs.NewQueue(scope, jsii.String(id), &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
	})
	nag.Suppress(q, "AwsSolutions-SQS3", "This queue is itself a dead-letter queue: "+what)
	return q
}

// DeadLetters is one dead-letter queue that NewDeadLetterAlarms watches.
type DeadLetters struct {
	// ID is the queue's construct id; its alarm is ID+"Alarm".
	ID string
	// What failed, for the alarm's description.
	What  string
	Queue awssqs.IQueue
}

// DeadLetterAlarmsProps configures NewDeadLetterAlarms.
type DeadLetterAlarmsProps struct {
	// Queues are the queues to watch.
	Queues []DeadLetters
	// ExistingTopic receives the alarms; nil creates one with NewTopic,
	// with the key description, display name and removal policy below.
	ExistingTopic               awssns.ITopic
	KeyDescription, DisplayName string
	RemovalPolicy               awscdk.RemovalPolicy
	// MoreAlarms are the names (Name) of the caller's other alarms in
	// scope that may publish to a new topic.
	MoreAlarms []string
}

// NewDeadLetterAlarms raises an alarm, one per queue, as soon as a message
// waits in a dead-letter queue, and sends it to the existing topic or a new
// one (NewTopic, with keys "AlarmsKey" and "Alarms" in scope; key is nil
// with an existing topic). A message there is work that failed every retry
// and waits for someone to replay it.
//
// ApproximateNumberOfMessagesVisible is "the number of messages available
// for retrieval from the queue" (Amazon SQS Developer Guide, "Available
// CloudWatch metrics for Amazon SQS"). SQS reports its metrics for active
// queues only (same page), so an empty, idle queue may report nothing:
// missing data is not breaching.
func NewDeadLetterAlarms(scope constructs.Construct, p DeadLetterAlarmsProps) (awskms.Key, awssns.ITopic, []awscloudwatch.Alarm) {
	var names []string
	var arns []*string
	for _, q := range p.Queues {
		names = append(names, Name(scope, q.ID))
		arns = append(arns, Arn(scope, names[len(names)-1]))
	}
	for _, name := range p.MoreAlarms {
		arns = append(arns, Arn(scope, name))
	}
	var key awskms.Key
	topic := p.ExistingTopic
	if topic == nil {
		key, topic = NewTopic(scope, TopicProps{
			KeyID: "AlarmsKey", TopicID: "Alarms", KeyDescription: p.KeyDescription, DisplayName: p.DisplayName,
			RemovalPolicy: p.RemovalPolicy, Sid: "DeadLetterAlarmsPublish", AlarmArns: arns,
		})
	}
	made := make([]awscloudwatch.Alarm, len(p.Queues))
	for i, q := range p.Queues {
		made[i] = awscloudwatch.NewAlarm(scope, jsii.String(q.ID+"Alarm"), &awscloudwatch.AlarmProps{
			AlarmName:        jsii.String(names[i]),
			AlarmDescription: jsii.String(q.What + ": a message waits in its dead-letter queue"),
			Metric: q.Queue.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{
				Period: awscdk.Duration_Minutes(jsii.Number(5)), Statistic: jsii.String("Maximum"),
			}),
			Threshold:          jsii.Number(0),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
			EvaluationPeriods:  jsii.Number(1),
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		})
		made[i].AddAlarmAction(awscloudwatchactions.NewSnsAction(topic))
	}
	return key, topic, made
}
