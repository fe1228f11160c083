package frontdoor_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/assertions"
	"github.com/blueprints-cdk/blueprints/constructs/frontdoor"
)

// alarmArn is what the alarm topic's and key's policies name as the source:
// the ARN of the errors alarm of the stack's front door, by its name.
func alarmArn(t *testing.T, r *assertions.Result) any {
	t.Helper()
	alarm := assertions.Find(r, "AWS::CloudWatch::Alarm", nil)[assertions.LogicalID(doors[r.ID].RotationErrorsAlarm)]
	name := alarm["Properties"].(map[string]any)["AlarmName"].(string)
	// Unique to the stack and the construct's path, as the pattern set's name.
	if !strings.HasPrefix(name, r.ID+"FrontDoor") || !strings.HasSuffix(name, "-RotationErrors") {
		t.Fatalf("%s: alarm name %q", r.ID, name)
	}
	region := map[string]string{"FrontDoorHeader": "us-east-1", "FrontDoorApiKey": "us-east-1", "FrontDoorAlb": "eu-west-1"}[r.ID]
	return map[string]any{"Fn::Join": []any{"", []any{"arn:aws:cloudwatch:" + region + ":", map[string]any{"Ref": "AWS::AccountId"}, ":alarm:" + name}}}
}

// fromTheAlarm is the condition that scopes CloudWatch to the errors alarm of
// this account.
func fromTheAlarm(t *testing.T, r *assertions.Result) map[string]any {
	t.Helper()
	return map[string]any{
		"StringEquals": map[string]any{"aws:SourceAccount": map[string]any{"Ref": "AWS::AccountId"}},
		"ArnEquals":    map[string]any{"aws:SourceArn": alarmArn(t, r)},
	}
}

func TestRotationAlarmsTopicIsEncryptedWithACustomerManagedKeyThatOnlyTheAlarmAndTheRuleMayUse(t *testing.T) {
	for _, r := range []*assertions.Result{header(t), apiKey(t), alb(t)} {
		door := doors[r.ID]
		key := assertions.LogicalID(door.RotationAlarmsKey)
		topic := assertions.Find(r, "AWS::SNS::Topic", nil)[assertions.LogicalID(door.RotationAlarms)]
		if got := assertions.JSON(topic["Properties"].(map[string]any)["KmsMasterKeyId"]); got != assertions.JSON(map[string]any{"Fn::GetAtt": []any{key, "Arn"}}) {
			t.Errorf("%s: the topic's key is %s, want the rotation alarms key", r.ID, got)
		}
		res := assertions.Find(r, "AWS::KMS::Key", nil)[key]
		props := res["Properties"].(map[string]any)
		if props["EnableKeyRotation"] != true || res["DeletionPolicy"] != "Retain" || res["UpdateReplacePolicy"] != "Retain" {
			t.Errorf("%s: the key must rotate and follow Props.RemovalPolicy (RETAIN): %s", r.ID, assertions.JSON(res))
		}
		statements := props["KeyPolicy"].(map[string]any)["Statement"].([]any)
		keyUse := []any{"kms:Decrypt", "kms:GenerateDataKey*"}
		want := []any{
			map[string]any{
				"Sid": "RotationErrorsAlarmPublishes", "Effect": "Allow", "Principal": map[string]any{"Service": "cloudwatch.amazonaws.com"},
				"Action": keyUse, "Resource": "*", "Condition": fromTheAlarm(t, r),
			},
			// No condition: AWS does not support one for EventBridge to encrypted topics (see alarms.go).
			map[string]any{
				"Sid": "RotationFailedRulePublishes", "Effect": "Allow", "Principal": map[string]any{"Service": "events.amazonaws.com"},
				"Action": keyUse, "Resource": "*",
			},
		}
		// The first statement is CDK's default: the account administers the key through IAM.
		if len(statements) != 3 || assertions.JSON(statements[1:]) != assertions.JSON(want) {
			t.Errorf("%s: key policy\n%s\nwant the default and\n%s", r.ID, assertions.JSON(statements), assertions.JSON(want))
		}
		const cdkDefault = `{"Action":"kms:*","Effect":"Allow",` +
			`"Principal":{"AWS":{"Fn::Join":["",["arn:aws:iam::",{"Ref":"AWS::AccountId"},":root"]]}},"Resource":"*"}`
		if root := assertions.JSON(statements[0]); root != cdkDefault {
			t.Errorf("%s: the first key policy statement is not CDK's default: %s", r.ID, root)
		}
	}
}

func TestRotationAlarmsTopicAdmitsOnlyTheAlarmAndTheRuleOverHTTPS(t *testing.T) {
	for _, r := range []*assertions.Result{header(t), apiKey(t), alb(t)} {
		topic := map[string]any{"Ref": assertions.LogicalID(doors[r.ID].RotationAlarms)}
		policy := assertions.OnlyProperties(t, r, "AWS::SNS::TopicPolicy", map[string]any{"Topics": []any{topic}})
		want := []any{
			map[string]any{
				"Sid": "AllowPublishThroughSSLOnly", "Effect": "Deny", "Principal": "*", "Action": "sns:Publish", "Resource": topic,
				"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
			},
			map[string]any{
				"Sid": "RotationErrorsAlarmPublishes", "Effect": "Allow", "Principal": map[string]any{"Service": "cloudwatch.amazonaws.com"},
				"Action": "sns:Publish", "Resource": topic, "Condition": fromTheAlarm(t, r),
			},
			// No condition: EventBridge does not support one in SNS topic policies (see alarms.go).
			map[string]any{
				"Sid": "RotationFailedRulePublishes", "Effect": "Allow", "Principal": map[string]any{"Service": "events.amazonaws.com"},
				"Action": "sns:Publish", "Resource": topic,
			},
		}
		if got := policy["PolicyDocument"].(map[string]any)["Statement"]; assertions.JSON(got) != assertions.JSON(want) {
			t.Errorf("%s: topic policy\n%s\nwant\n%s", r.ID, assertions.JSON(got), assertions.JSON(want))
		}
	}
}

func TestTheRotationFailedRuleMatchesOnlyThisSecretsFailureEvents(t *testing.T) {
	for _, r := range []*assertions.Result{header(t), apiKey(t), alb(t)} {
		door := doors[r.ID]
		rule := assertions.Find(r, "AWS::Events::Rule", nil)[assertions.LogicalID(door.RotationFailedRule)]
		props := rule["Properties"].(map[string]any)
		wantPattern := map[string]any{
			"source":      []any{"aws.secretsmanager"},
			"detail-type": []any{"AWS Service Event via CloudTrail"},
			"detail": map[string]any{
				"eventSource":         []any{"secretsmanager.amazonaws.com"},
				"eventName":           []any{"RotationFailed", "TestRotationFailed"},
				"additionalEventData": map[string]any{"SecretId": []any{map[string]any{"Ref": assertions.LogicalID(door.Secret)}}},
			},
		}
		if assertions.JSON(props["EventPattern"]) != assertions.JSON(wantPattern) {
			t.Errorf("%s: event pattern %s, want %s", r.ID, assertions.JSON(props["EventPattern"]), assertions.JSON(wantPattern))
		}
		// Published as is to the topic, with no role (EventBridge uses the topic's policy).
		wantTargets := []any{map[string]any{"Arn": map[string]any{"Ref": assertions.LogicalID(door.RotationAlarms)}, "Id": "Target0"}}
		if assertions.JSON(props["Targets"]) != assertions.JSON(wantTargets) || props["State"] != "ENABLED" {
			t.Errorf("%s: rule %s", r.ID, assertions.JSON(props))
		}
	}
}

func TestTheErrorsAlarmNotifiesTheTopicOnOneRotationFunctionErrorIn5Minutes(t *testing.T) {
	for _, r := range []*assertions.Result{header(t), apiKey(t), alb(t)} {
		door := doors[r.ID]
		alarm := assertions.Find(r, "AWS::CloudWatch::Alarm", nil)[assertions.LogicalID(door.RotationErrorsAlarm)]
		props := alarm["Properties"].(map[string]any)
		want := map[string]any{
			"Namespace": "AWS/Lambda", "MetricName": "Errors", "Statistic": "Sum", "Period": 300.0,
			"Dimensions":         []any{map[string]any{"Name": "FunctionName", "Value": map[string]any{"Ref": assertions.LogicalID(door.RotationFunction.Function)}}},
			"ComparisonOperator": "GreaterThanOrEqualToThreshold", "Threshold": 1.0, "EvaluationPeriods": 1.0,
			"TreatMissingData": "notBreaching",
			"AlarmActions":     []any{map[string]any{"Ref": assertions.LogicalID(door.RotationAlarms)}},
		}
		for k, v := range want {
			if assertions.JSON(props[k]) != assertions.JSON(v) {
				t.Errorf("%s: alarm %s = %s, want %s", r.ID, k, assertions.JSON(props[k]), assertions.JSON(v))
			}
		}
		// The name the policies use as the source ARN is the alarm's (alarmArn checks its shape).
		alarmArn(t, r)
	}
}

// An existing topic gets the notifications; the construct creates no topic
// and no key, and writes neither of its policies.
var existingTopic = assertions.Cached(func(app awscdk.App) awscdk.Stack {
	stack := awscdk.NewStack(app, jsii.String("FrontDoorExistingAlarmTopic"), usEast1)
	topic := awssns.NewTopic(stack, jsii.String("OpsAlarms"), &awssns.TopicProps{
		MasterKey: awskms.NewKey(stack, jsii.String("OpsAlarmsKey"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)}), EnforceSSL: jsii.Bool(true),
	})
	doors[*stack.StackName()] = frontdoor.NewFrontDoor(stack, "FrontDoor", &frontdoor.Props{RestApi: commentsAPI(stack), ExistingAlarmTopic: topic})
	return stack
})

func TestAnExistingAlarmTopicGetsTheNotificationsAndNoKeyIsCreated(t *testing.T) {
	r := existingTopic(t)
	door := doors[r.ID]
	if door.RotationAlarmsKey != nil {
		t.Error("RotationAlarmsKey must be nil with Props.ExistingAlarmTopic")
	}
	// Only the caller's topic and key, whose policies hold only the caller's statements.
	topic := map[string]any{"Ref": assertions.OnlyLogicalID(t, r, "AWS::SNS::Topic", nil)}
	keyPolicy := assertions.OnlyProperties(t, r, "AWS::KMS::Key", nil)["KeyPolicy"].(map[string]any)["Statement"].([]any)
	if len(keyPolicy) != 1 || strings.Contains(assertions.JSON(keyPolicy), "amazonaws.com") {
		t.Errorf("the caller's key policy was changed: %s", assertions.JSON(keyPolicy))
	}
	topicPolicy := assertions.OnlyProperties(t, r, "AWS::SNS::TopicPolicy", nil)["PolicyDocument"].(map[string]any)["Statement"].([]any)
	if len(topicPolicy) != 1 || topicPolicy[0].(map[string]any)["Sid"] != "AllowPublishThroughSSLOnly" {
		t.Errorf("the caller's topic policy was changed: %s", assertions.JSON(topicPolicy))
	}
	assertions.HasResourceProperties(t, r, "AWS::Events::Rule", map[string]any{"Targets": []any{map[string]any{"Arn": topic, "Id": "Target0"}}})
	assertions.HasResourceProperties(t, r, "AWS::CloudWatch::Alarm", map[string]any{"AlarmActions": []any{topic}})
	t.Run("Nag", func(t *testing.T) { assertions.Nag(t, r) })
	t.Run("LeastPrivilege", func(t *testing.T) { assertions.LeastPrivilege(t, r) })
}

func TestAnExistingAlarmTopicInAnotherRegionIsRefused(t *testing.T) {
	assertions.PanicsWith(t, func() {
		stack := awscdk.NewStack(assertions.NewApp(), jsii.String("Bad"), usEast1)
		frontdoor.NewFrontDoor(stack, "FrontDoor", &frontdoor.Props{
			RestApi:            commentsAPI(stack),
			ExistingAlarmTopic: awssns.Topic_FromTopicArn(stack, jsii.String("T"), jsii.String("arn:aws:sns:eu-west-1:111111111111:ops")),
		})
	}, `frontdoor.NewFrontDoor "FrontDoor"`, "Props.ExistingAlarmTopic is in eu-west-1 and this stack in us-east-1", "its own Region")
}
