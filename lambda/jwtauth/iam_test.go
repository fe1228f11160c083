package main

// An evaluator of the authorizer's policies, written apart from the
// handler, that decides as API Gateway does whether a cached policy lets a
// request through.
//
// API Gateway developer guide, "Control access to an API with IAM
// permissions" ("Resource format of permissions for executing API in API
// Gateway"): the resource of execute-api:Invoke is
// arn:partition:execute-api:region:account-id:api-id/stage-name/HTTP-VERB/resource-path,
// where "*" stands for any stage, verb or path, so ".../prod/*/*" is every
// method of the stage; the IAM user guide ("IAM JSON policy elements:
// Resource") matches "*" with any run of characters, "/" included, and "?"
// with any one character, case-sensitively. A Lambda authorizer's policy
// is evaluated as an IAM policy ("Output from an API Gateway Lambda
// authorizer"): an explicit Deny wins, and without an Allow that matches,
// the request is refused with 403 (IAM user guide, "Policy evaluation
// logic").

import (
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// globMatch matches s against an IAM pattern, by dynamic programming over
// the runes: m[j] says whether the pattern so far matches s[:j].
func globMatch(pattern, s string) bool {
	r := []rune(s)
	m := make([]bool, len(r)+1)
	m[0] = true
	for _, c := range pattern {
		next := make([]bool, len(r)+1)
		for j := 0; j <= len(r); j++ {
			switch c {
			case '*':
				next[j] = m[j] || (j > 0 && next[j-1])
			case '?':
				next[j] = j > 0 && m[j-1]
			default:
				next[j] = j > 0 && m[j-1] && r[j-1] == c
			}
		}
		m = next
	}
	return m[len(r)]
}

// invokeArn is the resource of a request to the tests' stage.
func invokeArn(method, path string) string { return stageArn + "/" + method + path }

// decide is API Gateway's answer to a request under an authorizer's
// policy: "Allow", or "Deny" (an explicit Deny, or no Allow).
func decide(resp events.APIGatewayCustomAuthorizerResponse, method, path string) string {
	arn := invokeArn(method, path)
	allowed := false
	for _, st := range resp.PolicyDocument.Statement {
		if !anyGlob(st.Action, "execute-api:Invoke") || !anyGlob(st.Resource, arn) {
			continue
		}
		switch st.Effect {
		case "Deny":
			return "Deny"
		case "Allow":
			allowed = true
		}
	}
	if allowed {
		return "Allow"
	}
	return "Deny"
}

func anyGlob(patterns []string, s string) bool {
	for _, p := range patterns {
		if globMatch(p, s) {
			return true
		}
	}
	return false
}

func TestTheEvaluatorMatchesAsIAMDoes(t *testing.T) {
	for _, c := range []struct {
		pattern, s string
		want       bool
	}{
		{stageArn + "/*/*", invokeArn("DELETE", "/users/bob/deep"), true}, // * spans /
		{stageArn + "/GET/*", invokeArn("GET", "/"), true},                // * is any run, the empty one too
		{stageArn + "/GET/*", invokeArn("POST", "/x"), false},
		{stageArn + "/POST/users/bob", invokeArn("POST", "/users/bob"), true},
		{stageArn + "/POST/users/bob", invokeArn("POST", "/users/bobby"), false},
		{stageArn + "/POST/users/bob", invokeArn("POST", "/users/Bob"), false}, // case-sensitive
		{stageArn + "/POST/users/?", invokeArn("POST", "/users/b"), true},      // ? is one character
		{stageArn + "/POST/users/?", invokeArn("POST", "/users/bo"), false},
		{stageArn + "/POST/users/*", invokeArn("POST", "/users/alice/admin"), true},
		{"arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/test/*/*", invokeArn("GET", "/"), false}, // another stage
		{"execute-api:*", "execute-api:Invoke", true},
	} {
		if got := globMatch(c.pattern, c.s); got != c.want {
			t.Errorf("globMatch(%q, %q) = %v", c.pattern, c.s, got)
		}
	}
	deny := events.APIGatewayCustomAuthorizerResponse{PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{Statement: []events.IAMPolicyStatement{
		{Action: []string{"execute-api:Invoke"}, Effect: "Allow", Resource: []string{stageArn + "/*/*"}},
		{Action: []string{"execute-api:Invoke"}, Effect: "Deny", Resource: []string{stageArn + "/DELETE/*"}},
	}}}
	if decide(deny, "GET", "/x") != "Allow" || decide(deny, "DELETE", "/x") != "Deny" {
		t.Error("an explicit Deny must win, and only where it matches")
	}
	if decide(events.APIGatewayCustomAuthorizerResponse{}, "GET", "/") != "Deny" {
		t.Error("no statement must deny")
	}
}
