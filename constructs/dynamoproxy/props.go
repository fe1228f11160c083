package dynamoproxy

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
)

// Props configures an ApiGatewayToDynamoDB. Every field is optional; nil
// means the default, which is the blog post's Comments API.
type Props struct {
	// ExistingTable is a table to proxy instead of creating one. It must have
	// the key and (for Query on an index) the index the routes use. Mutually
	// exclusive with TableProps.
	ExistingTable awsdynamodb.ITable
	// TableProps are applied over the defaults of the new table (on-demand,
	// point-in-time recovery, encryption, RemovalPolicy). Its PartitionKey,
	// if set, must agree with PartitionKey. Default: none.
	TableProps *awsdynamodb.TableProps

	// ExistingRestApi is an API to mount the routes on instead of creating
	// one. Mutually exclusive with RestApiProps and CreateCloudWatchRole.
	ExistingRestApi awsapigateway.IRestApi
	// ParentResource is where the collection resource goes on
	// ExistingRestApi. Default: the API's root.
	ParentResource awsapigateway.IResource
	// RestApiProps are applied over the new API's defaults (regional, JSON
	// access logs, tracing, throttling). Default: none.
	RestApiProps *awsapigateway.RestApiProps
	// CreateCloudWatchRole creates the region's account-wide API Gateway
	// CloudWatch logging role (AWS::ApiGateway::Account), which stage
	// execution logging needs. Account-wide: enable it in one stack only.
	// Default: false.
	CreateCloudWatchRole *bool

	// ResourcePath is the collection's path part. Default: "comments".
	ResourcePath *string
	// PartitionKey is the table's partition key attribute (a string). POST
	// fills it with API Gateway's request id. Default: "commentId".
	PartitionKey *string
	// Fields are the string attributes POST stores (all required) and GET
	// returns (GET also returns number attributes, as JSON numbers).
	// Default: pageId, userName, message.
	Fields *[]*string
	// MaxLengths caps each field's length in characters. Default: 4000 for
	// message, DefaultMaxLength for the others.
	MaxLengths *map[string]*float64

	// AllowCreate adds POST /{ResourcePath} → PutItem. Default: true.
	AllowCreate *bool
	// AllowQuery adds GET /{ResourcePath}/{QueryKey} → Query. Default: true.
	AllowQuery *bool
	// QueryIndexName is the global secondary index Query reads; the new
	// table gets it, projecting Fields. An empty string queries the table's
	// partition key instead. Default: "pageId-index".
	QueryIndexName *string
	// QueryKey is the partition key attribute of the queried index, and the
	// path parameter's name. Default: "pageId" (PartitionKey when
	// QueryIndexName is empty).
	QueryKey *string
	// AllowRead adds GET /{ResourcePath}/{PartitionKey} → GetItem, which
	// returns one item or 404. It cannot be combined with AllowQuery, which
	// uses the same route. Default: false.
	AllowRead *bool
	// PathParameter names the GET route's path parameter. Default: the key
	// it carries (QueryKey or PartitionKey).
	PathParameter *string
	// KeyVTL is VTL that sets $key from $rawKey, the path parameter's value,
	// for Query and GetItem: for example, to normalize it. Default: $key is
	// $rawKey.
	KeyVTL *string

	// MethodOptions apply to every route: authorization type or authorizer,
	// API key, and so on. Default: no authorization (public routes, as in
	// the post).
	MethodOptions *awsapigateway.MethodOptions
	// CreateMethodOptions and GetMethodOptions replace MethodOptions for the
	// POST route and the GET route. Default: MethodOptions.
	CreateMethodOptions *awsapigateway.MethodOptions
	GetMethodOptions    *awsapigateway.MethodOptions

	// RemovalPolicy of the new table. Default: RETAIN.
	RemovalPolicy *awscdk.RemovalPolicy
}

// DefaultMaxLength caps a field with no entry in Props.MaxLengths.
const DefaultMaxLength = 256
