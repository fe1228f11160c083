// Package emailhygiene keeps an email database healthy: it disables the addresses SES reports as bouncing or complaining.
//
// It keeps an email database healthy: SES publishes bounce,
// complaint and delivery events through a configuration set to an encrypted
// SNS topic; a Go Lambda (lambda/emailhygiene) keeps one item per address in
// DynamoDB, and a read-only API answers whether an address may be sent to.
// What cannot be applied waits in two dead-letter queues, whose alarms
// notify an SNS topic (Alarms). Its README.md says what the pipeline does
// beyond the post, and why.
//
// It comes from the AWS Compute Blog post "Maintaining a Healthy Email
// Database with AWS Lambda, Amazon SNS, and Amazon DynamoDB", whose console
// steps and Node.js handler it replaces: CloudFormation cannot set an SES
// identity's notification topics, so a configuration set is the way in; the
// handler's rules fix the post's (it disabled addresses on transient bounces
// and re-enabled them on any delivery); and the post's suggestion to expose
// the table through "Using Amazon API Gateway as a proxy for DynamoDB" is
// built with constructs/dynamoproxy.
package emailhygiene

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdadestinations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsses"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/constructs/dynamoproxy"
	"github.com/blueprints-cdk/blueprints/constructs/golambda"
	"github.com/blueprints-cdk/blueprints/internal/alarms"
	handler "github.com/blueprints-cdk/blueprints/internal/emailhygiene"
)

// PartitionKey is the table's key: the normalized email address.
const PartitionKey = handler.PartitionKey

// LookupFields are the attributes GET /suppressions/{email} returns.
var LookupFields = handler.LookupAttributes

// NormalizeAddressVtl sets $key from $rawKey, the lookup's path parameter,
// as the handler keys an address (internal/emailaddr Normalize): trimmed
// of what Java's trim() removes, with A to Z lower-cased. It lower-cases
// with String.replace, literal and the same on every JVM, rather than
// toLowerCase, which maps beyond ASCII differently from Go and after the
// JVM's default locale (see internal/emailaddr). An input the handler would
// refuse (not 7-bit ASCII, say) gives a key no item has: a 404.
var NormalizeAddressVtl = normalizeAddressVtl()

func normalizeAddressVtl() string {
	var b strings.Builder
	b.WriteString(`#set($t = $rawKey.trim())#set($key = $t`)
	for c := 'A'; c <= 'Z'; c++ {
		fmt.Fprintf(&b, `.replace("%c", "%c")`, c, c+'a'-'A')
	}
	b.WriteString(`)`)
	return b.String()
}

// EmailHygiene is the pipeline.
type EmailHygiene struct {
	constructs.Construct
	// ConfigurationSet is the SES configuration set senders use, created or existing.
	ConfigurationSet awsses.IConfigurationSet
	// EventDestination sends its bounces, complaints and deliveries to Topic.
	EventDestination awsses.ConfigurationSetEventDestination
	// Topic receives SES's events, created or existing.
	Topic awssns.ITopic
	// TopicKey encrypts a created topic: a key of the construct's, or
	// Props.TopicProps.MasterKey's (the key behind it, for an alias). Nil
	// with Props.ExistingTopic.
	TopicKey awskms.Key
	// Table holds one item per address, created or existing.
	Table awsdynamodb.ITable
	// Handler is the Go Lambda subscribed to Topic.
	Handler *golambda.Function
	// Subscription subscribes Handler to Topic.
	Subscription awssns.Subscription
	// SubscriptionDeadLetters holds messages SNS could not deliver to Handler.
	SubscriptionDeadLetters awssqs.Queue
	// FailedEvents holds events Handler failed on every retry.
	FailedEvents awssqs.Queue
	// Alarms receives SubscriptionDeadLettersAlarm and FailedEventsAlarm:
	// Props.ExistingAlarmTopic, or a new topic encrypted with AlarmsKey (nil
	// with an existing topic). Subscribe to it.
	Alarms    awssns.ITopic
	AlarmsKey awskms.Key
	// SubscriptionDeadLettersAlarm and FailedEventsAlarm notify Alarms when
	// a message waits in SubscriptionDeadLetters or FailedEvents.
	SubscriptionDeadLettersAlarm awscloudwatch.Alarm
	FailedEventsAlarm            awscloudwatch.Alarm
	// Lookup is GET /suppressions/{email}, or nil without AllowLookup.
	Lookup *dynamoproxy.ApiGatewayToDynamoDB
}

// NewEmailHygiene builds the pipeline. It panics with a message naming the
// props at fault when they contradict each other.
func NewEmailHygiene(scope constructs.Construct, id string, props *Props) *EmailHygiene {
	if props == nil {
		props = &Props{}
	}
	cfg, err := resolve(props, awscdk.Stack_Of(scope))
	if err != nil {
		panic(fmt.Sprintf("emailhygiene.NewEmailHygiene %q: %v", id, err))
	}
	e := &EmailHygiene{Construct: constructs.NewConstruct(scope, jsii.String(id))}
	e.buildConfigurationSet(cfg)
	e.buildTopic(cfg)
	e.buildEventDestination()
	e.buildTable(cfg)
	e.buildHandler(cfg)
	e.buildAlarms(cfg)
	if cfg.lookup {
		e.buildLookup(cfg)
	}
	return e
}

// buildConfigurationSet creates the configuration set senders use, unless
// the caller brings one.
func (e *EmailHygiene) buildConfigurationSet(c *config) {
	if c.existingConfigurationSet != nil {
		e.ConfigurationSet = c.existingConfigurationSet
		return
	}
	e.ConfigurationSet = awsses.NewConfigurationSet(e.Construct, jsii.String("ConfigurationSet"), c.configurationSetProps)
}

// buildTopic creates a topic encrypted with a customer-managed key (the
// construct's, or Props.TopicProps.MasterKey) that SES may use for this
// configuration set and this topic only; the topic refuses anything but
// HTTPS.
func (e *EmailHygiene) buildTopic(c *config) {
	if c.existingTopic != nil {
		e.Topic = c.existingTopic
		return
	}
	stack := awscdk.Stack_Of(e.Construct)
	tp := c.topicProps
	// A name of ours, so that the key policy can name the topic's ARN
	// without a reference to it: the topic refers to the key, so a
	// reference back would be a cycle. Topic names are up to 256 letters,
	// digits, hyphens and underscores (AWS::SNS::Topic, TopicName).
	if tp.TopicName == nil {
		tp.TopicName = jsii.String(*awscdk.Names_UniqueResourceName(e.Construct,
			&awscdk.UniqueResourceNameOptions{MaxLength: jsii.Number(240)}) + "-Notifications")
	}
	topicArn := stack.FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("sns"), Resource: tp.TopicName, ArnFormat: awscdk.ArnFormat_NO_RESOURCE_NAME,
	})
	// What SES publishes for: "arn:aws:ses:region:account:configuration-set/name"
	// (Amazon SES Developer Guide, "Set up an Amazon SNS event destination for
	// event publishing", the topic policy's AWS:SourceArn), as CDK's event
	// destination writes it into the topic policy.
	configurationSetArn := stack.FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("ses"), Resource: jsii.String("configuration-set"),
		ResourceName: e.ConfigurationSet.ConfigurationSetName(), ArnFormat: awscdk.ArnFormat_SLASH_RESOURCE_NAME,
	})
	e.TopicKey = c.topicKey
	if e.TopicKey == nil {
		e.TopicKey = awskms.NewKey(e.Construct, jsii.String("TopicKey"), &awskms.KeyProps{
			Description:       jsii.String("Encrypts the SES notifications topic"),
			EnableKeyRotation: jsii.Bool(true),
			RemovalPolicy:     c.removal,
		})
		tp.MasterKey = e.TopicKey
	}
	// SES needs kms:GenerateDataKey* and kms:Decrypt on a customer-managed
	// key to publish to the encrypted topic, and the statement may name the
	// source and the topic: the SNS guide's statement for AWS services
	// conditions aws:SourceArn (the publishing resource) and
	// kms:EncryptionContext:aws:sns:topicArn (the topic, which SNS puts in
	// the encryption context of the data keys it asks for) (Amazon SNS
	// Developer Guide, "Managing Amazon SNS encryption keys and costs",
	// "Enable compatibility between event sources from AWS services and
	// encrypted topics"; the same statement in the AWS Snow Family and
	// Amazon GameLift guides' SNS setup). So SES may use this key for this
	// configuration set, of this account, publishing to this topic only.
	e.TopicKey.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowSESForThisConfigurationSetAndTopic"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("ses.amazonaws.com"), nil)},
		Actions:    alarms.KeyUse(),
		Resources:  jsii.Strings("*"), // in a key policy, "*" is this key
		Conditions: &map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": stack.Account(), "kms:EncryptionContext:aws:sns:topicArn": topicArn},
			"ArnEquals":    map[string]any{"aws:SourceArn": configurationSetArn},
		},
	}), nil)
	tp.EnforceSSL = jsii.Bool(true) // enforced: HTTPS only
	e.Topic = awssns.NewTopic(e.Construct, jsii.String("Topic"), &tp)
}

// buildEventDestination sends bounces, complaints and deliveries to the
// topic. CDK's event destination also gives SES, from this account and this
// configuration set only, sns:Publish in the topic's policy.
func (e *EmailHygiene) buildEventDestination() {
	e.EventDestination = awsses.NewConfigurationSetEventDestination(e.Construct, jsii.String("EventDestination"), &awsses.ConfigurationSetEventDestinationProps{
		ConfigurationSet: e.ConfigurationSet,
		Destination:      awsses.EventDestination_SnsTopic(e.Topic),
		Events: &[]awsses.EmailSendingEvent{
			awsses.EmailSendingEvent_BOUNCE, awsses.EmailSendingEvent_COMPLAINT, awsses.EmailSendingEvent_DELIVERY,
		},
	})
}

func (e *EmailHygiene) buildTable(c *config) {
	if c.existingTable != nil {
		e.Table = c.existingTable
		return
	}
	e.Table = awsdynamodb.NewTable(e.Construct, jsii.String("Table"), c.tableProps)
}

// buildHandler subscribes the Go handler with two dead-letter queues, and
// gives it exactly the DynamoDB actions it uses.
func (e *EmailHygiene) buildHandler(c *config) {
	e.SubscriptionDeadLetters = alarms.NewDeadLetterQueue(e.Construct, "SubscriptionDeadLetters", "the SNS subscription's redrive queue")
	e.FailedEvents = alarms.NewDeadLetterQueue(e.Construct, "FailedEvents", "the handler's on-failure destination")

	env := map[string]*string{handler.EnvTableName: e.Table.TableName()}
	for k, v := range c.env {
		env[k] = v
	}
	e.Handler = golambda.NewFunction(e.Construct, "Handler", &golambda.Props{
		Entry:         jsii.String("emailhygiene"),
		Description:   jsii.String("Applies SES bounce, complaint and delivery events to the address table"),
		Environment:   &env,
		Timeout:       awscdk.Duration_Seconds(jsii.Number(30)),
		OnFailure:     awslambdadestinations.NewSqsDestination(e.FailedEvents),
		RetryAttempts: jsii.Number(2),
	})
	e.Handler.Role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("dynamodb:GetItem", "dynamodb:PutItem"),
		Resources: &[]*string{e.Table.TableArn()},
	}))
	if key := e.Table.EncryptionKey(); key != nil {
		key.GrantEncryptDecrypt(e.Handler.Role)
	}
	// The subscription lets the topic invoke the handler, and the topic send
	// undeliverable messages to the queue.
	e.Subscription = e.Topic.AddSubscription(awssnssubscriptions.NewLambdaSubscription(e.Handler.Function,
		&awssnssubscriptions.LambdaSubscriptionProps{DeadLetterQueue: e.SubscriptionDeadLetters}))
}

// buildAlarms makes a message in either dead-letter queue notify Alarms: an
// undeliverable SNS message or an event the handler failed on is an address
// whose state may be wrong until someone replays it.
func (e *EmailHygiene) buildAlarms(c *config) {
	var made []awscloudwatch.Alarm
	e.AlarmsKey, e.Alarms, made = alarms.NewDeadLetterAlarms(e.Construct, alarms.DeadLetterAlarmsProps{
		Queues: []alarms.DeadLetters{
			{ID: "SubscriptionDeadLetters", What: "SNS could not deliver a message to the email-hygiene handler", Queue: e.SubscriptionDeadLetters},
			{ID: "FailedEvents", What: "The email-hygiene handler failed on an event after every retry", Queue: e.FailedEvents},
		},
		ExistingTopic:  c.existingAlarmTopic,
		KeyDescription: "Encrypts the email-hygiene alarm topic", DisplayName: "Email hygiene: undelivered or failed SES events",
		RemovalPolicy: c.removal,
	})
	e.SubscriptionDeadLettersAlarm, e.FailedEventsAlarm = made[0], made[1]
}

// buildLookup is GET /suppressions/{email}: dynamoproxy's read-only GetItem
// route, normalizing the address as the handler does.
func (e *EmailHygiene) buildLookup(c *config) {
	fields := jsii.Strings(LookupFields...)
	e.Lookup = dynamoproxy.NewApiGatewayToDynamoDB(e.Construct, "Lookup", &dynamoproxy.Props{
		ExistingTable: e.Table,
		Api:           c.api,
		ResourcePath:  jsii.String("suppressions"),
		PartitionKey:  jsii.String(PartitionKey),
		PathParameter: jsii.String("email"),
		Fields:        fields,
		AllowCreate:   jsii.Bool(false),
		AllowQuery:    jsii.Bool(false),
		AllowRead:     jsii.Bool(true),
		KeyVtl:        jsii.String(NormalizeAddressVtl),
		MethodOptions: c.lookupOptions,
	})
}
