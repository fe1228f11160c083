package emailhygiene

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsses"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/constructs/restapi"
	"github.com/blueprints-cdk/blueprints/internal/defaults"
	handler "github.com/blueprints-cdk/blueprints/internal/emailhygiene"
	"github.com/blueprints-cdk/blueprints/internal/ptr"
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
	// TopicProps are applied over the new topic's defaults (a
	// customer-managed KMS key that SES may use, HTTPS only). Default: none.
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

	// RemovalPolicy of the new table. Default: RETAIN.
	RemovalPolicy *awscdk.RemovalPolicy
}

// config is Props with the defaults applied: all that the builders read.
type config struct {
	existingConfigurationSet awsses.IConfigurationSet
	configurationSetProps    *awsses.ConfigurationSetProps
	existingTopic            awssns.ITopic
	topicProps               awssns.TopicProps // the new topic's, before the enforced settings
	existingTable            awsdynamodb.ITable
	tableProps               *awsdynamodb.TableProps // the new table's, defaults applied
	env                      map[string]*string      // the handler's, but for the table name
	lookup                   bool
	api                      *restapi.Mount
	lookupOptions            *awsapigateway.MethodOptions
}

// resolve validates the props, applies the defaults and turns the rule
// props into the handler's environment, which it parses as the handler will.
func resolve(p *Props) (*config, error) {
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
		if limit < 1 || limit != math.Trunc(limit) {
			return nil, fmt.Errorf("Props.TransientBounceLimit must be a whole number, at least 1")
		}
	}
	window := handler.DefaultTransientBounceWindow.Seconds()
	if p.TransientBounceWindow != nil {
		window = *p.TransientBounceWindow.ToMilliseconds(nil) / 1000
		if window < 1 || window != math.Trunc(window) {
			return nil, fmt.Errorf("Props.TransientBounceWindow must be a whole number of seconds, at least 1")
		}
	}
	c.env = map[string]*string{
		handler.EnvTransientBounceLimit:  jsii.String(strconv.FormatFloat(limit, 'f', 0, 64)),
		handler.EnvTransientBounceWindow: jsii.String(strconv.FormatFloat(window, 'f', 0, 64) + "s"),
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
)
