package emailhygiene

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsses"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/constructs/restapi"
	"github.com/blueprints-cdk/blueprints/internal/defaults"
	handler "github.com/blueprints-cdk/blueprints/internal/emailhygiene"
	"github.com/blueprints-cdk/blueprints/internal/ptr"
)

// ComplaintScope is which recipients of a complaint the pipeline disables.
// Like the CDK Go bindings' enums, it is a value, not a pointer: the empty
// ComplaintScope is the default.
//
// SES lists as complained recipients everyone the message was sent to on
// the complaining domain, since most ISPs redact who complained (Amazon SES
// Developer Guide, "Contents of event data that Amazon SES publishes to
// Amazon SNS", Complained recipients). A complaint about a message to
// several recipients at one provider therefore names all of them.
type ComplaintScope string

const (
	// ComplaintScopeEveryRecipient disables every recipient a complaint
	// lists: whoever complained is never mailed again, at the cost of also
	// stopping mail to those who did not. The default.
	ComplaintScopeEveryRecipient ComplaintScope = handler.ComplaintScopeEveryRecipient
	// ComplaintScopeSingleRecipient disables the recipient of a complaint
	// that lists exactly one; a complaint that lists more disables no one
	// (the handler logs it and counts it in the MultiRecipientComplaints
	// metric). For senders who send each message to one recipient, or who
	// would rather keep mailing several recipients than stop all of them.
	ComplaintScopeSingleRecipient ComplaintScope = handler.ComplaintScopeSingleRecipient
)

// Props configures an EmailHygiene pipeline. Every field is optional; nil
// means the default.
type Props struct {
	// ExistingConfigurationSet gets the SNS event destination instead of a
	// new configuration set. Mutually exclusive with ConfigurationSetProps.
	ExistingConfigurationSet awsses.IConfigurationSet
	// ConfigurationSetProps are applied to the new configuration set.
	// Default: a generated name.
	ConfigurationSetProps *awsses.ConfigurationSetProps

	// ExistingTopic receives the notifications instead of a new topic; its
	// policy and encryption are then the caller's. Mutually exclusive with
	// TopicProps.
	ExistingTopic awssns.ITopic
	// TopicProps are applied over the new topic's defaults (a new
	// customer-managed KMS key that SES may use, HTTPS only, a name of the
	// construct's). A MasterKey must be an awskms.Key of this stack (or an
	// awskms.Alias of one): the construct adds SES to its key policy, and
	// creates no key of its own. A key it cannot change (imported, or the
	// AWS-managed aws/sns, which SES cannot use) is refused. Fifo is
	// refused: SES publishes to standard topics only. Default: none.
	TopicProps *awssns.TopicProps

	// ExistingTable holds the addresses instead of a new table; it must be
	// keyed by the string attribute UserId. Mutually exclusive with TableProps.
	ExistingTable awsdynamodb.ITable
	// TableProps are applied over the new table's defaults (on-demand,
	// point-in-time recovery, encryption). Its PartitionKey cannot change.
	// Default: none; the table's name is generated (the post's was "mailing").
	TableProps *awsdynamodb.TableProps

	// TransientBounceLimit transient bounces within TransientBounceWindow,
	// with no newer delivery, disable an address. Default: 3 within 72 hours.
	TransientBounceLimit  *float64
	TransientBounceWindow awscdk.Duration

	// AllowLookup adds GET /suppressions/{email}, a read-only GetItem on the
	// table (dynamoproxy), so a sender can check an address before sending.
	// Default: true.
	AllowLookup *bool
	// Api is the REST API the lookup goes on: an existing one, or a new one
	// with restapi.New's defaults. Default: a new API.
	Api *restapi.Mount
	// LookupMethodOptions authorize the lookup. Default: AWS_IAM, since an
	// address's bounce history is not public.
	LookupMethodOptions *awsapigateway.MethodOptions

	// ComplaintScope is which recipients of a complaint are disabled.
	// Default: ComplaintScopeEveryRecipient.
	ComplaintScope ComplaintScope

	// ExistingAlarmTopic receives the dead-letter queue alarms (see
	// EmailHygiene.Alarms) instead of a new topic, and no key is created for
	// it. Its access policy, and its key policy if it is encrypted, are the
	// caller's, and the construct changes neither: they must let
	// cloudwatch.amazonaws.com publish (sns:Publish, and kms:GenerateDataKey*
	// and kms:Decrypt on its key, which cannot be the AWS-managed aws/sns
	// key). Default: a new topic, encrypted with a new customer-managed key.
	ExistingAlarmTopic awssns.ITopic

	// RemovalPolicy of the new table and of the keys the construct creates.
	// Default: RETAIN.
	RemovalPolicy *awscdk.RemovalPolicy
}

// config is Props with the defaults applied: all that the builders read.
type config struct {
	existingConfigurationSet awsses.IConfigurationSet
	configurationSetProps    *awsses.ConfigurationSetProps
	existingTopic            awssns.ITopic
	topicProps               awssns.TopicProps // the new topic's, before the enforced settings
	topicKey                 awskms.Key        // the caller's key for the new topic, or nil for one of the construct's
	existingAlarmTopic       awssns.ITopic
	removal                  awscdk.RemovalPolicy
	existingTable            awsdynamodb.ITable
	tableProps               *awsdynamodb.TableProps // the new table's, defaults applied
	env                      map[string]*string      // the handler's, but for the table name
	lookup                   bool
	api                      *restapi.Mount
	lookupOptions            *awsapigateway.MethodOptions
}

// resolve validates the props, applies the defaults and turns the rule
// props into the handler's environment, which it parses as the handler will.
// stack is the construct's.
func resolve(p *Props, stack awscdk.Stack) (*config, error) {
	pairs := []struct {
		existing, props bool
		names           string
	}{
		{p.ExistingConfigurationSet != nil, p.ConfigurationSetProps != nil, "Props.ExistingConfigurationSet and Props.ConfigurationSetProps"},
		{p.ExistingTopic != nil, p.TopicProps != nil, "Props.ExistingTopic and Props.TopicProps"},
		{p.ExistingTable != nil, p.TableProps != nil, "Props.ExistingTable and Props.TableProps"},
	}
	for _, pair := range pairs {
		if pair.existing && pair.props {
			return nil, fmt.Errorf("%s are mutually exclusive: pass one or neither", pair.names)
		}
	}
	if err := p.Api.Check("Props.Api"); err != nil {
		return nil, err
	}
	c := &config{
		existingConfigurationSet: p.ExistingConfigurationSet,
		configurationSetProps:    p.ConfigurationSetProps,
		existingTopic:            p.ExistingTopic,
		existingTable:            p.ExistingTable,
		existingAlarmTopic:       p.ExistingAlarmTopic,
		removal:                  defaults.RemovalPolicy(p.RemovalPolicy),
		lookup:                   ptr.Or(p.AllowLookup, true),
		api:                      p.Api,
		lookupOptions:            p.LookupMethodOptions,
	}
	if !c.lookup && (p.Api != nil || p.LookupMethodOptions != nil) {
		return nil, fmt.Errorf("Props.Api and Props.LookupMethodOptions need Props.AllowLookup")
	}
	if c.lookupOptions == nil {
		c.lookupOptions = &awsapigateway.MethodOptions{AuthorizationType: awsapigateway.AuthorizationType_IAM}
	}
	if p.TopicProps != nil {
		c.topicProps = *p.TopicProps
		key, err := topicKey(p.TopicProps.MasterKey, stack)
		if err != nil {
			return nil, err
		}
		c.topicKey = key
		if ptr.Or(p.TopicProps.Fifo, false) {
			// "SES does not support FIFO type topics" (Amazon SES Developer
			// Guide, "Set up an Amazon SNS event destination for event
			// publishing").
			return nil, fmt.Errorf("Props.TopicProps.Fifo: SES publishes to standard topics only")
		}
	}
	if tp := p.TableProps; tp != nil && tp.PartitionKey != nil && *tp.PartitionKey.Name != PartitionKey {
		return nil, fmt.Errorf("Props.TableProps.PartitionKey must be %q, the handler's key", PartitionKey)
	}
	if c.existingTable == nil {
		c.tableProps = defaults.TableProps(p.TableProps, PartitionKey, defaults.RemovalPolicy(p.RemovalPolicy))
	}
	limit := float64(handler.DefaultTransientBounceLimit)
	if p.TransientBounceLimit != nil {
		limit = *p.TransientBounceLimit
		if limit < 1 || limit > handler.MaxTransientBounceLimit || limit != math.Trunc(limit) {
			return nil, fmt.Errorf("Props.TransientBounceLimit must be a whole number from 1 to %d (an item keeps the newest %d transient bounces)",
				handler.MaxTransientBounceLimit, handler.TransientHistory)
		}
	}
	window := handler.DefaultTransientBounceWindow.Seconds()
	if p.TransientBounceWindow != nil {
		window = *p.TransientBounceWindow.ToMilliseconds(nil) / 1000
		if window < 1 || window != math.Trunc(window) {
			return nil, fmt.Errorf("Props.TransientBounceWindow must be a whole number of seconds, at least 1")
		}
	}
	scope := p.ComplaintScope
	if scope == "" {
		scope = ComplaintScopeEveryRecipient
	}
	c.env = map[string]*string{
		handler.EnvTransientBounceLimit:  jsii.String(strconv.FormatFloat(limit, 'f', 0, 64)),
		handler.EnvTransientBounceWindow: jsii.String(strconv.FormatFloat(window, 'f', 0, 64) + "s"),
		handler.EnvComplaintScope:        jsii.String(string(scope)),
	}
	// The handler refuses a bad configuration at start; refuse it here first.
	// The table name is a token until deployment; any non-empty value stands in.
	getenv := func(k string) string {
		if k == handler.EnvTableName {
			return "table"
		}
		return ptr.Or(c.env[k], "")
	}
	if _, err := handler.FromEnv(getenv); err != nil {
		return nil, fmt.Errorf("%s", propNames.Replace(err.Error()))
	}
	return c, nil
}

// propNames turns the handler's configuration errors into the props' words.
var propNames = strings.NewReplacer(
	handler.EnvTransientBounceLimit, "Props.TransientBounceLimit", handler.EnvTransientBounceWindow, "Props.TransientBounceWindow",
	handler.EnvComplaintScope, "Props.ComplaintScope",
	handler.ComplaintScopeEveryRecipient, "ComplaintScopeEveryRecipient", handler.ComplaintScopeSingleRecipient, "ComplaintScopeSingleRecipient",
)

// topicKey is the key of Props.TopicProps.MasterKey whose policy the
// construct adds SES to, or nil when there is none. A key whose policy the
// construct cannot change is an error: SES could not publish to the topic
// (Amazon SNS Developer Guide, "Managing Amazon SNS encryption keys and
// costs", "Enable compatibility between event sources from AWS services and
// encrypted topics": the event source's principal needs kms:GenerateDataKey*
// and kms:Decrypt in the key policy of a customer-managed key).
func topicKey(k awskms.IKey, stack awscdk.Stack) (awskms.Key, error) {
	if k == nil {
		return nil, nil
	}
	key, ok := k.(awskms.Key)
	if alias, isAlias := k.(awskms.Alias); isAlias {
		key, ok = alias.AliasTargetKey().(awskms.Key)
	}
	if !ok {
		return nil, fmt.Errorf("Props.TopicProps.MasterKey must be an awskms.Key (or an awskms.Alias of one) created in this app: " +
			"the construct adds SES to its key policy, and cannot change the policy of an imported key " +
			"(nor of the AWS-managed aws/sns key, which SES cannot use); pass Props.ExistingTopic with your own key and policies instead")
	}
	if *awscdk.Stack_Of(key).Node().Addr() != *stack.Node().Addr() {
		return nil, fmt.Errorf("Props.TopicProps.MasterKey must be in the construct's stack (%s, not %s): its policy names the topic, "+
			"which names the key, and two stacks cannot refer to each other", *stack.StackName(), *awscdk.Stack_Of(key).StackName())
	}
	return key, nil
}
