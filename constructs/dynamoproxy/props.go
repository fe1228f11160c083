package dynamoproxy

import (
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"

	"github.com/blueprints-cdk/blueprints/constructs/restapi"
	"github.com/blueprints-cdk/blueprints/internal/defaults"
	"github.com/blueprints-cdk/blueprints/internal/ptr"
	"github.com/blueprints-cdk/blueprints/internal/routes"
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

	// Api is the REST API the routes go on: an existing one, or a new one
	// with restapi.New's defaults (regional, JSON access logs, tracing,
	// throttling). Default: a new API.
	Api *restapi.Mount

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
	// table gets it, keyed by QueryKey and SortKey, projecting Fields. An
	// empty string queries the table's partition key instead. Default:
	// "pageId-createdAt-index".
	QueryIndexName *string
	// SortKey is the index's sort key: a number attribute that POST sets to
	// the request time (epoch milliseconds, $context.requestTimeEpoch), so
	// that GET returns the items oldest first. Default: "createdAt".
	SortKey *string
	// PageSize is how many items GET returns when the request gives no
	// limit (?limit=1 to ?limit=MaxPageSize). Default: 25.
	PageSize *float64
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
	// KeyVtl is VTL that sets $key from $rawKey, the path parameter's value,
	// for Query and GetItem: for example, to normalize it. Default: $key is
	// $rawKey.
	KeyVtl *string

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

// MaxPageSize is the largest ?limit GET accepts.
const MaxPageSize = 100

// config is Props with the defaults applied: all that the builders read.
type config struct {
	path, key, queryIndex, queryKey, keyVtl, param string
	sortKey                                        string // "" without an index
	pageSize                                       int
	fields                                         []string
	maxLengths                                     map[string]float64
	create, query, read                            bool

	existingTable             awsdynamodb.ITable
	tableProps                *awsdynamodb.TableProps // the new table's, defaults applied
	api                       *restapi.Mount
	createOptions, getOptions *awsapigateway.MethodOptions // copies: the builders add to them
}

var attributeName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)
var pathPart = regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`)

// resolve validates props and applies the defaults.
func resolve(p *Props) (*config, error) {
	if p.ExistingTable != nil && p.TableProps != nil {
		return nil, fmt.Errorf("Props.ExistingTable and Props.TableProps are mutually exclusive: pass one or neither")
	}
	if err := p.Api.Check("Props.Api"); err != nil {
		return nil, err
	}
	c := &config{
		path:          ptr.Or(p.ResourcePath, "comments"),
		key:           ptr.Or(p.PartitionKey, "commentId"),
		queryIndex:    ptr.Or(p.QueryIndexName, "pageId-createdAt-index"),
		pageSize:      int(ptr.Or(p.PageSize, 25)),
		keyVtl:        ptr.Or(p.KeyVtl, "#set($key = $rawKey)"),
		create:        ptr.Or(p.AllowCreate, true),
		query:         ptr.Or(p.AllowQuery, true),
		read:          ptr.Or(p.AllowRead, false),
		maxLengths:    map[string]float64{},
		existingTable: p.ExistingTable,
		api:           p.Api,
		createOptions: routes.MethodOptions(p.CreateMethodOptions, p.MethodOptions),
		getOptions:    routes.MethodOptions(p.GetMethodOptions, p.MethodOptions),
	}
	c.queryKey = ptr.Or(p.QueryKey, "pageId")
	if c.queryIndex == "" {
		c.queryKey = ptr.Or(p.QueryKey, c.key)
	}
	c.param = c.key
	if c.query {
		c.param = c.queryKey
	}
	c.param = ptr.Or(p.PathParameter, c.param)
	if c.query && c.queryIndex != "" {
		c.sortKey = ptr.Or(p.SortKey, "createdAt")
	} else if p.SortKey != nil {
		return nil, fmt.Errorf("Props.SortKey needs a query index: Props.AllowQuery with a Props.QueryIndexName")
	}
	if p.PageSize != nil && (*p.PageSize < 1 || *p.PageSize > MaxPageSize || *p.PageSize != float64(c.pageSize)) {
		return nil, fmt.Errorf("Props.PageSize %v must be a whole number from 1 to %d", *p.PageSize, MaxPageSize)
	}
	if p.Fields == nil {
		c.fields = []string{"pageId", "userName", "message"}
	} else {
		for _, f := range *p.Fields {
			c.fields = append(c.fields, *f)
		}
	}
	if !pathPart.MatchString(c.path) {
		return nil, fmt.Errorf("Props.ResourcePath %q must be one path part of letters, digits, '.', '_' or '-'", c.path)
	}
	seen := map[string]bool{}
	for _, name := range append([]string{c.key, c.queryKey, c.param, c.sortKey}, c.fields...) {
		if name == "" { // no sort key
			continue
		}
		if !attributeName.MatchString(name) {
			return nil, fmt.Errorf("attribute name %q must match %s", name, attributeName)
		}
	}
	for _, f := range c.fields {
		if f == c.key {
			return nil, fmt.Errorf("Props.Fields must not hold the partition key %q: POST sets it to the request id", c.key)
		}
		if f == c.sortKey {
			return nil, fmt.Errorf("Props.Fields must not hold the sort key %q: POST sets it to the request time", c.sortKey)
		}
		if seen[f] {
			return nil, fmt.Errorf("Props.Fields names %q twice", f)
		}
		seen[f] = true
		c.maxLengths[f] = DefaultMaxLength
		if f == "message" {
			c.maxLengths[f] = 4000
		}
	}
	if p.MaxLengths != nil {
		for f, n := range *p.MaxLengths {
			if !seen[f] {
				return nil, fmt.Errorf("Props.MaxLengths names %q, which is not one of Props.Fields %v", f, c.fields)
			}
			if n == nil || *n < 1 {
				return nil, fmt.Errorf("Props.MaxLengths[%q] must be at least 1", f)
			}
			c.maxLengths[f] = *n
		}
	}
	if len(c.fields) == 0 && c.create {
		return nil, fmt.Errorf("Props.Fields is empty, so POST would store nothing: name a field or set AllowCreate to false")
	}
	if c.query && c.read {
		return nil, fmt.Errorf("Props.AllowQuery and Props.AllowRead both use GET /%s/{key}: enable one", c.path)
	}
	if !c.create && !c.query && !c.read {
		return nil, fmt.Errorf("no route: enable at least one of Props.AllowCreate, AllowQuery, AllowRead")
	}
	if c.query && c.queryIndex != "" && !seen[c.queryKey] {
		return nil, fmt.Errorf("Props.QueryKey %q is the index's key, so it must be one of Props.Fields %v", c.queryKey, c.fields)
	}
	if c.query && c.queryIndex == "" && c.queryKey != c.key {
		return nil, fmt.Errorf("Props.QueryKey %q must be the partition key %q when Props.QueryIndexName is empty", c.queryKey, c.key)
	}
	if tp := p.TableProps; tp != nil && tp.PartitionKey != nil && *tp.PartitionKey.Name != c.key {
		return nil, fmt.Errorf("Props.TableProps.PartitionKey %q differs from Props.PartitionKey %q", *tp.PartitionKey.Name, c.key)
	}
	if c.existingTable == nil {
		c.tableProps = defaults.TableProps(p.TableProps, c.key, defaults.RemovalPolicy(p.RemovalPolicy))
	}
	return c, nil
}
