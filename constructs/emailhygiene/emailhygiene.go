// Package emailhygiene keeps an email database healthy: SES publishes bounce,
// complaint and delivery events through a configuration set to an encrypted
// SNS topic; a Go Lambda (lambda/emailhygiene) keeps one item per address in
// DynamoDB, and a read-only API answers whether an address may be sent to.
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
	"math"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
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
	"github.com/blueprints-cdk/blueprints/internal/defaults"
)

// PartitionKey is the table's key: the normalized email address.
const PartitionKey = "UserId"

// LookupFields are the attributes GET /suppressions/{email} returns.
var LookupFields = []string{"state", "notificationType", "from", "timestamp", "bounceType", "bounceSubType",
	"complaintFeedbackType", "bounceCount", "lastBounceAt"}

// NormalizeAddressVTL normalizes the lookup's path parameter as the handler
// normalizes recipients (lambda/emailhygiene NormalizeAddress): trimmed of
// the characters Java's trim() removes, with the domain lower-cased.
const NormalizeAddressVTL = `#set($t = $rawKey.trim())#set($at = $t.lastIndexOf("@"))` +
	`#if($at > 0)#set($key = "$t.substring(0, $at)$t.substring($at).toLowerCase()")#{else}#set($key = $t)#end`

// EmailHygiene is the pipeline.
type EmailHygiene struct {
	constructs.Construct
	// ConfigurationSet is the SES configuration set senders use, created or existing.
	ConfigurationSet awsses.IConfigurationSet
	// EventDestination sends its bounces, complaints and deliveries to Topic.
	EventDestination awsses.ConfigurationSetEventDestination
	// Topic receives SES's events, created or existing.
	Topic awssns.ITopic
	// TopicKey encrypts a created topic, or is nil.
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
	// Lookup is GET /suppressions/{email}, or nil without AllowLookup.
	Lookup *dynamoproxy.ApiGatewayToDynamoDB
}

// NewEmailHygiene builds the pipeline. It panics with a message naming the
// props at fault when they contradict each other.
func NewEmailHygiene(scope constructs.Construct, id string, props *Props) *EmailHygiene {
	if props == nil {
		props = &Props{}
	}
	env, err := validate(props)
	if err != nil {
		panic(fmt.Sprintf("emailhygiene.NewEmailHygiene %q: %v", id, err))
	}
	e := &EmailHygiene{Construct: constructs.NewConstruct(scope, jsii.String(id))}
	e.buildTopic(props)
	e.buildConfigurationSet(props)
	e.buildTable(props)
	e.buildHandler(env)
	if defaults.Bool(props.AllowLookup, true) {
		e.buildLookup(props)
	}
	return e
}

func validate(p *Props) (map[string]*string, error) {
	pairs := []struct {
		existing, props bool
		names           string
	}{
		{p.ExistingConfigurationSet != nil, p.ConfigurationSetProps != nil, "Props.ExistingConfigurationSet and Props.ConfigurationSetProps"},
		{p.ExistingTopic != nil, p.TopicProps != nil, "Props.ExistingTopic and Props.TopicProps"},
		{p.ExistingTable != nil, p.TableProps != nil, "Props.ExistingTable and Props.TableProps"},
		{p.ExistingRestApi != nil, defaults.Bool(p.CreateCloudWatchRole, false), "Props.ExistingRestApi and Props.CreateCloudWatchRole"},
	}
	for _, pair := range pairs {
		if pair.existing && pair.props {
			return nil, fmt.Errorf("%s are mutually exclusive: pass one or neither", pair.names)
		}
	}
	if !defaults.Bool(p.AllowLookup, true) && (p.ExistingRestApi != nil || p.LookupMethodOptions != nil) {
		return nil, fmt.Errorf("Props.ExistingRestApi and Props.LookupMethodOptions need Props.AllowLookup")
	}
	if tp := p.TableProps; tp != nil && tp.PartitionKey != nil && *tp.PartitionKey.Name != PartitionKey {
		return nil, fmt.Errorf("Props.TableProps.PartitionKey must be %q, the handler's key", PartitionKey)
	}
	limit := 3.0
	if p.TransientBounceLimit != nil {
		limit = *p.TransientBounceLimit
		if limit < 1 || limit != math.Trunc(limit) {
			return nil, fmt.Errorf("Props.TransientBounceLimit must be a whole number, at least 1")
		}
	}
	window := 72 * 3600.0
	if p.TransientBounceWindow != nil {
		window = *p.TransientBounceWindow.ToMilliseconds(nil) / 1000
		if window < 1 || window != math.Trunc(window) {
			return nil, fmt.Errorf("Props.TransientBounceWindow must be a whole number of seconds, at least 1")
		}
	}
	return map[string]*string{
		"TRANSIENT_BOUNCE_LIMIT":  jsii.String(strconv.FormatFloat(limit, 'f', 0, 64)),
		"TRANSIENT_BOUNCE_WINDOW": jsii.String(strconv.FormatFloat(window, 'f', 0, 64) + "s"),
	}, nil
}

// buildTopic creates a topic encrypted with a customer-managed key that SES
// from this account may use; the topic refuses anything but HTTPS.
func (e *EmailHygiene) buildTopic(p *Props) {
	if p.ExistingTopic != nil {
		e.Topic = p.ExistingTopic
		return
	}
	stack := awscdk.Stack_Of(e.Construct)
	e.TopicKey = awskms.NewKey(e.Construct, jsii.String("TopicKey"), &awskms.KeyProps{
		Description:       jsii.String("Encrypts the SES notifications topic"),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
	})
	e.TopicKey.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowSESFromThisAccount"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("ses.amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:GenerateDataKey*", "kms:Decrypt"),
		Resources:  jsii.Strings("*"), // in a key policy, "*" is this key
		Conditions: &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()}},
	}), nil)
	tp := awssns.TopicProps{}
	if p.TopicProps != nil {
		tp = *p.TopicProps
	}
	if tp.MasterKey == nil {
		tp.MasterKey = e.TopicKey
	}
	tp.EnforceSSL = jsii.Bool(true) // enforced: HTTPS only
	e.Topic = awssns.NewTopic(e.Construct, jsii.String("Topic"), &tp)
}

// buildConfigurationSet sends bounces, complaints and deliveries to the
// topic. CDK's event destination also gives SES, from this account and this
// configuration set only, sns:Publish in the topic's policy.
func (e *EmailHygiene) buildConfigurationSet(p *Props) {
	if p.ExistingConfigurationSet != nil {
		e.ConfigurationSet = p.ExistingConfigurationSet
	} else {
		e.ConfigurationSet = awsses.NewConfigurationSet(e.Construct, jsii.String("ConfigurationSet"), p.ConfigurationSetProps)
	}
	e.EventDestination = awsses.NewConfigurationSetEventDestination(e.Construct, jsii.String("EventDestination"), &awsses.ConfigurationSetEventDestinationProps{
		ConfigurationSet: e.ConfigurationSet,
		Destination:      awsses.EventDestination_SnsTopic(e.Topic),
		Events: &[]awsses.EmailSendingEvent{
			awsses.EmailSendingEvent_BOUNCE, awsses.EmailSendingEvent_COMPLAINT, awsses.EmailSendingEvent_DELIVERY,
		},
	})
}

func (e *EmailHygiene) buildTable(p *Props) {
	if p.ExistingTable != nil {
		e.Table = p.ExistingTable
		return
	}
	tp := defaults.TableProps(p.TableProps, PartitionKey, defaults.RemovalPolicy(p.RemovalPolicy))
	e.Table = awsdynamodb.NewTable(e.Construct, jsii.String("Table"), tp)
}

// buildHandler subscribes the Go handler with two dead-letter queues, and
// gives it exactly the DynamoDB actions it uses.
func (e *EmailHygiene) buildHandler(env map[string]*string) {
	queue := func(id, what string) awssqs.Queue {
		q := awssqs.NewQueue(e.Construct, jsii.String(id), &awssqs.QueueProps{
			Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
			EnforceSSL:      jsii.Bool(true),
			RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
		})
		defaults.Suppress(q, "AwsSolutions-SQS3", "This queue is itself a dead-letter queue: "+what)
		return q
	}
	e.SubscriptionDeadLetters = queue("SubscriptionDeadLetters", "the SNS subscription's redrive queue")
	e.FailedEvents = queue("FailedEvents", "the handler's on-failure destination")

	env["TABLE_NAME"] = e.Table.TableName()
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

// buildLookup is GET /suppressions/{email}: dynamoproxy's read-only GetItem
// route, normalizing the address as the handler does.
func (e *EmailHygiene) buildLookup(p *Props) {
	opts := p.LookupMethodOptions
	if opts == nil {
		opts = &awsapigateway.MethodOptions{AuthorizationType: awsapigateway.AuthorizationType_IAM}
	}
	fields := jsii.Strings(LookupFields...)
	e.Lookup = dynamoproxy.NewApiGatewayToDynamoDB(e.Construct, "Lookup", &dynamoproxy.Props{
		ExistingTable:        e.Table,
		ExistingRestApi:      p.ExistingRestApi,
		CreateCloudWatchRole: p.CreateCloudWatchRole,
		ResourcePath:         jsii.String("suppressions"),
		PartitionKey:         jsii.String(PartitionKey),
		PathParameter:        jsii.String("email"),
		Fields:               fields,
		AllowCreate:          jsii.Bool(false),
		AllowQuery:           jsii.Bool(false),
		AllowRead:            jsii.Bool(true),
		KeyVTL:               jsii.String(NormalizeAddressVTL),
		MethodOptions:        opts,
	})
}
