package local

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// MethodArnPrefix is the execute-api ARN of the emulated API's stage, as a
// Lambda authorizer's methodArn starts ("Input to an API Gateway Lambda
// authorizer": arn:aws:execute-api:region:account:apiId/stage/METHOD/path).
const MethodArnPrefix = "arn:aws:execute-api:us-east-1:123456789012:local/prod/"

// authorization is what a method's authorizer decided: nil to go on, or
// the gateway response that ends the request, and the authorizer's
// principalId and context for $context.authorizer.
type authorization struct {
	refusal  *HTTPResponse
	identity map[string]any
}

// authorizerCache holds TOKEN authorizers' results by authorizer and token
// ("Configure an API Gateway Lambda authorizer": with caching, the policy is
// cached for the TTL under the identity source's value, and every method the
// authorizer guards is checked against the cached policy).
type authorizerCache struct {
	entries map[string]cachedPolicy // under RestAPI.authMu
}

type cachedPolicy struct {
	result  authorizerResult
	expires time.Time
}

// authorizerResult is a Lambda authorizer's output ("Output from an API
// Gateway Lambda authorizer").
type authorizerResult struct {
	PrincipalID    string         `json:"principalId"`
	PolicyDocument policyDocument `json:"policyDocument"`
	Context        map[string]any `json:"context"`
}

type policyDocument struct {
	Statement []policyStatement `json:"Statement"`
}

type policyStatement struct {
	Effect   string
	Action   stringOrList
	Resource stringOrList
}

// stringOrList is an IAM policy element that may be one string or a list.
type stringOrList []string

func (s *stringOrList) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*s = []string{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*s = many
	return nil
}

// AuthorizerInvocations counts the calls of each authorizer function (by
// the AWS::ApiGateway::Authorizer's logical id), to show the cache at work.
func (a *RestAPI) AuthorizerInvocations(id string) int {
	a.authMu.Lock()
	defer a.authMu.Unlock()
	return a.authCalls[id]
}

// authorize runs the method's CUSTOM authorizer, if it has one (a TOKEN
// authorizer; a REQUEST authorizer is not emulated), before the method
// request is validated.
func (a *RestAPI) authorize(ctx context.Context, props map[string]any, headers map[string]string, method, path string,
	vreq Request) (authorization, error) {
	if props["AuthorizationType"] != "CUSTOM" {
		return authorization{}, nil
	}
	ref, _ := props["AuthorizerId"].(map[string]any)
	id, _ := ref["Ref"].(string)
	res := a.resourcesByID()[id]
	ap, _ := res["Properties"].(map[string]any)
	if res["Type"] != "AWS::ApiGateway::Authorizer" || ap["Type"] != "TOKEN" {
		return authorization{}, fmt.Errorf("method authorizer %q is not a TOKEN AWS::ApiGateway::Authorizer", id)
	}
	refuse := func(typ string, status int, message string) (authorization, error) {
		r, err := a.gatewayResponse(typ, status, vreq, message, "")
		return authorization{refusal: &r}, err
	}
	// The identity source must be present, and match the validation
	// expression (a Java regex matched against the whole value), or the
	// caller gets 401 without the function being called ("Configure an API
	// Gateway Lambda authorizer", token validation).
	source, _ := ap["IdentitySource"].(string)
	name, ok := strings.CutPrefix(source, "method.request.header.")
	if !ok {
		return authorization{}, fmt.Errorf("authorizer %s: identity source %q is not a header", id, source)
	}
	token := header(headers, name)
	if token == "" {
		return refuse("UNAUTHORIZED", 401, "Unauthorized")
	}
	if expr, ok := ap["IdentityValidationExpression"].(string); ok && expr != "" {
		re, err := regexp.Compile(`^(?:` + expr + `)$`)
		if err != nil {
			return authorization{}, fmt.Errorf("authorizer %s: validation expression: %w", id, err)
		}
		if !re.MatchString(token) {
			return refuse("UNAUTHORIZED", 401, "Unauthorized")
		}
	}
	methodArn := MethodArnPrefix + method + path
	result, found := a.cachedPolicy(id, token)
	if !found {
		fn := a.functionOf(ap["AuthorizerUri"])
		if fn == nil {
			return authorization{}, fmt.Errorf("authorizer %s: no local Function for %s (have %v)", id, mustJSON(ap["AuthorizerUri"]), sortedKeysOf(a.Functions))
		}
		event, _ := json.Marshal(map[string]string{"type": "TOKEN", "authorizationToken": token, "methodArn": methodArn})
		a.authMu.Lock()
		if a.authCalls == nil {
			a.authCalls = map[string]int{}
		}
		a.authCalls[id]++
		a.authMu.Unlock()
		inv, err := fn.Invoke(ctx, event, DefaultIntegrationTimeout)
		if err != nil {
			return authorization{}, err
		}
		switch {
		// The function's "Unauthorized" error is a 401 ("Configure an API
		// Gateway Lambda authorizer": the function returns an error named
		// Unauthorized to answer 401).
		case inv.Error != nil && inv.Error.Message == "Unauthorized":
			return refuse("UNAUTHORIZED", 401, "Unauthorized")
		// Any other failure, or an output that is not a policy, is a 500
		// (gateway response types AUTHORIZER_FAILURE and
		// AUTHORIZER_CONFIGURATION_ERROR; "Gateway response types for API
		// Gateway"). Which of the two API Gateway picks for a function
		// error is not documented; both are 500.
		case inv.Error != nil || inv.TimedOut:
			return refuse("AUTHORIZER_FAILURE", 500, "Internal server error")
		}
		if err := json.Unmarshal(inv.Payload, &result); err != nil || result.PrincipalID == "" || len(result.PolicyDocument.Statement) == 0 {
			return refuse("AUTHORIZER_CONFIGURATION_ERROR", 500, "Internal server error")
		}
		a.cachePolicy(id, token, result, ap["AuthorizerResultTtlInSeconds"])
	}
	if !allows(result.PolicyDocument, methodArn) {
		return refuse("ACCESS_DENIED", 403, "User is not authorized to access this resource")
	}
	identity := map[string]any{"principalId": result.PrincipalID}
	for k, v := range result.Context {
		identity[k] = v
	}
	return authorization{identity: identity}, nil
}

// functionOf is the Function an authorizer URI names (its Fn::GetAtt).
func (a *RestAPI) functionOf(uri any) *Function {
	return a.Functions[getAttArn(uri)]
}

func (a *RestAPI) cachedPolicy(id, token string) (authorizerResult, bool) {
	a.authMu.Lock()
	defer a.authMu.Unlock()
	e, ok := a.authCache.entries[id+"\x00"+token]
	if !ok || time.Now().After(e.expires) {
		return authorizerResult{}, false
	}
	return e.result, true
}

// cachePolicy keeps result for the authorizer's TTL: 300 s when the
// template sets none, nothing when it sets 0
// (AWS::ApiGateway::Authorizer AuthorizerResultTtlInSeconds).
func (a *RestAPI) cachePolicy(id, token string, result authorizerResult, ttl any) {
	secs := 300.0
	if v, ok := ttl.(float64); ok {
		secs = v
	}
	if secs <= 0 {
		return
	}
	a.authMu.Lock()
	defer a.authMu.Unlock()
	if a.authCache.entries == nil {
		a.authCache.entries = map[string]cachedPolicy{}
	}
	a.authCache.entries[id+"\x00"+token] = cachedPolicy{result: result, expires: time.Now().Add(time.Duration(secs * float64(time.Second)))}
}

// allows evaluates an authorizer's policy for execute-api:Invoke on arn as
// IAM does: an explicit Deny wins, else an Allow must match ("Policy
// evaluation logic", IAM user guide). Resources and actions match with "*"
// (any run of characters, "/" included) and "?" (one character) ("IAM JSON
// policy elements: Resource"; "Control access to an API with IAM
// permissions" for the execute-api ARN format).
func allows(doc policyDocument, arn string) bool {
	allowed := false
	for _, st := range doc.Statement {
		if !anyMatch(st.Action, "execute-api:Invoke") || !anyMatch(st.Resource, arn) {
			continue
		}
		switch st.Effect {
		case "Deny":
			return false
		case "Allow":
			allowed = true
		}
	}
	return allowed
}

func anyMatch(patterns []string, s string) bool {
	for _, p := range patterns {
		if WildcardMatch(p, s) {
			return true
		}
	}
	return false
}

// WildcardMatch matches s against an IAM pattern: "*" is any run of
// characters and "?" any one; everything else, case included, is literal.
func WildcardMatch(pattern, s string) bool {
	var b strings.Builder
	b.WriteString("^")
	for _, r := range pattern {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile("(?s)" + b.String()).MatchString(s)
}
