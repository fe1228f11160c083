package emailhygiene

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsses"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
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
	// ExistingRestApi hosts the lookup instead of a new REST API. Mutually
	// exclusive with CreateCloudWatchRole.
	ExistingRestApi awsapigateway.IRestApi
	// CreateCloudWatchRole creates the region's account-wide API Gateway
	// CloudWatch role (see dynamoproxy.Props). Default: false.
	CreateCloudWatchRole *bool
	// LookupMethodOptions authorize the lookup. Default: AWS_IAM, since an
	// address's bounce history is not public.
	LookupMethodOptions *awsapigateway.MethodOptions

	// RemovalPolicy of the new table. Default: RETAIN.
	RemovalPolicy *awscdk.RemovalPolicy
}
