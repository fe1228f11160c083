package local

import "testing"

// The policy evaluation the emulator applies to an authorizer's output:
// IAM's wildcards over execute-api ARNs, and an explicit Deny wins.
func TestAnAuthorizerPolicyIsEvaluatedAsIAMDoes(t *testing.T) {
	arn := func(route string) string { return MethodArnPrefix + route }
	user := policyDocument{Statement: []policyStatement{
		{Effect: "Allow", Action: stringOrList{"execute-api:Invoke"}, Resource: stringOrList{arn("GET/*"), arn("POST/users/bob")}},
	}}
	for route, want := range map[string]bool{
		"GET/comments/a/b": true, "GET/": true, "POST/users/bob": true,
		"POST/users/alice": false, "POST/users/bob/x": false, "DELETE/users/bob": false, "get/comments": false,
	} {
		if got := allows(user, arn(route)); got != want {
			t.Errorf("%s: %v, want %v", route, got, want)
		}
	}
	denied := policyDocument{Statement: append(user.Statement,
		policyStatement{Effect: "Deny", Action: stringOrList{"execute-api:*"}, Resource: stringOrList{arn("GET/secret?")}})}
	if allows(denied, arn("GET/secret1")) || !allows(denied, arn("GET/secret12")) {
		t.Error("an explicit Deny must win where it matches, and only there")
	}
	if allows(policyDocument{Statement: []policyStatement{{Effect: "Allow", Action: stringOrList{"s3:GetObject"}, Resource: stringOrList{"*"}}}},
		arn("GET/x")) {
		t.Error("an Allow of another action allows execute-api:Invoke")
	}
}
