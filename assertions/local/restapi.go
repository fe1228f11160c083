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
)

// Backend answers an AWS-service integration's call: action is the API
// action from the integration URI (for example PutItem), body what the
// request template rendered. *Dynalite is one.
type Backend interface {
	Call(ctx context.Context, action string, body []byte) (status int, response []byte, err error)
}

// RestAPI emulates, on this machine, the REST API methods of a synthesized
// CloudFormation template, as API Gateway runs them.
type RestAPI struct {
	// Template is the synthesized template (parsed JSON).
	Template map[string]any
	// Refs resolves Ref and Fn::GetAtt in the templates, for example the
	// table's logical id to the local table name.
	Refs map[string]string
	// Velocity renders the mapping templates.
	Velocity *Velocity
	// Backend serves the integrations.
	Backend Backend
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
	Status  int
	Headers map[string]string
	Body    string
	// IntegrationRequest is the rendered request template sent to the
	// backend, or "" if the request never reached it.
	IntegrationRequest string
	// IntegrationStatus and IntegrationBody are the backend's answer.
	IntegrationStatus int
	IntegrationBody   string
}

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
	vreq := Request{
		Body: req.Body, Path: pathParams, Querystring: req.Query, Header: headers,
		Context: map[string]any{"requestId": req.RequestID, "httpMethod": req.Method, "resourcePath": req.Path},
	}
	for k, v := range req.Context {
		vreq.Context[k] = v
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
				return a.gatewayResponse(ctx, "BAD_REQUEST_PARAMETERS", 400, vreq,
					fmt.Sprintf("Missing required request parameters: [%s]", parts[3]))
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
				return a.gatewayResponse(ctx, "BAD_REQUEST_BODY", 400, vreq, err.Error())
			}
		}
	}

	integ, _ := props["Integration"].(map[string]any)
	action, err := a.action(integ)
	if err != nil {
		return HTTPResponse{}, err
	}
	// Integration request: the template for the content type, or passthrough.
	templates, _ := integ["RequestTemplates"].(map[string]any)
	var sent string
	if tpl, ok := templates[contentType]; ok {
		r, err := a.render(tpl, vreq)
		if err != nil {
			return HTTPResponse{Status: 500, Body: `{"message": "Internal server error"}`}, err
		}
		sent = r.Output
	} else {
		switch integ["PassthroughBehavior"] {
		case "NEVER":
			return a.gatewayResponse(ctx, "UNSUPPORTED_MEDIA_TYPE", 415, vreq, "Unsupported Media Type")
		case "WHEN_NO_TEMPLATES":
			if len(templates) > 0 {
				return a.gatewayResponse(ctx, "UNSUPPORTED_MEDIA_TYPE", 415, vreq, "Unsupported Media Type")
			}
		}
		sent = req.Body // WHEN_NO_MATCH (API Gateway's default) passes the body through
	}
	status, body, err := a.Backend.Call(ctx, action, []byte(sent))
	if err != nil {
		return HTTPResponse{}, err
	}
	resp := HTTPResponse{IntegrationRequest: sent, IntegrationStatus: status, IntegrationBody: string(body), Headers: map[string]string{}}

	// Integration response: the selection pattern is matched against the
	// backend's status code; the response without one is the default.
	ir, err := selectResponse(integ, status)
	if err != nil {
		return resp, err
	}
	if resp.Status, err = statusCode(ir["StatusCode"]); err != nil {
		return resp, fmt.Errorf("integration response: %w", err)
	}
	outTemplates, _ := ir["ResponseTemplates"].(map[string]any)
	resp.Body = string(body)
	if tpl, ok := outTemplates["application/json"]; ok {
		r, err := a.render(tpl, Request{Body: string(body), Context: vreq.Context})
		if err != nil {
			return resp, err
		}
		resp.Body = r.Output
		if r.Status != 0 {
			resp.Status = r.Status
		}
		for k, v := range r.Headers {
			resp.Headers[k] = v
		}
	}
	params, _ := ir["ResponseParameters"].(map[string]any)
	for name, src := range params {
		h := strings.TrimPrefix(name, "method.response.header.")
		s := fmt.Sprint(src)
		if strings.HasPrefix(s, "'") && strings.HasSuffix(s, "'") && len(s) >= 2 {
			resp.Headers[h] = s[1 : len(s)-1]
		}
	}
	return resp, nil
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

func (a *RestAPI) gatewayResponse(ctx context.Context, typ string, status int, vreq Request, message string) (HTTPResponse, error) {
	body := fmt.Sprintf(`{"message": %q}`, message)
	for _, res := range a.resources("AWS::ApiGateway::GatewayResponse") {
		props, _ := res["Properties"].(map[string]any)
		if props["ResponseType"] != typ {
			continue
		}
		if s, ok := props["StatusCode"]; ok {
			var err error
			if status, err = statusCode(s); err != nil {
				return HTTPResponse{}, fmt.Errorf("gateway response %s: %w", typ, err)
			}
		}
		tpls, _ := props["ResponseTemplates"].(map[string]any)
		if tpl, ok := tpls["application/json"]; ok {
			vreq.Context["error"] = map[string]any{
				"message": message, "messageString": fmt.Sprintf("%q", message), "validationErrorString": message, "responseType": typ,
			}
			r, err := a.render(tpl, Request{Context: vreq.Context})
			if err != nil {
				return HTTPResponse{}, err
			}
			body = r.Output
		}
	}
	return HTTPResponse{Status: status, Body: body, Headers: map[string]string{}}, nil
}

func selectResponse(integ map[string]any, status int) (map[string]any, error) {
	responses, _ := integ["IntegrationResponses"].([]any)
	var def map[string]any
	for _, r := range responses {
		r, _ := r.(map[string]any)
		pattern, _ := r["SelectionPattern"].(string)
		if pattern == "" {
			def = r
			continue
		}
		if regexp.MustCompile("^(?:" + pattern + ")$").MatchString(fmt.Sprint(status)) {
			return r, nil
		}
	}
	if def == nil {
		return nil, fmt.Errorf("no integration response matches status %d and there is no default", status)
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
