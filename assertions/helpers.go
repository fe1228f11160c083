package assertions

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	cdkassertions "github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// jsiiCheck turns the panic an awscdk assertion raises into a test failure
// with the assertion's own message.
func jsiiCheck(t testing.TB, what string, f func()) {
	t.Helper()
	defer func() {
		if p := recover(); p != nil {
			t.Errorf("%s: %v", what, p)
		}
	}()
	f()
}

// HasResourceProperties fails unless some resource of the type has properties
// matching props (a partial match, see awscdk assertions' Match).
func HasResourceProperties(t testing.TB, r *Result, typ string, props any) {
	t.Helper()
	jsiiCheck(t, "HasResourceProperties "+typ, func() { r.Template.HasResourceProperties(jsii.String(typ), props) })
}

// HasResource is HasResourceProperties on the whole resource (DeletionPolicy, DependsOn…).
func HasResource(t testing.TB, r *Result, typ string, props any) {
	t.Helper()
	jsiiCheck(t, "HasResource "+typ, func() { r.Template.HasResource(jsii.String(typ), props) })
}

// ResourceCountIs fails unless the template has exactly n resources of the type.
func ResourceCountIs(t testing.TB, r *Result, typ string, n int) {
	t.Helper()
	jsiiCheck(t, fmt.Sprintf("ResourceCountIs %s %d", typ, n), func() { r.Template.ResourceCountIs(jsii.String(typ), jsii.Number(n)) })
}

// HasOutput fails unless an output whose logical id matches id (or "*") has
// the given partial shape.
func HasOutput(t testing.TB, r *Result, id string, props any) {
	t.Helper()
	jsiiCheck(t, "HasOutput "+id, func() { r.Template.HasOutput(jsii.String(id), props) })
}

// Find returns the resources of the type, by logical id, read from the parsed
// template; props, if not nil, must be a subset of a resource's Properties.
func Find(r *Result, typ string, props map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	resources, _ := r.JSON["Resources"].(map[string]any)
	for id, res := range resources {
		res, _ := res.(map[string]any)
		if res["Type"] != typ {
			continue
		}
		if p, _ := res["Properties"].(map[string]any); props == nil || subset(props, p) {
			out[id] = res
		}
	}
	return out
}

// OnlyProperties returns the Properties of the only resource of type typ
// whose Properties contain props. It fails the test unless exactly one
// resource matches.
func OnlyProperties(t testing.TB, r *Result, typ string, props map[string]any) map[string]any {
	t.Helper()
	found := Find(r, typ, props)
	if len(found) != 1 {
		t.Fatalf("want exactly one %s matching %v, found %d", typ, props, len(found))
	}
	for _, res := range found {
		p, _ := res["Properties"].(map[string]any)
		return p
	}
	return nil
}

// subset reports whether every key of want is in got with a value that is
// itself a subset (maps) or equal (everything else).
func subset(want, got any) bool {
	if w, ok := want.(map[string]any); ok {
		g, ok := got.(map[string]any)
		if !ok {
			return false
		}
		for k, wv := range w {
			if !subset(wv, g[k]) {
				return false
			}
		}
		return true
	}
	return jsonEqual(want, got)
}

// Capture is awscdk's Capture, re-exported so tests import one package.
func Capture() cdkassertions.Capture { return cdkassertions.NewCapture(nil) }

// Match is awscdk's Match helpers: ObjectLike, ArrayWith, Absent, …
var (
	ObjectLike = func(v map[string]any) cdkassertions.Matcher { return cdkassertions.Match_ObjectLike(&v) }
	ArrayWith  = func(v ...any) cdkassertions.Matcher { return cdkassertions.Match_ArrayWith(&v) }
	Exact      = func(v any) cdkassertions.Matcher { return cdkassertions.Match_Exact(v) }
	Absent     = cdkassertions.Match_Absent
	AnyValue   = cdkassertions.Match_AnyValue
)

// OnlyLogicalID returns the logical id of the only resource of type typ
// whose Properties contain props. It fails the test unless exactly one
// resource matches.
func OnlyLogicalID(t testing.TB, r *Result, typ string, props map[string]any) string {
	t.Helper()
	found := Find(r, typ, props)
	if len(found) != 1 {
		t.Fatalf("want exactly one %s matching %v, found %d", typ, props, len(found))
	}
	for id := range found {
		return id
	}
	return ""
}

// NagSuppressions returns the cdk-nag suppressions recorded in a resource's
// Metadata, as JSON, for tests that check a rule is suppressed with a reason.
func NagSuppressions(resource map[string]any) string {
	md, _ := resource["Metadata"].(map[string]any)
	b, _ := json.Marshal(md["cdk_nag"])
	return string(b)
}

// JSON is v as compact JSON, for comparing template fragments as text
// (without HTML escaping, so ">" stays ">"). It panics if v has no JSON form
// (a channel, a function, NaN): template fragments always have one, so that
// is a bug in the test.
func JSON(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(fmt.Sprintf("assertions.JSON(%#v): %v", v, err))
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// PanicsWith fails unless f panics with a message that contains every one
// of want: how constructs refuse contradictory props.
func PanicsWith(t testing.TB, f func(), want ...string) {
	t.Helper()
	msg := func() (msg string) {
		defer func() {
			if p := recover(); p != nil {
				msg = fmt.Sprint(p)
			}
		}()
		f()
		return "<no panic>"
	}()
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("want a panic that says %q, got %s", w, msg)
		}
	}
}

// LogicalID is the logical id of c's CloudFormation resource (c itself, or
// the default child of an L2 construct), as the stack that holds it
// allocated it: tests take ids from the constructs, not from descriptions.
func LogicalID(c constructs.IConstruct) string {
	el, ok := c.(awscdk.CfnElement)
	if !ok {
		el = c.Node().DefaultChild().(awscdk.CfnElement)
	}
	return *awscdk.Stack_Of(c).GetLogicalId(el)
}

// RoleStatements are the statements of every AWS::IAM::Policy that the
// template attaches to the role with this logical id, in template order of
// the policies' logical ids.
func RoleStatements(r *Result, role string) []map[string]any {
	var out []map[string]any
	policies := Find(r, "AWS::IAM::Policy", nil)
	ids := make([]string, 0, len(policies))
	for id := range policies {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		props, _ := policies[id]["Properties"].(map[string]any)
		if !strings.Contains(JSON(props["Roles"]), `"`+role+`"`) {
			continue
		}
		doc, _ := props["PolicyDocument"].(map[string]any)
		statements, _ := doc["Statement"].([]any)
		for _, st := range statements {
			if m, ok := st.(map[string]any); ok {
				out = append(out, m)
			}
		}
	}
	return out
}
