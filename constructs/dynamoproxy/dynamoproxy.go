// Package dynamoproxy is a REST API that proxies straight to a DynamoDB table
// through API Gateway AWS-service integrations and mapping templates, with no
// Lambda in the request path.
//
// It comes from the AWS Compute Blog post "Using Amazon API Gateway as a proxy
// for DynamoDB": by default it is that post's Comments API, POST /comments
// (PutItem) and GET /comments/{pageId} (Query on pageId-index). Unlike the
// post, every client-supplied string is escaped (the post's templates let a
// quote in a comment rewrite the DynamoDB request, and its PutItem template
// has an unterminated quote), bodies are validated against a JSON Schema
// model, throttling becomes a retryable 429, and errors are JSON that leak
// nothing of AWS.
package dynamoproxy

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/internal/defaults"
	"github.com/blueprints-cdk/blueprints/internal/restapi"
)

// ApiGatewayToDynamoDB is the proxy API and its table.
type ApiGatewayToDynamoDB struct {
	constructs.Construct
	// Table is the proxied table, created or existing.
	Table awsdynamodb.ITable
	// CreatedTable is the table the construct created, or nil.
	CreatedTable awsdynamodb.Table
	// RestApi is the API the routes are on, created or existing.
	RestApi awsapigateway.IRestApi
	// CreatedRestApi is the API the construct created, or nil; its Url() is
	// the stage URL.
	CreatedRestApi awsapigateway.RestApi
	// AccessLogs is the created API's access log group, or nil.
	AccessLogs awslogs.LogGroup
	// CloudWatchRole and Account exist with Props.CreateCloudWatchRole.
	CloudWatchRole awsiam.Role
	Account        awsapigateway.CfnAccount
	// Role is assumed by API Gateway to call DynamoDB: one action per route.
	Role awsiam.Role
	// Validator checks bodies against CreateModel and required parameters.
	Validator awsapigateway.RequestValidator
	// CreateModel is POST's JSON Schema, or nil without AllowCreate.
	CreateModel awsapigateway.Model
	// Collection is /{ResourcePath}; Item is /{ResourcePath}/{key}, or nil.
	Collection awsapigateway.Resource
	Item       awsapigateway.Resource
	// CreateMethod is POST on Collection, or nil.
	CreateMethod awsapigateway.Method
	// GetMethod is GET on Item (Query or GetItem), or nil.
	GetMethod awsapigateway.Method
}

// NewApiGatewayToDynamoDB builds the proxy. It panics with a message that
// names the props at fault when they contradict each other.
func NewApiGatewayToDynamoDB(scope constructs.Construct, id string, props *Props) *ApiGatewayToDynamoDB {
	if props == nil {
		props = &Props{}
	}
	cfg, err := resolve(props)
	if err != nil {
		panic(fmt.Sprintf("dynamoproxy.NewApiGatewayToDynamoDB %q: %v", id, err))
	}
	p := &ApiGatewayToDynamoDB{Construct: constructs.NewConstruct(scope, jsii.String(id))}
	p.buildTable(props, cfg)
	parent := p.buildApi(props)
	p.buildRole(cfg)
	p.Validator = awsapigateway.NewRequestValidator(p.Construct, jsii.String("Validator"), &awsapigateway.RequestValidatorProps{
		RestApi:                   p.RestApi,
		ValidateRequestBody:       jsii.Bool(true),
		ValidateRequestParameters: jsii.Bool(true),
	})
	p.Collection = parent.AddResource(jsii.String(cfg.path), nil)
	if cfg.create {
		p.addCreate(props, cfg)
	}
	if cfg.query || cfg.read {
		p.addGet(props, cfg)
	}
	return p
}

// config is Props with the defaults applied.
type config struct {
	path, key, queryIndex, queryKey, keyVTL, param string
	fields                                         []string
	maxLengths                                     map[string]float64
	create, query, read                            bool
}

var attributeName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)
var pathPart = regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`)

// resolve validates props and applies the defaults.
func resolve(p *Props) (*config, error) {
	if p.ExistingTable != nil && p.TableProps != nil {
		return nil, fmt.Errorf("Props.ExistingTable and Props.TableProps are mutually exclusive: pass one or neither")
	}
	if err := restapi.CheckTarget(p.ExistingRestApi, p.ParentResource, p.RestApiProps, p.CreateCloudWatchRole); err != nil {
		return nil, err
	}
	c := &config{
		path:       defaults.String(p.ResourcePath, "comments"),
		key:        defaults.String(p.PartitionKey, "commentId"),
		queryIndex: defaults.String(p.QueryIndexName, "pageId-index"),
		keyVTL:     defaults.String(p.KeyVTL, "#set($key = $rawKey)"),
		create:     defaults.Bool(p.AllowCreate, true),
		query:      defaults.Bool(p.AllowQuery, true),
		read:       defaults.Bool(p.AllowRead, false),
		maxLengths: map[string]float64{},
	}
	c.queryKey = defaults.String(p.QueryKey, "pageId")
	if c.queryIndex == "" {
		c.queryKey = defaults.String(p.QueryKey, c.key)
	}
	c.param = c.key
	if c.query {
		c.param = c.queryKey
	}
	c.param = defaults.String(p.PathParameter, c.param)
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
	for _, name := range append([]string{c.key, c.queryKey, c.param}, c.fields...) {
		if !attributeName.MatchString(name) {
			return nil, fmt.Errorf("attribute name %q must match %s", name, attributeName)
		}
	}
	for _, f := range c.fields {
		if f == c.key {
			return nil, fmt.Errorf("Props.Fields must not hold the partition key %q: POST sets it to the request id", c.key)
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
	return c, nil
}

func (p *ApiGatewayToDynamoDB) buildTable(props *Props, c *config) {
	if props.ExistingTable != nil {
		p.Table = props.ExistingTable
		return
	}
	tp := defaults.TableProps(props.TableProps, c.key, defaults.RemovalPolicy(props.RemovalPolicy))
	t := awsdynamodb.NewTable(p.Construct, jsii.String("Table"), tp)
	if c.query && c.queryIndex != "" {
		var projected []*string
		for _, f := range c.fields {
			if f != c.queryKey {
				projected = append(projected, jsii.String(f))
			}
		}
		t.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
			IndexName:        jsii.String(c.queryIndex),
			PartitionKey:     &awsdynamodb.Attribute{Name: jsii.String(c.queryKey), Type: awsdynamodb.AttributeType_STRING},
			ProjectionType:   awsdynamodb.ProjectionType_INCLUDE,
			NonKeyAttributes: &projected,
		})
	}
	p.Table, p.CreatedTable = t, t
}

func (p *ApiGatewayToDynamoDB) buildApi(props *Props) awsapigateway.IResource {
	t := restapi.NewTarget(p.Construct, props.ExistingRestApi, props.ParentResource, props.RestApiProps, props.CreateCloudWatchRole)
	p.RestApi = t.RestApi
	if a := t.Created; a != nil {
		p.CreatedRestApi, p.AccessLogs, p.CloudWatchRole, p.Account = a.RestApi, a.AccessLogs, a.CloudWatchRole, a.Account
	}
	return t.Parent
}

// buildRole gives API Gateway exactly one DynamoDB action per route.
func (p *ApiGatewayToDynamoDB) buildRole(c *config) {
	p.Role = awsiam.NewRole(p.Construct, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("apigateway.amazonaws.com"), nil),
		Description: jsii.String("API Gateway calls DynamoDB for the " + c.path + " routes"),
	})
	allow := func(action string, resource *string) {
		p.Role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions: jsii.Strings(action), Resources: &[]*string{resource},
		}))
	}
	if c.create {
		allow("dynamodb:PutItem", p.Table.TableArn())
	}
	if c.query {
		arn := p.Table.TableArn()
		if c.queryIndex != "" {
			arn = jsii.String(*arn + "/index/" + c.queryIndex)
		}
		allow("dynamodb:Query", arn)
	}
	if c.read {
		allow("dynamodb:GetItem", p.Table.TableArn())
	}
	if key := p.Table.EncryptionKey(); key != nil { // a customer-managed key
		if c.create {
			key.GrantEncryptDecrypt(p.Role)
		} else {
			key.GrantDecrypt(p.Role)
		}
	}
}

func (p *ApiGatewayToDynamoDB) addCreate(props *Props, c *config) {
	schema := map[string]*awsapigateway.JsonSchema{}
	var required []*string
	var item []string
	for _, f := range c.fields {
		schema[f] = &awsapigateway.JsonSchema{
			Type:      awsapigateway.JsonSchemaType_STRING,
			MinLength: jsii.Number(1),
			MaxLength: jsii.Number(c.maxLengths[f]),
		}
		required = append(required, jsii.String(f))
		item = append(item, fmt.Sprintf(`%s:{"S":%s}`, quote(f), restapi.JSONString("$input.path('$."+f+"')")))
	}
	p.CreateModel = awsapigateway.NewModel(p.Construct, jsii.String("CreateModel"), &awsapigateway.ModelProps{
		RestApi:     p.RestApi,
		ContentType: jsii.String("application/json"),
		Description: jsii.String("The body of POST /" + c.path),
		Schema: &awsapigateway.JsonSchema{
			Schema:               awsapigateway.JsonSchemaVersion_DRAFT4,
			Title:                jsii.String("Create"),
			Type:                 awsapigateway.JsonSchemaType_OBJECT,
			Required:             &required,
			Properties:           &schema,
			AdditionalProperties: false,
		},
	})
	// The key is API Gateway's request id, and the condition makes sure a
	// write never replaces an existing item.
	request := fmt.Sprintf(`{"TableName":%s,"Item":{%s:{"S":"$context.requestId"},%s},`+
		`"ConditionExpression":"attribute_not_exists(#k)","ExpressionAttributeNames":{"#k":%s}}`,
		quote(*p.Table.TableName()), quote(c.key), strings.Join(item, ","), quote(c.key))
	integration := p.integration("PutItem", request, &awsapigateway.IntegrationResponse{
		StatusCode:        jsii.String("201"),
		ResponseTemplates: &map[string]*string{"application/json": jsii.String(fmt.Sprintf(`{%s:"$context.requestId"}`, quote(c.key)))},
	})
	opts := restapi.MethodOptions(props.CreateMethodOptions, props.MethodOptions)
	opts.RequestValidator = p.Validator
	opts.RequestModels = &map[string]awsapigateway.IModel{"application/json": p.CreateModel}
	opts.MethodResponses = restapi.MethodResponses("201")
	p.CreateMethod = p.Collection.AddMethod(jsii.String("POST"), integration, opts)
	restapi.SuppressAuth(p.CreateMethod, opts)
}

func (p *ApiGatewayToDynamoDB) addGet(props *Props, c *config) {
	param := c.param
	p.Item = p.Collection.AddResource(jsii.String("{"+param+"}"), nil)
	head := fmt.Sprintf("#set($rawKey = $input.params().path.get('%s'))\n%s\n", param, c.keyVTL)
	keyValue := `{"S":` + restapi.JSONString("$key") + `}`
	var request, response, action string
	if c.query {
		action = "Query"
		index := ""
		if c.queryIndex != "" {
			index = `"IndexName":` + quote(c.queryIndex) + ","
		}
		request = head + fmt.Sprintf(`{"TableName":%s,%s"KeyConditionExpression":"#k = :v","ExpressionAttributeNames":{"#k":%s},"ExpressionAttributeValues":{":v":%s}}`,
			quote(*p.Table.TableName()), index, quote(c.queryKey), keyValue)
		response = fmt.Sprintf(`{%s:[#foreach($e in $input.path('$.Items'))%s#if($foreach.hasNext),#end#end]}`,
			quote(c.path), itemObject("$e", append([]string{c.key}, without(c.fields, c.queryKey)...)))
	} else {
		action = "GetItem"
		request = head + fmt.Sprintf(`{"TableName":%s,"Key":{%s:%s}}`, quote(*p.Table.TableName()), quote(c.key), keyValue)
		response = `#set($item = $input.path('$.Item'))#if($item)` + itemObject("$item", append([]string{c.key}, c.fields...)) +
			`#{else}#set($context.responseOverride.status = 404){"message":"Not found"}#end`
	}
	integration := p.integration(action, request, &awsapigateway.IntegrationResponse{
		StatusCode:        jsii.String("200"),
		ResponseTemplates: &map[string]*string{"application/json": jsii.String(response)},
	})
	opts := restapi.MethodOptions(props.GetMethodOptions, props.MethodOptions)
	opts.RequestValidator = p.Validator
	opts.RequestParameters = &map[string]*bool{"method.request.path." + param: jsii.Bool(true)}
	codes := []string{"200"}
	if c.read {
		codes = append(codes, "404")
	}
	opts.MethodResponses = restapi.MethodResponses(codes...)
	p.GetMethod = p.Item.AddMethod(jsii.String("GET"), integration, opts)
	restapi.SuppressAuth(p.GetMethod, opts)
}

// integration is a DynamoDB action with one JSON request template. Any other
// content type is refused (415): passing a body through would let the client
// write the DynamoDB request.
func (p *ApiGatewayToDynamoDB) integration(action, request string, ok *awsapigateway.IntegrationResponse) awsapigateway.AwsIntegration {
	return awsapigateway.NewAwsIntegration(&awsapigateway.AwsIntegrationProps{
		Service: jsii.String("dynamodb"),
		Action:  jsii.String(action),
		Options: &awsapigateway.IntegrationOptions{
			CredentialsRole:      p.Role,
			PassthroughBehavior:  awsapigateway.PassthroughBehavior_NEVER,
			RequestTemplates:     &map[string]*string{"application/json": jsii.String(request)},
			IntegrationResponses: restapi.Responses(ok),
		},
	})
}

// itemObject is VTL for a JSON object of the attributes of item: strings
// and numbers, and null for a missing one.
func itemObject(item string, attrs []string) string {
	parts := make([]string, len(attrs))
	for i, a := range attrs {
		parts[i] = quote(a) + ":" + restapi.JSONAttribute(item+"."+a)
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func without(list []string, drop string) []string {
	var out []string
	for _, s := range list {
		if s != drop {
			out = append(out, s)
		}
	}
	return out
}

// quote is a Go string as a JSON string literal.
func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
