package emailhygiene_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/assertions"
	"github.com/blueprints-cdk/blueprints/assertions/local"
	"github.com/blueprints-cdk/blueprints/constructs/emailhygiene"
	"github.com/blueprints-cdk/blueprints/constructs/restapi"
	"github.com/blueprints-cdk/blueprints/internal/emailaddr"
)

// hygienes are the pipelines the cached stacks built, by stack id.
var hygienes = map[string]*emailhygiene.EmailHygiene{}

var pipeline = assertions.Cached(func(app awscdk.App) awscdk.Stack {
	stack := awscdk.NewStack(app, jsii.String("EmailHygieneDefault"), nil)
	hygienes["EmailHygieneDefault"] = emailhygiene.NewEmailHygiene(stack, "Hygiene", nil)
	return stack
})

// ownKey brings the caller's key for the topic (and a name), an alarm topic
// of the caller's, and single-recipient complaints.
var ownKey = assertions.Cached(func(app awscdk.App) awscdk.Stack {
	stack := awscdk.NewStack(app, jsii.String("EmailHygieneOwnKey"), nil)
	key := awskms.NewKey(stack, jsii.String("CallersKey"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
	hygienes["EmailHygieneOwnKey"] = emailhygiene.NewEmailHygiene(stack, "Hygiene", &emailhygiene.Props{
		TopicProps:         &awssns.TopicProps{MasterKey: key, TopicName: jsii.String("ses-notifications")},
		ExistingAlarmTopic: awssns.Topic_FromTopicArn(stack, jsii.String("Pager"), jsii.String("arn:aws:sns:us-east-1:123456789012:pager")),
		ComplaintScope:     emailhygiene.ComplaintScopeSingleRecipient,
	})
	return stack
})

func ref(c constructs.IConstruct) map[string]any {
	return map[string]any{"Ref": assertions.LogicalID(c)}
}

func arnOf(c constructs.IConstruct) map[string]any {
	return map[string]any{"Fn::GetAtt": []any{assertions.LogicalID(c), "Arn"}}
}

// cdkDefaultKeyStatement is CDK's first key policy statement: the account
// administers the key through IAM.
const cdkDefaultKeyStatement = `{"Action":"kms:*","Effect":"Allow","Principal":{"AWS":{"Fn::Join":["",` +
	`["arn:",{"Ref":"AWS::Partition"},":iam::",{"Ref":"AWS::AccountId"},":root"]]}},"Resource":"*"}`

// keyStatements are a key's policy statements after CDK's default one.
func keyStatements(t *testing.T, r *assertions.Result, key constructs.IConstruct) []any {
	t.Helper()
	res := assertions.Find(r, "AWS::KMS::Key", nil)[assertions.LogicalID(key)]
	statements := res["Properties"].(map[string]any)["KeyPolicy"].(map[string]any)["Statement"].([]any)
	if assertions.JSON(statements[0]) != cdkDefaultKeyStatement {
		t.Errorf("the first statement of %s is not CDK's default: %s", assertions.LogicalID(key), assertions.JSON(statements[0]))
	}
	return statements[1:]
}

func TestConfigurationSetSendsBouncesComplaintsAndDeliveriesToTheTopic(t *testing.T) {
	for _, r := range []*assertions.Result{pipeline(t), ownKey(t)} {
		assertions.ResourceCountIs(t, r, "AWS::SES::ConfigurationSet", 1)
		dest := assertions.OnlyProperties(t, r, "AWS::SES::ConfigurationSetEventDestination", nil)["EventDestination"].(map[string]any)
		if fmt.Sprint(dest["MatchingEventTypes"]) != "[bounce complaint delivery]" || dest["Enabled"] != true ||
			assertions.JSON(dest["SnsDestination"]) != assertions.JSON(map[string]any{"TopicARN": ref(hygienes[r.ID].Topic)}) {
			t.Errorf("%s: event destination: %v", r.ID, dest)
		}
	}
}

// Issue 15, 3.6: the key lets SES publish for this configuration set, of
// this account, to this topic only.
func TestTheTopicKeyAdmitsSESForThisConfigurationSetAndTopicOnly(t *testing.T) {
	for _, r := range []*assertions.Result{pipeline(t), ownKey(t)} {
		h := hygienes[r.ID]
		topic := assertions.Find(r, "AWS::SNS::Topic", nil)[assertions.LogicalID(h.Topic)]["Properties"].(map[string]any)
		if assertions.JSON(topic["KmsMasterKeyId"]) != assertions.JSON(arnOf(h.TopicKey)) {
			t.Errorf("%s: the topic's key is %v, want TopicKey", r.ID, topic["KmsMasterKeyId"])
		}
		name, _ := topic["TopicName"].(string)
		if r.ID == "EmailHygieneOwnKey" && name != "ses-notifications" || !regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`).MatchString(name) {
			t.Errorf("%s: topic name %q", r.ID, name)
		}
		topicArn := map[string]any{"Fn::Join": []any{"", []any{"arn:", map[string]any{"Ref": "AWS::Partition"}, ":sns:",
			map[string]any{"Ref": "AWS::Region"}, ":", map[string]any{"Ref": "AWS::AccountId"}, ":" + name}}}
		// The configuration set's ARN as CDK's event destination writes it
		// into the topic policy: both say the same source.
		var sesSource any
		policy := assertions.OnlyProperties(t, r, "AWS::SNS::TopicPolicy", map[string]any{"Topics": []any{ref(h.Topic)}})
		for _, st := range policy["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			if st := st.(map[string]any); st["Effect"] == "Allow" {
				sesSource = st["Condition"].(map[string]any)["StringEquals"].(map[string]any)["AWS:SourceArn"]
			}
		}
		if !strings.Contains(assertions.JSON(sesSource), `":configuration-set/",{"Ref":"`+assertions.LogicalID(h.ConfigurationSet)+`"}`) {
			t.Fatalf("%s: SES's source in the topic policy: %s", r.ID, assertions.JSON(sesSource))
		}
		want := []any{map[string]any{
			"Sid": "AllowSESForThisConfigurationSetAndTopic", "Effect": "Allow", "Principal": map[string]any{"Service": "ses.amazonaws.com"},
			"Action": []any{"kms:Decrypt", "kms:GenerateDataKey*"}, "Resource": "*",
			"Condition": map[string]any{
				"StringEquals": map[string]any{"aws:SourceAccount": map[string]any{"Ref": "AWS::AccountId"}, "kms:EncryptionContext:aws:sns:topicArn": topicArn},
				"ArnEquals":    map[string]any{"aws:SourceArn": sesSource},
			},
		}}
		if got := keyStatements(t, r, h.TopicKey); assertions.JSON(got) != assertions.JSON(want) {
			t.Errorf("%s: key policy\n%s\nwant CDK's default and\n%s", r.ID, assertions.JSON(got), assertions.JSON(want))
		}
	}
}

// Issue 15, 3.5: a caller's key gets the SES statement, and the construct
// creates no key it does not use.
func TestACallersKeyIsUsedAndNoKeyIsLeftUnused(t *testing.T) {
	r := ownKey(t)
	h := hygienes[r.ID]
	if h.TopicKey == nil || assertions.LogicalID(h.TopicKey) != assertions.OnlyLogicalID(t, r, "AWS::KMS::Key", nil) ||
		!strings.HasPrefix(assertions.LogicalID(h.TopicKey), "CallersKey") {
		t.Errorf("the caller's key must be the only key, and TopicKey")
	}
	for _, r := range []*assertions.Result{pipeline(t), ownKey(t)} {
		for id := range assertions.Find(r, "AWS::KMS::Key", nil) {
			users := 0
			for _, res := range r.JSON["Resources"].(map[string]any) {
				props, _ := res.(map[string]any)["Properties"].(map[string]any)
				if strings.Contains(assertions.JSON(props["KmsMasterKeyId"]), `"`+id+`"`) {
					users++
				}
			}
			if users == 0 {
				t.Errorf("%s: key %s encrypts nothing", r.ID, id)
			}
		}
	}
}

func TestTopicPolicyAdmitsOnlySESFromThisAccountOverHTTPS(t *testing.T) {
	for _, r := range []*assertions.Result{pipeline(t), ownKey(t)} {
		policy := assertions.OnlyProperties(t, r, "AWS::SNS::TopicPolicy", map[string]any{"Topics": []any{ref(hygienes[r.ID].Topic)}})
		var allows, httpsDeny int
		for _, st := range policy["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			st := st.(map[string]any)
			switch st["Effect"] {
			case "Allow":
				allows++
				cond, _ := json.Marshal(st["Condition"])
				if fmt.Sprint(st["Principal"]) != "map[Service:ses.amazonaws.com]" || st["Action"] != "sns:Publish" ||
					!strings.Contains(string(cond), `"AWS:SourceAccount"`) || !strings.Contains(string(cond), `:configuration-set/`) {
					t.Errorf("%s: allow statement: %v", r.ID, st)
				}
			case "Deny":
				if fmt.Sprint(st["Condition"]) == "map[Bool:map[aws:SecureTransport:false]]" {
					httpsDeny++
				}
			}
		}
		if allows != 1 || httpsDeny != 1 {
			t.Errorf("%s: want one SES allow and one HTTPS-only deny, got %d and %d", r.ID, allows, httpsDeny)
		}
	}
}

// Issue 15, 3.7: a message in either dead-letter queue notifies Alarms, a
// topic encrypted with a customer-managed key that only these two alarms,
// of this account, may use.
func TestBothDeadLetterQueuesAlarmToATopicOnlyTheirAlarmsMayUse(t *testing.T) {
	r := pipeline(t)
	h := hygienes[r.ID]
	var arns []any
	for _, c := range []struct {
		alarm awscloudwatch.Alarm
		queue awssqs.Queue
		what  string
	}{{h.SubscriptionDeadLettersAlarm, h.SubscriptionDeadLetters, "SubscriptionDeadLetters"}, {h.FailedEventsAlarm, h.FailedEvents, "FailedEvents"}} {
		alarm := assertions.Find(r, "AWS::CloudWatch::Alarm", nil)[assertions.LogicalID(c.alarm)]["Properties"].(map[string]any)
		name, _ := alarm["AlarmName"].(string)
		want := map[string]any{
			"AlarmName": name, "AlarmDescription": alarm["AlarmDescription"], "AlarmActions": []any{ref(h.Alarms)},
			"Namespace": "AWS/SQS", "MetricName": "ApproximateNumberOfMessagesVisible",
			"Dimensions": []any{map[string]any{"Name": "QueueName", "Value": map[string]any{"Fn::GetAtt": []any{assertions.LogicalID(c.queue), "QueueName"}}}},
			"Statistic":  "Maximum", "Period": 300.0, "EvaluationPeriods": 1.0, "Threshold": 0.0,
			"ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "notBreaching",
		}
		if assertions.JSON(alarm) != assertions.JSON(want) || !strings.HasPrefix(name, "EmailHygieneDefaultHygiene") ||
			!strings.HasSuffix(name, "-"+c.what) {
			t.Errorf("alarm on %s:\n%s\nwant\n%s", c.what, assertions.JSON(alarm), assertions.JSON(want))
		}
		arns = append(arns, map[string]any{"Fn::Join": []any{"", []any{"arn:", map[string]any{"Ref": "AWS::Partition"}, ":cloudwatch:",
			map[string]any{"Ref": "AWS::Region"}, ":", map[string]any{"Ref": "AWS::AccountId"}, ":alarm:" + name}}})
	}
	topic := assertions.Find(r, "AWS::SNS::Topic", nil)[assertions.LogicalID(h.Alarms)]["Properties"].(map[string]any)
	if assertions.JSON(topic["KmsMasterKeyId"]) != assertions.JSON(arnOf(h.AlarmsKey)) {
		t.Errorf("the alarm topic's key is %v, want AlarmsKey", topic["KmsMasterKeyId"])
	}
	fromTheAlarms := map[string]any{
		"StringEquals": map[string]any{"aws:SourceAccount": map[string]any{"Ref": "AWS::AccountId"}},
		"ArnEquals":    map[string]any{"aws:SourceArn": arns},
	}
	cloudwatch := map[string]any{"Service": "cloudwatch.amazonaws.com"}
	wantKey := []any{map[string]any{
		"Sid": "DeadLetterAlarmsPublish", "Effect": "Allow", "Principal": cloudwatch,
		"Action": []any{"kms:Decrypt", "kms:GenerateDataKey*"}, "Resource": "*", "Condition": fromTheAlarms,
	}}
	if got := keyStatements(t, r, h.AlarmsKey); assertions.JSON(got) != assertions.JSON(wantKey) {
		t.Errorf("alarm key policy\n%s\nwant CDK's default and\n%s", assertions.JSON(got), assertions.JSON(wantKey))
	}
	policy := assertions.OnlyProperties(t, r, "AWS::SNS::TopicPolicy", map[string]any{"Topics": []any{ref(h.Alarms)}})
	wantTopic := []any{
		map[string]any{
			"Sid": "AllowPublishThroughSSLOnly", "Effect": "Deny", "Principal": "*", "Action": "sns:Publish", "Resource": ref(h.Alarms),
			"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
		},
		map[string]any{
			"Sid": "DeadLetterAlarmsPublish", "Effect": "Allow", "Principal": cloudwatch, "Action": "sns:Publish", "Resource": ref(h.Alarms),
			"Condition": fromTheAlarms,
		},
	}
	if got := policy["PolicyDocument"].(map[string]any)["Statement"]; assertions.JSON(got) != assertions.JSON(wantTopic) {
		t.Errorf("alarm topic policy\n%s\nwant\n%s", assertions.JSON(got), assertions.JSON(wantTopic))
	}
}

// With Props.ExistingAlarmTopic the alarms notify it, and no topic or key
// is created for them.
func TestAnExistingAlarmTopicTakesTheAlarms(t *testing.T) {
	r := ownKey(t)
	h := hygienes[r.ID]
	if h.AlarmsKey != nil {
		t.Error("AlarmsKey must be nil with an existing alarm topic")
	}
	assertions.ResourceCountIs(t, r, "AWS::SNS::Topic", 1) // the notifications topic
	for _, a := range []awscloudwatch.Alarm{h.SubscriptionDeadLettersAlarm, h.FailedEventsAlarm} {
		props := assertions.Find(r, "AWS::CloudWatch::Alarm", nil)[assertions.LogicalID(a)]["Properties"].(map[string]any)
		if assertions.JSON(props["AlarmActions"]) != `["arn:aws:sns:us-east-1:123456789012:pager"]` {
			t.Errorf("alarm actions %v", props["AlarmActions"])
		}
	}
}

func TestHandlerIsSubscribedWithTwoEncryptedDeadLetterQueues(t *testing.T) {
	r := pipeline(t)
	queues := assertions.Find(r, "AWS::SQS::Queue", nil)
	if len(queues) != 2 {
		t.Fatalf("want 2 queues, got %d", len(queues))
	}
	for id, q := range queues {
		if q["Properties"].(map[string]any)["SqsManagedSseEnabled"] != true {
			t.Errorf("%s is not encrypted", id)
		}
	}
	sub := assertions.OnlyProperties(t, r, "AWS::SNS::Subscription", map[string]any{"Protocol": "lambda"})
	fn := assertions.OnlyLogicalID(t, r, "AWS::Lambda::Function", nil)
	if fmt.Sprint(sub["Endpoint"]) != fmt.Sprintf("map[Fn::GetAtt:[%s Arn]]", fn) || sub["RedrivePolicy"] == nil {
		t.Errorf("subscription: %v", sub)
	}
	invoke := assertions.OnlyProperties(t, r, "AWS::Lambda::EventInvokeConfig", nil)
	if invoke["MaximumRetryAttempts"] != 2.0 || invoke["DestinationConfig"] == nil {
		t.Errorf("on-failure destination: %v", invoke)
	}
	redrive := sub["RedrivePolicy"].(map[string]any)["deadLetterTargetArn"].(map[string]any)["Fn::GetAtt"].([]any)[0]
	failure := invoke["DestinationConfig"].(map[string]any)["OnFailure"].(map[string]any)["Destination"].(map[string]any)["Fn::GetAtt"].([]any)[0]
	if redrive == failure {
		t.Error("the subscription's redrive queue and the on-failure queue must be two queues")
	}
}

func TestTableIsKeyedByUserIdWithRecoveryAndEncryption(t *testing.T) {
	assertions.HasResourceProperties(t, pipeline(t), "AWS::DynamoDB::Table", map[string]any{
		"KeySchema":                        []any{map[string]any{"AttributeName": "UserId", "KeyType": "HASH"}},
		"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true},
		"SSESpecification":                 map[string]any{"SSEEnabled": true},
		"TableName":                        assertions.Absent(),
	})
}

func TestHandlerRoleHasOnlyWhatTheHandlerUses(t *testing.T) {
	r := pipeline(t)
	f := assertions.OnlyProperties(t, r, "AWS::Lambda::Function", nil)
	role := f["Role"].(map[string]any)["Fn::GetAtt"].([]any)[0]
	policy := assertions.OnlyProperties(t, r, "AWS::IAM::Policy", map[string]any{"Roles": []any{map[string]any{"Ref": role}}})
	table := assertions.OnlyLogicalID(t, r, "AWS::DynamoDB::Table", nil)
	logs := f["LoggingConfig"].(map[string]any)["LogGroup"].(map[string]any)["Ref"]
	destinations := assertions.OnlyProperties(t, r, "AWS::Lambda::EventInvokeConfig", nil)["DestinationConfig"].(map[string]any)
	failed := destinations["OnFailure"].(map[string]any)["Destination"]
	want := []any{
		map[string]any{"Action": []any{"logs:CreateLogStream", "logs:PutLogEvents"}, "Effect": "Allow", "Resource": map[string]any{"Fn::GetAtt": []any{logs, "Arn"}}},
		map[string]any{"Action": []any{"xray:PutTelemetryRecords", "xray:PutTraceSegments"}, "Effect": "Allow", "Resource": "*"},
		map[string]any{"Action": []any{"sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"}, "Effect": "Allow", "Resource": failed},
		map[string]any{"Action": []any{"dynamodb:GetItem", "dynamodb:PutItem"}, "Effect": "Allow", "Resource": map[string]any{"Fn::GetAtt": []any{table, "Arn"}}},
	}
	if d := assertions.Diff(want, policy["PolicyDocument"].(map[string]any)["Statement"]); len(d) > 0 {
		t.Errorf("handler policy: %v", d)
	}
	vars := f["Environment"].(map[string]any)["Variables"].(map[string]any)
	if vars["TRANSIENT_BOUNCE_LIMIT"] != "3" || vars["TRANSIENT_BOUNCE_WINDOW"] != "259200s" || vars["TABLE_NAME"] == nil ||
		vars["COMPLAINT_SCOPE"] != "every-recipient" {
		t.Errorf("environment: %v", vars)
	}
}

func TestLookupIsAnIAMAuthorizedGetItem(t *testing.T) {
	r := pipeline(t)
	resource := assertions.OnlyLogicalID(t, r, "AWS::ApiGateway::Resource", map[string]any{"PathPart": "{email}"})
	m := assertions.OnlyProperties(t, r, "AWS::ApiGateway::Method", map[string]any{"ResourceId": map[string]any{"Ref": resource}})
	uri, _ := json.Marshal(m["Integration"].(map[string]any)["Uri"])
	if m["HttpMethod"] != "GET" || m["AuthorizationType"] != "AWS_IAM" || !strings.Contains(string(uri), "dynamodb:action/GetItem") {
		t.Errorf("lookup method: %v %v %s", m["HttpMethod"], m["AuthorizationType"], uri)
	}
	assertions.ResourceCountIs(t, r, "AWS::ApiGateway::Method", 1)
}

// The lookup's mapping template normalizes the address exactly as the
// handler does, so the item the handler wrote is the one the API reads,
// whatever the case of the address asked for.
func TestLookupNormalizesTheAddressAsTheHandlerDoes(t *testing.T) {
	r := pipeline(t)
	v := velocity(t)
	d := local.StartDynalite(t)
	refs, err := d.CreateTables(context.Background(), r.JSON)
	if err != nil {
		t.Fatal(err)
	}
	api := &local.RestAPI{Template: r.JSON, Refs: refs, Velocity: v, Backend: d}
	table := refs[assertions.OnlyLogicalID(t, r, "AWS::DynamoDB::Table", nil)]
	for _, raw := range []string{
		"User.Name@Example.COM", "  padded@EXAMPLE.org\t", "MiXeD@MiXeD.Co.Uk", "plus+tag@Sub.Example.com",
		"JANE.DOE@example.com", "a@b@Host.Example", "o'brien@Example.com", `quote"d@EXAMPLE.COM`,
	} {
		want, err := emailaddr.Normalize(raw)
		if err != nil {
			t.Fatal(err)
		}
		// The handler stored the normalized address; the lookup asks with the raw one.
		item, _ := json.Marshal(map[string]any{"TableName": table, "Item": map[string]any{
			"UserId": map[string]string{"S": want}, "state": map[string]string{"S": "disable"}, "bounceCount": map[string]string{"N": "2"},
			"address": map[string]string{"S": strings.TrimSpace(raw)},
		}})
		if status, body, err := d.Call(context.Background(), "PutItem", item); err != nil || status != 200 {
			t.Fatalf("PutItem: %d %s %v", status, body, err)
		}
		resp, err := api.Do(context.Background(), local.HTTPRequest{Method: "GET", Path: "/suppressions/" + url.PathEscape(raw)})
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]any
		if resp.Status != 200 || json.Unmarshal([]byte(resp.Body), &got) != nil || got["UserId"] != want || got["state"] != "disable" ||
			got["bounceCount"] != 2.0 || got["address"] != strings.TrimSpace(raw) {
			t.Errorf("GET %q: %d %s (sent %s)", raw, resp.Status, resp.Body, resp.IntegrationRequest)
		}
	}
	for _, path := range []string{"/suppressions/nobody@example.com", "/suppressions/" + url.PathEscape("ÜSER@bücher.de")} {
		resp, _ := api.Do(context.Background(), local.HTTPRequest{Method: "GET", Path: path})
		if resp.Status != 404 || resp.Body != `{"message":"Not found"}` {
			t.Errorf("%s: %d %s", path, resp.Status, resp.Body)
		}
	}
}

func velocity(t *testing.T) *local.Velocity {
	t.Helper()
	v, err := local.StartVelocity()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := v.Close(); err != nil {
			t.Errorf("stopping the Velocity renderer: %v", err)
		}
	})
	return v
}

// NormalizeAddressVtl and emailaddr.Normalize agree on thousands of inputs:
// where Normalize gives a key, the template gives the same; where Normalize
// refuses, the template gives a key that is no stored item's (every stored
// key is its own normalization). The inputs mix cases, the characters
// whose lower case Java and Go disagree on ('İ', final 'Σ', the Kelvin sign,
// which Java lower-cases to ASCII 'k'), other non-ASCII letters, control
// characters and the whitespace Java's trim() removes.
func TestTheLookupTemplateAndTheHandlerNormalizeAlike(t *testing.T) {
	v := velocity(t)
	template := "#set($rawKey = $input.params().path.get('email'))" + emailhygiene.NormalizeAddressVtl + "[$key]"
	r := rand.New(rand.NewPCG(15, 1))
	ascii := []string{"a", "Z", "m", "Q", "0", "9", ".", "+", "_", "-", "'", `"`, "!", "~", " "}
	other := []string{"@", "\t", "\x01", "\x7f", "Ü", "ü", "İ", "ı", "I", "Σ", "σ", "ß", "\u212a", "€", "😀", "<", ">", "ǅ", "Ω"}
	word := func(pieces []string, n int) string {
		var b strings.Builder
		for range n {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		return b.String()
	}
	space := []string{"", "", " ", "\t", "\n ", "\r\x00"}
	inputs := []string{"", "@", "a@b", "İ@example.com", "ΟΔΟΣ@example.com", "\u212aelvin@EXAMPLE.com", "Jane Doe <jane@example.org>",
		strings.Repeat("A", 250) + "@b.c", strings.Repeat("A", 249) + "@b.c", " \t\n" + "MiXeD@Example.COM" + "\r\x00 "}
	for range 1500 {
		// An address of printable ASCII, padded: mostly keys.
		in := word(ascii, 1+r.IntN(12)) + "@" + word(ascii, 1+r.IntN(12))
		inputs = append(inputs, space[r.IntN(len(space))]+in+space[r.IntN(len(space))])
		// The same with anything mixed in: mostly refused.
		inputs = append(inputs, word(append(ascii, other...), r.IntN(24)))
	}
	agreed, refused := 0, 0
	for _, in := range inputs {
		out, err := v.Render(template, local.Request{Path: map[string]string{"email": in}})
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		key := strings.TrimSuffix(strings.TrimPrefix(out.Output, "["), "]")
		want, err := emailaddr.Normalize(in)
		switch {
		case err == nil && key != want:
			t.Errorf("%q: the template gives %q, the handler %q", in, key, want)
		case err == nil:
			agreed++
		default:
			if again, err := emailaddr.Normalize(key); err == nil && again == key {
				t.Errorf("%q, which the handler refuses, gives %q, which could be a stored key", in, key)
			}
			refused++
		}
	}
	t.Logf("%d inputs: %d keyed alike, %d refused by the handler and found by no lookup", len(inputs), agreed, refused)
	if agreed < 100 || refused < 100 {
		t.Errorf("the inputs do not exercise both sides: %d agreed, %d refused", agreed, refused)
	}
}

func TestContradictoryPropsFailWithAMessageNamingThem(t *testing.T) {
	cases := map[string]struct {
		props func(awscdk.Stack) *emailhygiene.Props
		want  string
	}{
		"topic twice": {func(s awscdk.Stack) *emailhygiene.Props {
			return &emailhygiene.Props{
				ExistingTopic: awssns.Topic_FromTopicArn(s, jsii.String("T"), jsii.String("arn:aws:sns:us-east-1:123456789012:t")),
				TopicProps:    &awssns.TopicProps{},
			}
		}, "Props.ExistingTopic and Props.TopicProps are mutually exclusive"},
		"table twice": {func(s awscdk.Stack) *emailhygiene.Props {
			return &emailhygiene.Props{ExistingTable: awsdynamodb.Table_FromTableName(s, jsii.String("T"), jsii.String("t")), TableProps: &awsdynamodb.TableProps{}}
		}, "Props.ExistingTable and Props.TableProps are mutually exclusive"},
		"wrong key": {func(awscdk.Stack) *emailhygiene.Props {
			return &emailhygiene.Props{TableProps: &awsdynamodb.TableProps{
				PartitionKey: &awsdynamodb.Attribute{Name: jsii.String("email"), Type: awsdynamodb.AttributeType_STRING},
			}}
		}, `Props.TableProps.PartitionKey must be "UserId"`},
		"api without lookup": {func(s awscdk.Stack) *emailhygiene.Props {
			api := awsapigateway.NewRestApi(s, jsii.String("A"), nil)
			return &emailhygiene.Props{AllowLookup: jsii.Bool(false), Api: &restapi.Mount{ExistingRestApi: api}}
		}, "Props.Api and Props.LookupMethodOptions need Props.AllowLookup"},
		"role on an existing api": {func(s awscdk.Stack) *emailhygiene.Props {
			api := awsapigateway.NewRestApi(s, jsii.String("A"), nil)
			return &emailhygiene.Props{Api: &restapi.Mount{ExistingRestApi: api, CreateCloudWatchRole: jsii.Bool(true)}}
		}, "Props.Api.CreateCloudWatchRole applies to a new API"},
		"limit": {func(awscdk.Stack) *emailhygiene.Props {
			return &emailhygiene.Props{TransientBounceLimit: jsii.Number(0)}
		}, "Props.TransientBounceLimit"},
		"window": {func(awscdk.Stack) *emailhygiene.Props {
			return &emailhygiene.Props{TransientBounceWindow: awscdk.Duration_Millis(jsii.Number(10))}
		}, "Props.TransientBounceWindow"},
		"limit over the history": {func(awscdk.Stack) *emailhygiene.Props {
			return &emailhygiene.Props{TransientBounceLimit: jsii.Number(21)}
		}, "Props.TransientBounceLimit must be a whole number from 1 to 20"},
		"complaint scope": {func(awscdk.Stack) *emailhygiene.Props {
			return &emailhygiene.Props{ComplaintScope: "some"}
		}, `Props.ComplaintScope "some" must be "ComplaintScopeEveryRecipient" or "ComplaintScopeSingleRecipient"`},
		"imported key": {func(s awscdk.Stack) *emailhygiene.Props {
			key := awskms.Key_FromKeyArn(s, jsii.String("K"), jsii.String("arn:aws:kms:us-east-1:123456789012:key/abc"))
			return &emailhygiene.Props{TopicProps: &awssns.TopicProps{MasterKey: key}}
		}, "Props.TopicProps.MasterKey must be an awskms.Key (or an awskms.Alias of one) created in this app"},
		"the AWS-managed key": {func(s awscdk.Stack) *emailhygiene.Props {
			key := awskms.Alias_FromAliasName(s, jsii.String("K"), jsii.String("alias/aws/sns"))
			return &emailhygiene.Props{TopicProps: &awssns.TopicProps{MasterKey: key}}
		}, "Props.TopicProps.MasterKey must be an awskms.Key"},
		"a key of another stack": {func(s awscdk.Stack) *emailhygiene.Props {
			other := awscdk.NewStack(s.Node().Scope().(awscdk.App), jsii.String("Keys"), nil)
			return &emailhygiene.Props{TopicProps: &awssns.TopicProps{MasterKey: awskms.NewKey(other, jsii.String("K"), nil)}}
		}, "Props.TopicProps.MasterKey must be in the construct's stack (S, not Keys)"},
		"fifo": {func(awscdk.Stack) *emailhygiene.Props {
			return &emailhygiene.Props{TopicProps: &awssns.TopicProps{Fifo: jsii.Bool(true)}}
		}, "Props.TopicProps.Fifo: SES publishes to standard topics only"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			stack := awscdk.NewStack(assertions.NewApp(), jsii.String("S"), nil)
			assertions.PanicsWith(t, func() { emailhygiene.NewEmailHygiene(stack, "Bad", c.props(stack)) }, c.want, `"Bad"`)
		})
	}
}

// An alias of a key of the stack stands for the key: SES is added to the
// key's policy, and the topic names the alias.
func TestAnAliasOfAKeyOfTheStackIsAccepted(t *testing.T) {
	stack := awscdk.NewStack(assertions.NewApp(), jsii.String("S"), nil)
	key := awskms.NewKey(stack, jsii.String("K"), nil)
	alias := awskms.NewAlias(stack, jsii.String("A"), &awskms.AliasProps{AliasName: jsii.String("alias/ses"), TargetKey: key})
	h := emailhygiene.NewEmailHygiene(stack, "Hygiene", &emailhygiene.Props{TopicProps: &awssns.TopicProps{MasterKey: alias}})
	if assertions.LogicalID(h.TopicKey) != assertions.LogicalID(key) {
		t.Errorf("TopicKey is %s, want the alias's key", assertions.LogicalID(h.TopicKey))
	}
}

func TestComplaintScopeIsTheHandlersEnvironment(t *testing.T) {
	r := ownKey(t)
	vars := assertions.OnlyProperties(t, r, "AWS::Lambda::Function", nil)["Environment"].(map[string]any)["Variables"].(map[string]any)
	if vars["COMPLAINT_SCOPE"] != "single-recipient" {
		t.Errorf("environment: %v", vars)
	}
}

func TestSuite(t *testing.T) {
	assertions.Suite(t, pipeline(t))
}

func TestSuiteOwnKey(t *testing.T) {
	assertions.Suite(t, ownKey(t))
}

// The page's architecture diagram is this stack's (make diagrams).
func TestDiagram(t *testing.T) { assertions.Diagram(t, pipeline(t), "README.md") }
