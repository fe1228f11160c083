package local

import (
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Backend answers an AWS-service integration's call: action is the API
// action from the integration URI (for example PutItem), body what the
// request template rendered. *Dynalite is one.
type Backend interface {
	Call(ctx context.Context, action string, body []byte) (status int, response []byte, err error)
}

// RestAPI emulates, on this machine, the REST API methods of a synthesized
// CloudFormation template, as API Gateway runs them. Each behaviour names
// the API Gateway documentation it follows.
type RestAPI struct {
	// Template is the synthesized template (parsed JSON).
	Template map[string]any
	// Refs resolves Ref and Fn::GetAtt in the templates, for example the
	// table's logical id to the local table name.
	Refs map[string]string
	// Velocity renders the mapping templates.
	Velocity *Velocity
	// Backend serves the AWS-service integrations.
	Backend Backend
	// Functions serve the Lambda integrations and authorizers, by the
	// function's logical id.
	Functions map[string]*Function

	authMu    sync.Mutex
	authCache authorizerCache
	authCalls map[string]int
}

// HTTPRequest is a client's request to a method.
type HTTPRequest struct {
	Method      string
	Path        string            // the URL path, percent-encoded, e.g. /comments/page%201
	Query       map[string]string // query string parameters
	Headers     map[string]string // Content-Type among them (default application/json)
	Body        string
	RequestID   string         // $context.requestId (default "local-request")
	Context     map[string]any // more $context values
	ContentType string         // shorthand for Headers["Content-Type"]
}

// HTTPResponse is what the client receives, plus what was sent to the backend.
type HTTPResponse struct {
	Status int
	// Headers holds each header's last value; MultiHeaders all of them.
	Headers      map[string]string
	MultiHeaders map[string][]string
	Body         string
	// IntegrationRequest is the rendered request template sent to the
	// backend, or "" if the request never reached it.
	IntegrationRequest string
	// IntegrationStatus and IntegrationBody are the backend's answer.
	IntegrationStatus int
	IntegrationBody   string
	// IntegrationHeaders are the backend's response headers.
	IntegrationHeaders map[string]string
}

func (r *HTTPResponse) addHeader(name, value string) {
	if r.Headers == nil {
		r.Headers, r.MultiHeaders = map[string]string{}, map[string][]string{}
	}
	r.Headers[name] = value
	r.MultiHeaders[name] = append(r.MultiHeaders[name], value)
}

// DefaultIntegrationTimeout is an integration's TimeoutInMillis when the
// template sets none: 29 seconds ("Amazon API Gateway quotas", integration
// timeout).
const DefaultIntegrationTimeout = 29 * time.Second

// Do runs req through the method that matches it.
func (a *RestAPI) Do(ctx context.Context, req HTTPRequest) (HTTPResponse, error) {
	m, pathParams, err := a.route(req.Method, req.Path)
	if err != nil {
		return HTTPResponse{}, err
	}
	props, _ := m["Properties"].(map[string]any)
	if req.RequestID == "" {
		req.RequestID = "local-request"
	}
	headers := map[string]string{}
	for k, v := range req.Headers {
		headers[k] = v
	}
	if req.ContentType != "" {
		headers["Content-Type"] = req.ContentType
	}
	contentType := "application/json"
	if ct := header(headers, "Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err == nil {
			contentType = mt
		} else {
			contentType = ct
		}
	}
	now := time.Now()
	vreq := Request{
		Body: req.Body, Path: pathParams, Querystring: req.Query, Header: headers,
		Context: map[string]any{
			"requestId": req.RequestID, "httpMethod": req.Method, "resourcePath": a.resourcePath(props["ResourceId"]),
			"path": req.Path, "stage": "prod", "requestTimeEpoch": now.UnixMilli(),
		},
	}
	for k, v := range req.Context {
		vreq.Context[k] = v
	}

	// The authorizer runs before the method request is validated.
	auth, err := a.authorize(ctx, props, headers, req.Method, req.Path, vreq)
	if err != nil || auth.refusal != nil {
		if auth.refusal != nil {
			return *auth.refusal, err
		}
		return HTTPResponse{}, err
	}
	if auth.identity != nil {
		vreq.Context["authorizer"] = auth.identity
	}

	// Method request: required parameters and the body model.
	if v := a.validator(props); v["ValidateRequestParameters"] == true {
		params, _ := props["RequestParameters"].(map[string]any)
		for _, name := range sortedKeysOf(params) {
			if params[name] != true {
				continue
			}
			parts := strings.SplitN(name, ".", 4) // method.request.path.pageId
			if len(parts) == 4 && lookupParam(parts[2], parts[3], pathParams, req.Query, headers) == "" {
				return a.gatewayResponse("BAD_REQUEST_PARAMETERS", 400, vreq,
					fmt.Sprintf("Missing required request parameters: [%s]", parts[3]), "")
			}
		}
	}
	if v := a.validator(props); v["ValidateRequestBody"] == true {
		models, _ := props["RequestModels"].(map[string]any)
		if ref, ok := models[contentType]; ok {
			schema, err := a.modelSchema(ref)
			if err != nil {
				return HTTPResponse{}, err
			}
			if err := ValidateJSON(schema, []byte(req.Body)); err != nil {
				return a.gatewayResponse("BAD_REQUEST_BODY", 400, vreq, "Invalid request body", err.Error())
			}
		}
	}

	integ, _ := props["Integration"].(map[string]any)
	switch integ["Type"] {
	case "AWS_PROXY":
		return a.lambdaProxy(ctx, integ, req, vreq)
	case "AWS":
	default:
		return HTTPResponse{}, fmt.Errorf("integration type %v is not emulated", integ["Type"])
	}
	// Integration request: the template for the content type, or passthrough
	// ("Method request behavior for payloads without mapping templates").
	templates, _ := integ["RequestTemplates"].(map[string]any)
	var sent string
	if tpl, ok := templates[contentType]; ok {
		r, err := a.render(tpl, vreq)
		if err != nil {
			return a.gatewayResponse("DEFAULT_5XX", 500, vreq, "Internal server error", "")
		}
		sent = r.Output
	} else {
		switch integ["PassthroughBehavior"] {
		case "NEVER":
			return a.gatewayResponse("UNSUPPORTED_MEDIA_TYPE", 415, vreq, "Unsupported Media Type", "")
		case "WHEN_NO_TEMPLATES":
			if len(templates) > 0 {
				return a.gatewayResponse("UNSUPPORTED_MEDIA_TYPE", 415, vreq, "Unsupported Media Type", "")
			}
		}
		sent = req.Body // WHEN_NO_MATCH (API Gateway's default) passes the body through
	}

	var subject string // what the selection patterns are matched against
	resp := HTTPResponse{IntegrationRequest: sent}
	if fn, isLambda, err := a.function(integ); err != nil {
		return HTTPResponse{}, err
	} else if isLambda {
		inv, err := fn.Invoke(ctx, []byte(sent), integrationTimeout(integ))
		if err != nil {
			return HTTPResponse{}, err
		}
		if inv.TimedOut {
			return a.gatewayResponse("INTEGRATION_TIMEOUT", 504, vreq, "Endpoint request timed out", "")
		}
		// A Lambda integration's patterns are matched against the error's
		// errorMessage, and a success against the empty string; the body the
		// response templates read is the result, or the error document
		// ("Handle Lambda errors in API Gateway").
		// The headers of Lambda's Invoke response ("Invoke", Lambda API
		// reference, response syntax): X-Amz-Function-Error says a function
		// error happened.
		resp.IntegrationStatus, resp.IntegrationBody = 200, string(inv.Payload)
		resp.IntegrationHeaders = map[string]string{"Content-Type": "application/json", "X-Amz-Executed-Version": "$LATEST"}
		if inv.Error != nil {
			subject, resp.IntegrationBody = inv.Error.Message, string(inv.Error.Raw)
			resp.IntegrationHeaders["X-Amz-Function-Error"] = "Unhandled"
		}
	} else {
		action, err := a.action(integ)
		if err != nil {
			return HTTPResponse{}, err
		}
		status, body, err := a.Backend.Call(ctx, action, []byte(sent))
		if err != nil {
			return HTTPResponse{}, err
		}
		// AWS and HTTP integrations: the patterns are matched against the
		// backend's status code ("Set up an integration response").
		resp.IntegrationStatus, resp.IntegrationBody, subject = status, string(body), strconv.Itoa(status)
	}
	return a.integrationResponse(integ, subject, resp, vreq)
}

// integrationResponse selects the integration response for subject and
// renders it: status, header mappings and the body template.
func (a *RestAPI) integrationResponse(integ map[string]any, subject string, resp HTTPResponse, vreq Request) (HTTPResponse, error) {
	ir, err := selectResponse(integ, subject)
	if err != nil {
		return resp, err
	}
	if resp.Status, err = statusCode(ir["StatusCode"]); err != nil {
		return resp, fmt.Errorf("integration response: %w", err)
	}
	params, _ := ir["ResponseParameters"].(map[string]any)
	for _, name := range sortedKeysOf(params) {
		v, ok := responseParameter(fmt.Sprint(params[name]), resp.IntegrationBody, resp.IntegrationHeaders)
		if ok {
			resp.addHeader(strings.TrimPrefix(name, "method.response.header."), v)
		}
	}
	outTemplates, _ := ir["ResponseTemplates"].(map[string]any)
	resp.Body = resp.IntegrationBody
	if tpl, ok := outTemplates["application/json"]; ok {
		r, err := a.render(tpl, Request{Body: resp.IntegrationBody, Path: vreq.Path, Querystring: vreq.Querystring,
			Header: vreq.Header, Context: vreq.Context})
		if err != nil {
			// A response template that fails, such as one that overrides the
			// status twice, is a 5XX.
			out, gerr := a.gatewayResponse("DEFAULT_5XX", 500, vreq, "Internal server error", "")
			out.IntegrationRequest, out.IntegrationStatus, out.IntegrationBody = resp.IntegrationRequest, resp.IntegrationStatus, resp.IntegrationBody
			return out, gerr
		}
		resp.Body = r.Output
		if r.Status != 0 {
			resp.Status = r.Status
		}
		for _, k := range sortedKeysOf(r.Headers) {
			resp.addHeader(k, r.Headers[k])
		}
	}
	return resp, nil
}

// responseParameter is the value of an integration response's header
// mapping: a static 'value', integration.response.header.<name>, or
// integration.response.body.<JSON path without the $> ("Parameter mapping
// source reference for REST APIs"). A missing source maps no header.
func responseParameter(src, body string, headers map[string]string) (string, bool) {
	if strings.HasPrefix(src, "'") && strings.HasSuffix(src, "'") && len(src) >= 2 {
		return src[1 : len(src)-1], true
	}
	if name, ok := strings.CutPrefix(src, "integration.response.header."); ok {
		v := header(headers, name)
		return v, v != ""
	}
	if path, ok := strings.CutPrefix(src, "integration.response.body."); ok {
		var v any
		if json.Unmarshal([]byte(body), &v) != nil {
			return "", false
		}
		for _, field := range strings.Split(path, ".") {
			obj, _ := v.(map[string]any)
			v = obj[field]
		}
		if v == nil {
			return "", false
		}
		if s, isString := v.(string); isString {
			return s, true
		}
		b, _ := json.Marshal(v)
		return string(b), true
	}
	return "", false
}

// integrationTimeout is the integration's TimeoutInMillis, or the default.
func integrationTimeout(integ map[string]any) time.Duration {
	if ms, ok := integ["TimeoutInMillis"].(float64); ok && ms > 0 {
		return time.Duration(ms) * time.Millisecond
	}
	return DefaultIntegrationTimeout
}

var lambdaURI = regexp.MustCompile(`:lambda:path/2015-03-31/functions/`)

// function is the Function a Lambda integration invokes, found by the
// function's logical id in the integration URI.
func (a *RestAPI) function(integ map[string]any) (*Function, bool, error) {
	uri, _ := json.Marshal(integ["Uri"])
	if !lambdaURI.Match(uri) {
		return nil, false, nil
	}
	for _, id := range sortedKeysOf(a.Functions) {
		if strings.Contains(string(uri), `"`+id+`"`) {
			return a.Functions[id], true, nil
		}
	}
	return nil, true, fmt.Errorf("no local Function for the Lambda integration %s (have %v)", uri, sortedKeysOf(a.Functions))
}

// lambdaProxy runs a Lambda proxy integration: the request as the
// API Gateway proxy event, and the function's {statusCode, headers,
// multiValueHeaders, body} as the response ("Set up Lambda proxy
// integrations in API Gateway", input and output formats). A function error
// or a malformed answer is a 502.
func (a *RestAPI) lambdaProxy(ctx context.Context, integ map[string]any, req HTTPRequest, vreq Request) (HTTPResponse, error) {
	fn, _, err := a.function(integ)
	if err != nil {
		return HTTPResponse{}, err
	}
	multi := map[string][]string{}
	for k, v := range vreq.Header {
		multi[k] = []string{v}
	}
	multiQuery := map[string][]string{}
	for k, v := range req.Query {
		multiQuery[k] = []string{v}
	}
	event := map[string]any{
		"resource": vreq.Context["resourcePath"], "path": req.Path, "httpMethod": req.Method,
		"headers": vreq.Header, "multiValueHeaders": multi,
		"queryStringParameters": nilIfEmpty(req.Query), "multiValueQueryStringParameters": nilIfEmpty(multiQuery),
		"pathParameters": nilIfEmpty(vreq.Path), "stageVariables": nil,
		"requestContext": vreq.Context, "body": req.Body, "isBase64Encoded": false,
	}
	payload, err := json.Marshal(event)
	if err != nil {
		return HTTPResponse{}, err
	}
	inv, err := fn.Invoke(ctx, payload, integrationTimeout(integ))
	if err != nil {
		return HTTPResponse{}, err
	}
	if inv.TimedOut {
		return a.gatewayResponse("INTEGRATION_TIMEOUT", 504, vreq, "Endpoint request timed out", "")
	}
	var out struct {
		StatusCode        int                 `json:"statusCode"`
		Headers           map[string]string   `json:"headers"`
		MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
		Body              string              `json:"body"`
	}
	if inv.Error != nil || json.Unmarshal(inv.Payload, &out) != nil || out.StatusCode == 0 {
		return a.gatewayResponse("DEFAULT_5XX", 502, vreq, "Internal server error", "")
	}
	resp := HTTPResponse{Status: out.StatusCode, Body: out.Body, IntegrationRequest: string(payload), IntegrationStatus: 200,
		IntegrationBody: string(inv.Payload)}
	// headers and multiValueHeaders are merged; a header in both keeps the
	// multiValueHeaders values (same page, output format).
	for _, k := range sortedKeysOf(out.Headers) {
		if _, both := out.MultiValueHeaders[k]; !both {
			resp.addHeader(k, out.Headers[k])
		}
	}
	for _, k := range sortedKeysOf(out.MultiValueHeaders) {
		for _, v := range out.MultiValueHeaders[k] {
			resp.addHeader(k, v)
		}
	}
	return resp, nil
}

func nilIfEmpty[V any](m map[string]V) map[string]V {
	if len(m) == 0 {
		return nil
	}
	return m
}

// render resolves a template's intrinsic functions (a table name is a Ref)
// and renders it.
func (a *RestAPI) render(tpl any, req Request) (Rendered, error) {
	s, err := Resolve(tpl, a.Refs)
	if err != nil {
		return Rendered{}, fmt.Errorf("mapping template: %w", err)
	}
	return a.Velocity.Render(s, req)
}

// gatewayResponse is API Gateway's own answer of the response type: the
// template's GatewayResponse of that type, or, for a type without one,
// DEFAULT_4XX or DEFAULT_5XX by the status ("Gateway response types for API
// Gateway"); with none, API Gateway's {"message": …}. Its template is not
// Velocity: only $context.* and $stageVariables.* are substituted
// ("x-amazon-apigateway-gateway-responses.responseTemplates object").
// validation is $context.error.validationErrorString.
func (a *RestAPI) gatewayResponse(typ string, status int, vreq Request, message, validation string) (HTTPResponse, error) {
	quoted, err := json.Marshal(message)
	if err != nil {
		return HTTPResponse{}, err
	}
	vars := map[string]any{}
	for k, v := range vreq.Context {
		vars[k] = v
	}
	vars["error"] = map[string]any{
		"message": message, "messageString": string(quoted), "validationErrorString": validation, "responseType": typ,
	}
	resp := HTTPResponse{Status: status, Body: `{"message":` + string(quoted) + `}`}
	res := a.gatewayResponseOf(typ)
	if res == nil {
		fallback := "DEFAULT_4XX"
		if status >= 500 {
			fallback = "DEFAULT_5XX"
		}
		res = a.gatewayResponseOf(fallback)
	}
	if res == nil {
		return resp, nil
	}
	if s, ok := res["StatusCode"]; ok {
		if resp.Status, err = statusCode(s); err != nil {
			return HTTPResponse{}, fmt.Errorf("gateway response %s: %w", typ, err)
		}
	}
	tpls, _ := res["ResponseTemplates"].(map[string]any)
	if tpl, ok := tpls["application/json"]; ok {
		s, err := Resolve(tpl, a.Refs)
		if err != nil {
			return HTTPResponse{}, fmt.Errorf("gateway response %s: %w", typ, err)
		}
		resp.Body = Substitute(s, map[string]any{"context": vars, "stageVariables": map[string]any{}})
	}
	params, _ := res["ResponseParameters"].(map[string]any)
	for _, name := range sortedKeysOf(params) {
		if v, ok := responseParameter(fmt.Sprint(params[name]), "", nil); ok {
			resp.addHeader(strings.TrimPrefix(name, "gatewayresponse.header."), v)
		}
	}
	return resp, nil
}

func (a *RestAPI) gatewayResponseOf(typ string) map[string]any {
	for _, res := range a.resources("AWS::ApiGateway::GatewayResponse") {
		if props, _ := res["Properties"].(map[string]any); props["ResponseType"] == typ {
			return props
		}
	}
	return nil
}

var variable = regexp.MustCompile(`\$(context|stageVariables)((?:\.[A-Za-z0-9_]+)+)`)

// Substitute replaces $context.a.b and $stageVariables.x in a gateway
// response template with their values, and leaves everything else as it
// is: no directive, $util or $input is run. A variable without a value
// becomes the empty string (not documented; an assumption).
func Substitute(tpl string, vars map[string]any) string {
	return variable.ReplaceAllStringFunc(tpl, func(ref string) string {
		m := variable.FindStringSubmatch(ref)
		v := vars[m[1]]
		for _, key := range strings.Split(strings.TrimPrefix(m[2], "."), ".") {
			obj, _ := v.(map[string]any)
			v = obj[key]
		}
		if v == nil {
			return ""
		}
		return fmt.Sprint(v)
	})
}

// selectResponse is the integration response whose selection pattern
// matches subject as a whole, with Java's Pattern.matches semantics ("."
// matches no line terminator), or the default one (no pattern).
func selectResponse(integ map[string]any, subject string) (map[string]any, error) {
	responses, _ := integ["IntegrationResponses"].([]any)
	// API Gateway keys a method's integration responses by status code
	// (PutIntegrationResponse: .../integration/responses/{status_code}): a
	// template with two of one code deploys only one of them, unpredictably.
	codes := map[string]bool{}
	for _, r := range responses {
		r, _ := r.(map[string]any)
		code := fmt.Sprint(r["StatusCode"])
		if codes[code] {
			return nil, fmt.Errorf("two integration responses with StatusCode %s: API Gateway keeps one of them", code)
		}
		codes[code] = true
	}
	var def map[string]any
	for _, r := range responses {
		r, _ := r.(map[string]any)
		pattern, _ := r["SelectionPattern"].(string)
		if pattern == "" {
			def = r
			continue
		}
		re, err := regexp.Compile("^(?:" + pattern + ")$")
		if err != nil {
			return nil, fmt.Errorf("selection pattern %q: %w", pattern, err)
		}
		if re.MatchString(subject) {
			return r, nil
		}
	}
	if def == nil {
		return nil, fmt.Errorf("no integration response matches %q and there is no default", subject)
	}
	return def, nil
}

var actionURI = regexp.MustCompile(`:action/([A-Za-z]+)$`)

func (a *RestAPI) action(integ map[string]any) (string, error) {
	uri, err := Resolve(integ["Uri"], a.Refs)
	if err != nil {
		return "", fmt.Errorf("integration URI: %w", err)
	}
	m := actionURI.FindStringSubmatch(uri)
	if m == nil {
		return "", fmt.Errorf("integration URI %q is not an AWS-service action", uri)
	}
	return m[1], nil
}

func (a *RestAPI) validator(props map[string]any) map[string]any {
	ref, _ := props["RequestValidatorId"].(map[string]any)
	id, _ := ref["Ref"].(string)
	res, _ := a.resourcesByID()[id]
	p, _ := res["Properties"].(map[string]any)
	return p
}

func (a *RestAPI) modelSchema(ref any) (map[string]any, error) {
	r, _ := ref.(map[string]any)
	id, _ := r["Ref"].(string)
	res, ok := a.resourcesByID()[id]
	if !ok {
		return nil, fmt.Errorf("model %v not found", ref)
	}
	p, _ := res["Properties"].(map[string]any)
	schema, _ := p["Schema"].(map[string]any)
	return schema, nil
}

// route finds the method for an HTTP method and concrete path, and the path
// parameters' values.
func (a *RestAPI) route(method, path string) (map[string]any, map[string]string, error) {
	var tried []string
	for _, m := range a.resources("AWS::ApiGateway::Method") {
		props, _ := m["Properties"].(map[string]any)
		if props["HttpMethod"] != method {
			continue
		}
		pattern := a.resourcePath(props["ResourceId"])
		tried = append(tried, pattern)
		if params, ok := matchPath(pattern, path); ok {
			return m, params, nil
		}
	}
	return nil, nil, fmt.Errorf("no %s method matches %s (have %v)", method, path, tried)
}

func (a *RestAPI) resourcePath(ref any) string {
	r, _ := ref.(map[string]any)
	id, ok := r["Ref"].(string)
	if !ok { // Fn::GetAtt RestApi.RootResourceId
		return "/"
	}
	res := a.resourcesByID()[id]
	p, _ := res["Properties"].(map[string]any)
	parent := a.resourcePath(p["ParentId"])
	return strings.TrimSuffix(parent, "/") + "/" + fmt.Sprint(p["PathPart"])
}

func matchPath(pattern, path string) (map[string]string, bool) {
	pp := strings.Split(strings.Trim(pattern, "/"), "/")
	vp := strings.Split(strings.Trim(path, "/"), "/")
	if len(pp) != len(vp) {
		return nil, false
	}
	params := map[string]string{}
	for i := range pp {
		if strings.HasPrefix(pp[i], "{") && strings.HasSuffix(pp[i], "}") {
			v, err := url.PathUnescape(vp[i]) // API Gateway decodes path parameters
			if err != nil {
				return nil, false
			}
			params[pp[i][1:len(pp[i])-1]] = v
		} else if pp[i] != vp[i] {
			return nil, false
		}
	}
	return params, true
}

func (a *RestAPI) resourcesByID() map[string]map[string]any {
	out := map[string]map[string]any{}
	all, _ := a.Template["Resources"].(map[string]any)
	for id, r := range all {
		out[id], _ = r.(map[string]any)
	}
	return out
}

func (a *RestAPI) resources(typ string) []map[string]any {
	var out []map[string]any
	byID := a.resourcesByID()
	for _, id := range sortedKeysOf(byID) {
		if byID[id]["Type"] == typ {
			out = append(out, byID[id])
		}
	}
	return out
}

func lookupParam(where, name string, path, query, headers map[string]string) string {
	switch where {
	case "path":
		return path[name]
	case "querystring":
		return query[name]
	case "header":
		return header(headers, name)
	}
	return ""
}

func header(h map[string]string, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

func sortedKeysOf[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// statusCode reads a StatusCode property, a number or a numeric string.
func statusCode(v any) (int, error) {
	n, err := strconv.Atoi(fmt.Sprint(v))
	if err != nil {
		return 0, fmt.Errorf("StatusCode %v is not a number", v)
	}
	return n, nil
}

// DecodeJSON is json.Unmarshal for test bodies, returning the error.
func DecodeJSON(s string) (map[string]any, error) {
	var m map[string]any
	err := json.Unmarshal([]byte(s), &m)
	return m, err
}
