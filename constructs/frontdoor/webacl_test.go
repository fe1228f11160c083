package frontdoor_test

import (
	"encoding/json"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/blueprints-cdk/blueprints/assertions"
)

// edgeACL is the properties of the stack's CLOUDFRONT-scope web ACL.
func edgeACL(t *testing.T, r *assertions.Result) map[string]any {
	t.Helper()
	return assertions.OnlyProperties(t, r, "AWS::WAFv2::WebACL", map[string]any{"Scope": "CLOUDFRONT"})
}

// rule is the web ACL's rule of that name.
func rule(t *testing.T, acl map[string]any, name string) map[string]any {
	t.Helper()
	for _, r := range acl["Rules"].([]any) {
		if r := r.(map[string]any); r["Name"] == name {
			return r
		}
	}
	t.Fatalf("no rule %s in %s", name, assertions.JSON(acl["Rules"]))
	return nil
}

// publishedRule is a rule of an AWS managed rule group as the AWS WAF
// Developer Guide lists it (testdata/aws-managed-rule-groups.json).
type publishedRule struct{ Name, Label, Action string }

func publishedGroups(t *testing.T) map[string][]publishedRule {
	t.Helper()
	b, err := os.ReadFile("testdata/aws-managed-rule-groups.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Groups map[string]struct{ Rules []publishedRule } `json:"groups"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	out := map[string][]publishedRule{}
	for g, v := range f.Groups {
		out[g] = v.Rules
	}
	return out
}

// labelKeys are the labels a statement matches: one label match, or an OR of them.
func labelKeys(t *testing.T, statement map[string]any) []string {
	t.Helper()
	statements := []any{statement}
	if or, ok := statement["OrStatement"].(map[string]any); ok {
		statements = or["Statements"].([]any)
	}
	var keys []string
	for _, s := range statements {
		m, ok := s.(map[string]any)["LabelMatchStatement"].(map[string]any)
		if !ok || m["Scope"] != "LABEL" {
			t.Fatalf("want label matches, got %s", assertions.JSON(s))
		}
		keys = append(keys, m["Key"].(string))
	}
	sort.Strings(keys)
	return keys
}

// The managed groups' blocking rules are counted, and a rule of ours right
// after each group blocks on their labels; names and labels must be those
// AWS publishes: WAF silently ignores an override that names no rule, and a
// label match that names no label never matches.
func TestManagedRuleOverridesAndLabelsAreThoseAWSPublishes(t *testing.T) {
	published := publishedGroups(t)
	counted := []string{"awswaf:managed:aws:core-rule-set:NoUserAgent_Header", "awswaf:managed:aws:core-rule-set:SizeRestrictions_Body"}
	for _, r := range []*assertions.Result{header(t), apiKey(t)} {
		acl := edgeACL(t, r)
		groups := 0
		for _, gr := range acl["Rules"].([]any) {
			gr := gr.(map[string]any)
			stmt, ok := gr["Statement"].(map[string]any)["ManagedRuleGroupStatement"].(map[string]any)
			if !ok {
				continue
			}
			groups++
			name := stmt["Name"].(string)
			rules, ok := published[name]
			if !ok || stmt["VendorName"] != "AWS" {
				t.Fatalf("%s: group %s is not in the published lists", r.ID, name)
			}
			if assertions.JSON(gr["OverrideAction"]) != `{"None":{}}` {
				t.Errorf("%s: %s must keep its rules' actions: %v", r.ID, name, gr["OverrideAction"])
			}
			// Every rule that blocks by default is counted, and only those.
			var overridden, wantOverridden, wantLabels []string
			for _, o := range stmt["RuleActionOverrides"].([]any) {
				o := o.(map[string]any)
				overridden = append(overridden, o["Name"].(string))
				if assertions.JSON(o["ActionToUse"]) != `{"Count":{}}` {
					t.Errorf("%s: %s/%s overridden to %s, want Count", r.ID, name, o["Name"], assertions.JSON(o["ActionToUse"]))
				}
			}
			for _, p := range rules {
				if p.Action == "Block" {
					wantOverridden = append(wantOverridden, p.Name)
					if !slices.Contains(counted, p.Label) {
						wantLabels = append(wantLabels, p.Label)
					}
				}
			}
			sort.Strings(overridden)
			sort.Strings(wantOverridden)
			sort.Strings(wantLabels)
			if !slices.Equal(overridden, wantOverridden) {
				t.Errorf("%s: %s overrides %v, want the published blocking rules %v", r.ID, name, overridden, wantOverridden)
			}
			// Our rule blocks on exactly their labels, and runs after the group.
			block := rule(t, acl, name+"-Block")
			if got := labelKeys(t, block["Statement"].(map[string]any)); !slices.Equal(got, wantLabels) {
				t.Errorf("%s: %s-Block matches %v, want the published labels %v", r.ID, name, got, wantLabels)
			}
			if block["Priority"].(float64) != gr["Priority"].(float64)+1 {
				t.Errorf("%s: %s-Block must run right after the group to see its labels", r.ID, name)
			}
		}
		if groups != 3 {
			t.Errorf("%s: want 3 managed groups, got %d", r.ID, groups)
		}
	}
}

// API clients often send no User-Agent: the CommonRuleSet's
// NoUserAgent_HEADER only counts, and nothing blocks on its label.
func TestAMissingUserAgentIsCountedNotBlocked(t *testing.T) {
	acl := edgeACL(t, header(t))
	crs := assertions.JSON(rule(t, acl, "AWSManagedRulesCommonRuleSet"))
	if !strings.Contains(crs, `{"ActionToUse":{"Count":{}},"Name":"NoUserAgent_HEADER"}`) {
		t.Errorf("NoUserAgent_HEADER is not counted: %s", crs)
	}
	for _, r := range acl["Rules"].([]any) {
		if strings.Contains(assertions.JSON(r.(map[string]any)["Statement"]), "NoUserAgent_Header") {
			t.Errorf("rule %s matches the NoUserAgent label", r.(map[string]any)["Name"])
		}
	}
}

// Every block at the edge answers JSON: ours directly, the managed rules'
// through our label rules (the test above shows none blocks by itself).
func TestEveryEdgeBlockAnswersJSON(t *testing.T) {
	for _, r := range []*assertions.Result{header(t), apiKey(t)} {
		acl := edgeACL(t, r)
		bodies := acl["CustomResponseBodies"].(map[string]any)
		codes := map[string]float64{}
		for _, ru := range acl["Rules"].([]any) {
			ru := ru.(map[string]any)
			action, _ := ru["Action"].(map[string]any)
			blk, ok := action["Block"].(map[string]any)
			if !ok {
				continue
			}
			resp, _ := blk["CustomResponse"].(map[string]any)
			key, _ := resp["CustomResponseBodyKey"].(string)
			body, _ := bodies[key].(map[string]any)
			if body == nil || body["ContentType"] != "APPLICATION_JSON" || !json.Valid([]byte(body["Content"].(string))) {
				t.Errorf("%s: rule %s blocks without a JSON body: %s", r.ID, ru["Name"], assertions.JSON(blk))
				continue
			}
			codes[ru["Name"].(string)] = resp["ResponseCode"].(float64)
		}
		want := map[string]float64{
			"RateLimitPerViewerIp": 429, "MaxBodySize": 413, "AWSManagedRulesAmazonIpReputationList-Block": 403,
			"AWSManagedRulesCommonRuleSet-Block": 403, "AWSManagedRulesKnownBadInputsRuleSet-Block": 403,
		}
		if assertions.JSON(codes) != assertions.JSON(want) {
			t.Errorf("%s: blocking rules and codes %v, want %v", r.ID, codes, want)
		}
		if assertions.JSON(acl["DefaultAction"]) != `{"Allow":{}}` {
			t.Errorf("%s: default action %v", r.ID, acl["DefaultAction"])
		}
	}
}

// The body rule blocks bodies over MaxBodyBytes, and those over the
// inspection limit, which is the smallest that covers MaxBodyBytes.
func TestTheBodyRuleEnforcesMaxBodyBytesInsideTheInspectionLimit(t *testing.T) {
	for r, want := range map[*assertions.Result]struct {
		size  float64
		limit string
	}{header(t): {8192, "KB_16"}, apiKey(t): {20000, "KB_32"}} {
		acl := edgeACL(t, r)
		size := rule(t, acl, "MaxBodySize")["Statement"].(map[string]any)["SizeConstraintStatement"].(map[string]any)
		wantSize := map[string]any{
			"ComparisonOperator": "GT", "FieldToMatch": map[string]any{"Body": map[string]any{"OversizeHandling": "MATCH"}},
			"Size": want.size, "TextTransformations": []any{map[string]any{"Priority": 0.0, "Type": "NONE"}},
		}
		if assertions.JSON(size) != assertions.JSON(wantSize) {
			t.Errorf("%s: size rule %s, want %s", r.ID, assertions.JSON(size), assertions.JSON(wantSize))
		}
		if got := assertions.JSON(acl["AssociationConfig"]); got != `{"RequestBody":{"CLOUDFRONT":{"DefaultSizeInspectionLimit":"`+want.limit+`"}}}` {
			t.Errorf("%s: association config %s, want %s", r.ID, got, want.limit)
		}
	}
}
