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
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/constructs/restapi"
	"github.com/blueprints-cdk/blueprints/internal/nag"
	"github.com/blueprints-cdk/blueprints/internal/routes"
	"github.com/blueprints-cdk/blueprints/internal/vtl"
)

// ApiGatewayToDynamoDB is the proxy API and its table.
type ApiGatewayToDynamoDB struct {
	constructs.Construct
	// Table is the proxied table, created or existing.
	Table awsdynamodb.ITable
	// CreatedTable is the table the construct created, or nil.
	CreatedTable awsdynamodb.Table
	// Mounted is the REST API the routes are on (RestApi, CreatedRestApi,
	// AccessLogs, …), created or existing: see Props.Api.
	restapi.Mounted
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

	maxCreateBody int
}

// MaxCreateBodyBytes is the size of the largest body POST accepts, in its
// worst spelling: every field at its maximum length, every character of it
// sent as JSON escapes (a character outside the Basic Multilingual Plane as
// a surrogate pair, \uXXXX\uXXXX: 12 bytes), and the field names escaped
// too (6 bytes a character). JSON Schema's maxLength counts characters
// (code points), not bytes, so a valid body can be 12 times its character
// count. Insignificant whitespace, which JSON allows anywhere between
// tokens, is not counted. 0 without AllowCreate. A web ACL in front of the
// API must inspect at least this much of a body (see constructs/frontdoor).
func (p *ApiGatewayToDynamoDB) MaxCreateBodyBytes() int { return p.maxCreateBody }

// MaxCreateBodyBytesFor is the MaxCreateBodyBytes of a construct built with
// props, without building one: for a web ACL that another stack builds
// first. It fails as NewApiGatewayToDynamoDB would on bad props.
func MaxCreateBodyBytesFor(props *Props) (int, error) {
	if props == nil {
		props = &Props{}
	}
	c, err := resolve(props)
	if err != nil || !c.create {
		return 0, err
	}
	return maxBodyBytes(c.fields, c.maxLengths), nil
}

// maxBodyBytes is MaxCreateBodyBytes for the fields and their limits.
func maxBodyBytes(fields []string, maxLengths map[string]float64) int {
	if len(fields) == 0 {
		return 0
	}
	n := 2 + len(fields) - 1 // {} and the commas
	for _, f := range fields {
		n += 6*len(f) + 2 + 1 + 2 + 12*int(maxLengths[f]) // "name" : "value"
	}
	return n
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
	p.buildTable(cfg)
	p.Mounted = restapi.Attach(p.Construct, cfg.api)
	p.buildRole(cfg)
	p.Validator = awsapigateway.NewRequestValidator(p.Construct, jsii.String("Validator"), &awsapigateway.RequestValidatorProps{
		RestApi:                   p.RestApi,
		ValidateRequestBody:       jsii.Bool(true),
		ValidateRequestParameters: jsii.Bool(true),
	})
	p.Collection = p.Parent.AddResource(jsii.String(cfg.path), nil)
	if cfg.create {
		p.maxCreateBody = maxBodyBytes(cfg.fields, cfg.maxLengths)
		p.addCreate(cfg)
	}
	if cfg.query || cfg.read {
		p.addGet(cfg)
	}
	return p
}

func (p *ApiGatewayToDynamoDB) buildTable(c *config) {
	if c.existingTable != nil {
		p.Table = c.existingTable
		return
	}
	t := awsdynamodb.NewTable(p.Construct, jsii.String("Table"), c.tableProps)
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
			SortKey:          &awsdynamodb.Attribute{Name: jsii.String(c.sortKey), Type: awsdynamodb.AttributeType_NUMBER},
			ProjectionType:   awsdynamodb.ProjectionType_INCLUDE,
			NonKeyAttributes: &projected,
		})
	}
	p.Table, p.CreatedTable = t, t
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

func (p *ApiGatewayToDynamoDB) addCreate(c *config) {
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
		item = append(item, fmt.Sprintf(`%s:{"S":%s}`, vtl.Quote(f), vtl.JSONString("$input.path('$."+f+"')")))
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
	// write never replaces an existing item. The sort key is the request
	// time, which orders GET's answer.
	if c.sortKey != "" {
		item = append(item, fmt.Sprintf(`%s:{"N":"$context.requestTimeEpoch"}`, vtl.Quote(c.sortKey)))
	}
	request := fmt.Sprintf(`{"TableName":%s,"Item":{%s:{"S":"$context.requestId"},%s},`+
		`"ConditionExpression":"attribute_not_exists(#k)","ExpressionAttributeNames":{"#k":%s}}`,
		vtl.Quote(*p.Table.TableName()), vtl.Quote(c.key), strings.Join(item, ","), vtl.Quote(c.key))
	integration := p.integration("PutItem", request, routes.Responses(&awsapigateway.IntegrationResponse{
		StatusCode:        jsii.String("201"),
		ResponseTemplates: &map[string]*string{"application/json": jsii.String(fmt.Sprintf(`{%s:"$context.requestId"}`, vtl.Quote(c.key)))},
	}, "", routes.Conflict))
	opts := c.createOptions
	opts.RequestValidator = p.Validator
	opts.RequestModels = &map[string]awsapigateway.IModel{"application/json": p.CreateModel}
	opts.MethodResponses = routes.MethodResponses("201", "409")
	p.CreateMethod = p.Collection.AddMethod(jsii.String("POST"), integration, opts)
	nag.SuppressAuth(p.CreateMethod, opts)
}

func (p *ApiGatewayToDynamoDB) addGet(c *config) {
	param := c.param
	p.Item = p.Collection.AddResource(jsii.String("{"+param+"}"), nil)
	// prelude reads the request's key and, for Query, its page: the request
	// template and the 4xx response template both run it, so that the error
	// answer knows whether the client's input was at fault.
	prelude := p.requestInput(c)
	keyValue := `{"S":` + vtl.JSONString("$key") + `}`
	var request, response, action string
	if c.query {
		action = "Query"
		index, start := "", ""
		if c.queryIndex != "" {
			index = `"IndexName":` + vtl.Quote(c.queryIndex) + ","
			// The start key binds the requested key, so a forged cursor can
			// only move within the requested page's items.
			start = fmt.Sprintf(`#if($after != ""),"ExclusiveStartKey":{%s:{"S":"$afterKey"},%s:%s,%s:{"N":"$afterSort"}}#end`,
				vtl.Quote(c.key), vtl.Quote(c.queryKey), keyValue, vtl.Quote(c.sortKey))
		}
		// A refused input asks DynamoDB for Limit 0, which it refuses with a
		// ValidationException that the 4xx response turns into a 400.
		request = prelude + fmt.Sprintf(`{"TableName":%s,%s"KeyConditionExpression":"#k = :v",`+
			`"ExpressionAttributeNames":{"#k":%s},"ExpressionAttributeValues":{":v":%s},"Limit":#if($bad == "")$limit#{else}0#end%s}`,
			vtl.Quote(*p.Table.TableName()), index, vtl.Quote(c.queryKey), keyValue, start)
		next := ""
		if c.queryIndex != "" {
			next = fmt.Sprintf(`#set($last = $input.path('$.LastEvaluatedKey'))#if($last && $last.%s.N)`+
				`#set($plain = "${last.%s.N}_${last.%s.S}")`+
				`,"next":"$util.base64Encode($plain).replace('+', '-').replace('/', '_').replace('=', '')"#end`,
				c.sortKey, c.sortKey, c.key)
		}
		response = fmt.Sprintf(`{%s:[#foreach($e in $input.path('$.Items'))%s#if($foreach.hasNext),#end#end]%s}`,
			vtl.Quote(c.path), itemObject("$e", append([]string{c.key}, without(c.fields, c.queryKey)...)), next)
	} else {
		action = "GetItem"
		request = prelude + fmt.Sprintf(`{"TableName":%s,"Key":{%s:%s}}`, vtl.Quote(*p.Table.TableName()), vtl.Quote(c.key), keyValue)
		response = `#set($item = $input.path('$.Item'))#if($item)` + itemObject("$item", append([]string{c.key}, c.fields...)) +
			`#{else}#set($context.responseOverride.status = 404){"message":"Not found"}#end`
	}
	badInput := routes.ClientError{Condition: `$bad != "" && $type.endsWith("ValidationException")`, Status: 400, Message: "$bad"}
	integration := p.integration(action, request, routes.Responses(&awsapigateway.IntegrationResponse{
		StatusCode:        jsii.String("200"),
		ResponseTemplates: &map[string]*string{"application/json": jsii.String(response)},
	}, prelude, badInput))
	opts := c.getOptions
	opts.RequestValidator = p.Validator
	opts.RequestParameters = &map[string]*bool{"method.request.path." + param: jsii.Bool(true)}
	codes := []string{"200", "400"}
	if c.read {
		codes = append(codes, "404")
	}
	opts.MethodResponses = routes.MethodResponses(codes...)
	p.GetMethod = p.Item.AddMethod(jsii.String("GET"), integration, opts)
	nag.SuppressAuth(p.GetMethod, opts)
}

// requestInput is VTL that reads the GET request: $key (the path
// parameter, through KeyVtl) and, for Query, $limit and $after (the
// cursor's "<sort key>_<partition key>", or ""), and sets $bad to what is
// wrong with them, or "". No regex here needs a backslash: Velocity passes
// string literals to Java as they are written.
//
// Every method called on a string is called on a value API Gateway gave
// ($input.params, $util), never on a literal: Velocity on the JVM has Java
// String methods on both, the local velocityjs only on the former.
func (p *ApiGatewayToDynamoDB) requestInput(c *config) string {
	maxKey := 512 // 2,048 bytes, DynamoDB's partition key limit, in code points of at most 4 UTF-8 bytes
	if n, ok := c.maxLengths[c.queryKey]; ok && c.query {
		maxKey = int(n) // no stored item has a longer key
	}
	// Counted in code points, as the POST model's maxLength counts them (API
	// Gateway validates with json-schema-validator, whose maxLength counts
	// codePointCount), not in UTF-16 units as length() does.
	v := fmt.Sprintf("#set($rawKey = $input.params().path.get('%s'))\n%s\n#set($bad = \"\")"+
		`#set($units = $key.length())#if($key.codePointCount(0, $units) > %d)#set($bad = "%s is longer than %d characters")#end`,
		c.param, c.keyVtl, maxKey, c.param, maxKey)
	if !c.query {
		return v
	}
	v += fmt.Sprintf(`#set($limit = %d)#set($limitParam = $input.params('limit'))`+
		`#if($limitParam.length() > 0)#if($limitParam.matches("[1-9][0-9]?|100"))#set($limit = $limitParam)`+
		`#{else}#set($bad = "limit must be a whole number from 1 to %d")#end#end`, c.pageSize, MaxPageSize)
	if c.queryIndex == "" {
		return v
	}
	// The cursor is base64url, unpadded, of "<sort key>_<partition key>"
	// (the request time in milliseconds and API Gateway's request id, whose
	// characters are letters, digits and '-'). A mapping template cannot sign
	// it; the start key it gives is bound to the requested key anyway.
	return v + `#set($cursor = $input.params('cursor'))#set($after = $cursor.substring(0, 0))` +
		`#if($cursor.length() > 0)` +
		`#if($cursor.matches("[A-Za-z0-9_-]{4,200}"))` +
		`#set($b64 = $cursor.replace("-", "+").replace("_", "/"))#set($pad = $b64.length() % 4)` +
		`#if($pad == 2)#set($b64 = "${b64}==")#elseif($pad == 3)#set($b64 = "${b64}=")#end` +
		`#if($pad != 1)#set($after = $util.base64Decode($b64))#end#end` +
		`#if($after.matches("[0-9]{1,15}_[A-Za-z0-9-]{1,64}"))#set($sep = $after.indexOf("_"))` +
		`#set($afterSort = $after.substring(0, $sep))#set($sep = $sep + 1)#set($afterKey = $after.substring($sep))` +
		`#{else}#set($after = $cursor.substring(0, 0))#set($bad = "cursor is not one this API gave")#end#end`
}

// integration is a DynamoDB action with one JSON request template. Any other
// content type is refused (415): passing a body through would let the client
// write the DynamoDB request.
func (p *ApiGatewayToDynamoDB) integration(action, request string,
	responses *[]*awsapigateway.IntegrationResponse) awsapigateway.AwsIntegration {
	return awsapigateway.NewAwsIntegration(&awsapigateway.AwsIntegrationProps{
		Service: jsii.String("dynamodb"),
		Action:  jsii.String(action),
		Options: &awsapigateway.IntegrationOptions{
			CredentialsRole:      p.Role,
			PassthroughBehavior:  awsapigateway.PassthroughBehavior_NEVER,
			RequestTemplates:     &map[string]*string{"application/json": jsii.String(request)},
			IntegrationResponses: responses,
		},
	})
}

// itemObject is VTL for a JSON object of the attributes of item: strings
// and numbers, and null for a missing one.
func itemObject(item string, attrs []string) string {
	parts := make([]string, len(attrs))
	for i, a := range attrs {
		parts[i] = vtl.Quote(a) + ":" + vtl.JSONAttribute(item+"."+a)
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
