package assertions

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
)

// UpdateDiagramsEnv set to 1 makes Diagram rewrite the diagrams instead of
// comparing them (`make diagrams`).
const UpdateDiagramsEnv = "UPDATE_DIAGRAMS"

// Mermaid draws the stack as a Mermaid flowchart, from its synthesized
// template and its construct tree: one box per resource, labelled with its
// construct path below the stack and its type, grouped by the stack's
// top-level constructs; an arrow where a resource refers to another (Ref,
// Fn::GetAtt, Fn::Sub), and a dotted arrow where a role's policy names a
// resource ("may use"). Plumbing is left out (CDK's metadata, route tables,
// topic and queue policies, CDK's own custom-resource providers) or folded
// into the arrow it stands for: a Lambda permission into source → function,
// an invoke config into function → destination, a subscription into topic →
// endpoint, a policy into role ⇢ resource.
func Mermaid(r *Result) (string, error) {
	if r.Stack == nil {
		return "", fmt.Errorf("stack %s: Mermaid needs the construct tree (a Result of Synth)", r.ID)
	}
	paths := resourcePaths(r.Stack)
	resources, _ := r.JSON["Resources"].(map[string]any)
	kept := map[string]bool{}
	for id, res := range resources {
		if typ := resourceType(res); !plumbing(typ, paths[id]) && !folded[typ] {
			kept[id] = true
		}
	}
	edges := map[string]bool{}
	add := func(from, to, arrow string) {
		if kept[from] && kept[to] && from != to {
			edges[fmt.Sprintf("  %s %s %s", from, arrow, to)] = true
		}
	}
	for id, res := range resources {
		m, _ := res.(map[string]any)
		props, _ := m["Properties"].(map[string]any)
		switch resourceType(res) {
		case "AWS::IAM::Policy":
			for _, role := range refs(props["Roles"]) {
				for _, to := range refs(props["PolicyDocument"]) {
					add(role, to, "-.->")
				}
			}
		case "AWS::Lambda::Permission":
			for _, fn := range refs(props["FunctionName"]) {
				for _, from := range refs(props["SourceArn"]) {
					add(from, fn, "-->")
				}
			}
		case "AWS::Lambda::EventInvokeConfig":
			for _, fn := range refs(props["FunctionName"]) {
				for _, to := range refs(props["DestinationConfig"]) {
					add(fn, to, "-->")
				}
			}
		case "AWS::SNS::Subscription":
			for _, topic := range refs(props["TopicArn"]) {
				for _, to := range refs(props["Endpoint"]) {
					add(topic, to, "-->")
				}
			}
		default:
			for _, to := range refs(props) {
				add(id, to, "-->")
			}
		}
	}
	groups := map[string][]string{}
	for id := range kept {
		top, rest, _ := strings.Cut(paths[id], "/")
		if rest == "" {
			rest = top
		}
		groups[top] = append(groups[top], fmt.Sprintf("    %s[%q]", id, label(rest, resourceType(resources[id]))))
	}
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	for _, g := range sortedKeys(keys(groups)) {
		sort.Strings(groups[g])
		fmt.Fprintf(&b, "  subgraph %s[%q]\n%s\n  end\n", mermaidID(g), g, strings.Join(groups[g], "\n"))
	}
	lines := sortedKeys(edges)
	b.WriteString(strings.Join(lines, "\n"))
	b.WriteString("\n")
	return b.String(), nil
}

// folded are the types drawn as the arrow they stand for, not as boxes.
var folded = map[string]bool{
	"AWS::IAM::Policy": true, "AWS::Lambda::Permission": true, "AWS::Lambda::EventInvokeConfig": true, "AWS::SNS::Subscription": true,
}

// plumbing are resources a reader of the architecture does not need.
func plumbing(typ, path string) bool {
	switch typ {
	case "AWS::CDK::Metadata", "AWS::EC2::RouteTable", "AWS::EC2::SubnetRouteTableAssociation", "AWS::EC2::Route",
		"AWS::EC2::VPCGatewayAttachment", "AWS::SNS::TopicPolicy", "AWS::SQS::QueuePolicy", "AWS::IAM::InstanceProfile":
		return true
	}
	return path == "" || cdkCustomResources[typ] || strings.Contains(path, "Custom::") || strings.Contains(path, "LogRetention")
}

// cdkCustomResources are the custom resources aws-cdk-lib adds on its own,
// for a feature flag or a helper prop, not the construct's architecture.
var cdkCustomResources = map[string]bool{
	"Custom::VpcRestrictDefaultSG": true, "Custom::LogRetention": true, "Custom::S3AutoDeleteObjects": true,
	"Custom::CrossRegionExportWriter": true, "Custom::CrossRegionExportReader": true, "Custom::AWS": true,
}

// resourcePaths maps each resource's logical id to its construct path below
// the stack, without the trailing "Resource" or "Default" of an L2's
// CloudFormation resource.
func resourcePaths(stack awscdk.Stack) map[string]string {
	out := map[string]string{}
	prefix := *stack.Node().Path() + "/"
	for _, c := range *stack.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		if !*awscdk.CfnResource_IsCfnResource(c) {
			continue
		}
		el, ok := c.(awscdk.CfnElement)
		if !ok || *awscdk.Stack_Of(c).Node().Path() != *stack.Node().Path() {
			continue
		}
		p := strings.TrimPrefix(*c.Node().Path(), prefix)
		p = strings.TrimSuffix(strings.TrimSuffix(p, "/Resource"), "/Default")
		out[*stack.GetLogicalId(el)] = p
	}
	return out
}

func resourceType(res any) string {
	m, _ := res.(map[string]any)
	t, _ := m["Type"].(string)
	return t
}

// label is a box's text: its path and its type without the AWS:: prefix.
func label(path, typ string) string {
	return path + "<br/><i>" + strings.TrimPrefix(typ, "AWS::") + "</i>"
}

var subRef = regexp.MustCompile(`\$\{([A-Za-z0-9]+)[.}]`)

// refs are the logical ids v refers to, through Ref, Fn::GetAtt or Fn::Sub.
func refs(v any) []string {
	found := map[string]bool{}
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				switch k {
				case "Ref":
					if s, ok := e.(string); ok {
						found[s] = true
					}
				case "Fn::GetAtt":
					if a, ok := e.([]any); ok && len(a) > 0 {
						if s, ok := a[0].(string); ok {
							found[s] = true
						}
					}
				case "Fn::Sub":
					s, _ := e.(string)
					if a, ok := e.([]any); ok && len(a) > 0 {
						s, _ = a[0].(string)
					}
					for _, m := range subRef.FindAllStringSubmatch(s, -1) {
						found[m[1]] = true
					}
				}
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return sortedKeys(found)
}

func keys[V any](m map[string]V) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		out[k] = true
	}
	return out
}

var nonID = regexp.MustCompile(`[^A-Za-z0-9_]`)

func mermaidID(s string) string { return "g_" + nonID.ReplaceAllString(s, "_") }

// Diagram keeps the Mermaid block of the page at path (a README.md of the
// calling package) equal to Mermaid(r): DiagramBlock with the name
// "diagram".
func Diagram(t testing.TB, r *Result, path string) { t.Helper(); DiagramBlock(t, r, path, "diagram") }

// DiagramBlock keeps the named generated block of the page at path equal
// to Mermaid(r), in a mermaid code block (see GeneratedBlock).
func DiagramBlock(t testing.TB, r *Result, path, name string) {
	t.Helper()
	m, err := Mermaid(r)
	if err != nil {
		t.Fatal(err)
	}
	GeneratedBlock(t, path, name, "```mermaid\n"+m+"```\n")
}

// GeneratedBlock keeps the block of the page at path between the lines
// "<!-- name:begin (generated by `make diagrams`; do not edit) -->" and
// "<!-- name:end -->" equal to content: it fails, naming the lines that
// differ, when the page was not regenerated after what it shows changed,
// or rewrites the block when UPDATE_DIAGRAMS=1 (`make diagrams`). The page
// must have the markers.
func GeneratedBlock(t testing.TB, path, name, content string) {
	t.Helper()
	begin, end := "<!-- "+name+":begin (generated by `make diagrams`; do not edit) -->", "<!-- "+name+":end -->"
	page, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b, e := bytes.Index(page, []byte(begin)), bytes.Index(page, []byte(end))
	if b < 0 || e < b {
		t.Fatalf("%s has no %s markers: add the lines\n%s\n%s", path, name, begin, end)
	}
	block := begin + "\n" + content
	if string(page[b:e]) == block {
		return
	}
	if os.Getenv(UpdateDiagramsEnv) == "1" {
		updated := append(append(append([]byte{}, page[:b]...), block...), page[e:]...)
		if err := os.WriteFile(path, updated, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("the %s in %s is out of date: run `make diagrams` and review the diff\n%s", name, path, strings.Join(lineDiff(string(page[b:e]), block), "\n"))
}

// lineDiff lists the lines only one side has, marked - (the page) and +
// (the stack).
func lineDiff(got, want string) []string {
	g, w := map[string]bool{}, map[string]bool{}
	for _, l := range strings.Split(got, "\n") {
		g[l] = true
	}
	for _, l := range strings.Split(want, "\n") {
		w[l] = true
	}
	var out []string
	for _, l := range sortedKeys(g) {
		if !w[l] {
			out = append(out, "- "+l)
		}
	}
	for _, l := range sortedKeys(w) {
		if !g[l] {
			out = append(out, "+ "+l)
		}
	}
	return out
}
