package assertions_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/assertions"
	"github.com/blueprints-cdk/blueprints/internal/module"
	"github.com/blueprints-cdk/blueprints/internal/nag"
)

// badStack breaks each rule the kit checks, once.
var badStack = assertions.Cached(func(app awscdk.App) awscdk.Stack {
	stack := awscdk.NewStack(app, jsii.String("BadStack"), nil)
	role := awsiam.NewRole(stack, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy:       awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		ManagedPolicies: &[]awsiam.IManagedPolicy{awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("AmazonS3FullAccess"))},
	})
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings("s3:*"), Resources: jsii.Strings("arn:aws:s3:::bucket"),
	}))
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings("dynamodb:GetItem"), Resources: jsii.Strings("*"),
	}))
	// A bucket without SSL enforcement or access logs: cdk-nag errors.
	awss3.NewBucket(stack, jsii.String("Bucket"), nil)
	// A deprecated runtime, which CloudFormation validation reports.
	awslambda.NewCfnFunction(stack, jsii.String("OldRuntime"), &awslambda.CfnFunctionProps{
		Role:    role.RoleArn(),
		Runtime: jsii.String("provided.al2"),
		Handler: jsii.String("bootstrap"),
		Code:    &awslambda.CfnFunction_CodeProperty{ZipFile: jsii.String("x")},
	})
	// API Gateway: a gateway response written as Velocity, an integration
	// response without a method response, and a Lambda selection pattern
	// that matches a success.
	api := awsapigateway.NewCfnRestApi(stack, jsii.String("Api"), &awsapigateway.CfnRestApiProps{Name: jsii.String("bad")})
	awsapigateway.NewCfnGatewayResponse(stack, jsii.String("Velocity"), &awsapigateway.CfnGatewayResponseProps{
		RestApiId: api.Ref(), ResponseType: jsii.String("BAD_REQUEST_BODY"),
		ResponseTemplates: &map[string]*string{"application/json": jsii.String(`#if($x){"a":"$util.escapeJavaScript($x)"}#end`)},
	})
	awsapigateway.NewCfnMethod(stack, jsii.String("Get"), &awsapigateway.CfnMethodProps{
		RestApiId: api.Ref(), ResourceId: api.AttrRootResourceId(), HttpMethod: jsii.String("GET"), AuthorizationType: jsii.String("NONE"),
		Integration: &awsapigateway.CfnMethod_IntegrationProperty{
			Type: jsii.String("AWS"), IntegrationHttpMethod: jsii.String("POST"),
			Uri: jsii.String("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:111111111111:function:f/invocations"),
			IntegrationResponses: &[]any{
				&awsapigateway.CfnMethod_IntegrationResponseProperty{StatusCode: jsii.String("200")},
				&awsapigateway.CfnMethod_IntegrationResponseProperty{StatusCode: jsii.String("500"), SelectionPattern: jsii.String(".*")},
			},
		},
		MethodResponses: &[]any{&awsapigateway.CfnMethod_MethodResponseProperty{StatusCode: jsii.String("200")}},
	})
	return stack
})

func TestAPIGatewayChecksFindVelocityInGatewayResponsesMissingMethodResponsesAndPatternsThatCatchSuccesses(t *testing.T) {
	got := map[string]int{}
	for _, f := range assertions.APIGatewayFindings(badStack(t)) {
		got[f.Rule]++
	}
	want := map[string]int{"AG-GatewayResponseVelocity": 1, "AG-NoMethodResponse": 1, "AG-PatternMatchesSuccess": 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got findings %v, want %v", got, want)
	}
}

func TestLeastPrivilegeFailsOnWildcardsAndManagedPolicies(t *testing.T) {
	got := map[string][]string{}
	for _, f := range assertions.LeastPrivilegeFindings(badStack(t)) {
		got[f.Rule] = append(got[f.Rule], f.Message)
	}
	want := map[string]string{
		"LP-ActionWildcard":   `"s3:*"`,
		"LP-ResourceWildcard": `"dynamodb:GetItem"`,
		"LP-ManagedPolicy":    "AmazonS3FullAccess",
	}
	for rule, text := range want {
		if len(got[rule]) != 1 || !strings.Contains(got[rule][0], text) {
			t.Errorf("%s: want one finding about %s, got %q", rule, text, got[rule])
		}
	}
}

func TestNagReportsRuleIdPathAndMessage(t *testing.T) {
	findings := assertions.NagFindings(badStack(t))
	var s3 *assertions.Finding
	for i, f := range findings {
		if f.Rule == "AwsSolutions-S10" {
			s3 = &findings[i]
		}
	}
	if s3 == nil {
		t.Fatalf("want an AwsSolutions-S10 finding (bucket without SSL enforcement), got %v", findings)
	}
	if s3.Where != "/BadStack/Bucket/Resource" || !strings.Contains(s3.Message, "SSL") {
		t.Errorf("finding lacks its path or message: %+v", *s3)
	}
}

func TestValidationReportsDeprecatedRuntime(t *testing.T) {
	findings := assertions.ValidationFindings(badStack(t))
	if len(findings) == 0 {
		t.Fatal("want a CloudFormation validation finding for runtime provided.al2, got none")
	}
	joined := ""
	for _, f := range findings {
		joined += f.String() + "\n"
	}
	if !strings.Contains(joined, "OldRuntime") {
		t.Errorf("no finding names the OldRuntime function:\n%s", joined)
	}
}

// recorder is a testing.TB that records failures instead of failing, so the
// kit's checks can be tested for failing.
type recorder struct {
	testing.TB
	failures []string
}

type fatal struct{}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, a ...any) {
	r.failures = append(r.failures, fmt.Sprintf(format, a...))
}
func (r *recorder) Fatalf(format string, a ...any) {
	r.Errorf(format, a...)
	panic(fatal{})
}

// record runs check against a recorder and returns what it reported.
func record(t *testing.T, check func(tb testing.TB)) []string {
	r := &recorder{TB: t}
	func() {
		defer func() {
			if p := recover(); p != nil && p != (fatal{}) {
				panic(p)
			}
		}()
		check(r)
	}()
	return r.failures
}

func TestSnapshotFailsOnAChangedTemplateAndNamesThePath(t *testing.T) {
	r := badStack(t)
	t.Chdir(t.TempDir())
	t.Setenv(assertions.UpdateSnapshotsEnv, "1")
	if f := record(t, func(tb testing.TB) { assertions.Snapshot(tb, r) }); len(f) > 0 {
		t.Fatalf("writing the snapshot failed: %v", f)
	}
	t.Setenv(assertions.UpdateSnapshotsEnv, "")
	if f := record(t, func(tb testing.TB) { assertions.Snapshot(tb, r) }); len(f) > 0 {
		t.Fatalf("an unchanged template must match its snapshot: %v", f)
	}

	golden := filepath.Join("testdata", "BadStack.template.json")
	b, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(b), `"provided.al2"`, `"provided.al2023"`, 1)
	if changed == string(b) {
		t.Fatal("the golden file does not hold the runtime to change")
	}
	if err := os.WriteFile(golden, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	f := record(t, func(tb testing.TB) { assertions.Snapshot(tb, r) })
	if len(f) != 1 || !strings.Contains(f[0], `Resources.OldRuntime.Properties.Runtime: "provided.al2023" → "provided.al2"`) {
		t.Errorf("want one failure naming the changed path, got %q", f)
	}
}

func TestSnapshotFailsWithoutAGoldenFile(t *testing.T) {
	r := badStack(t)
	t.Chdir(t.TempDir())
	t.Setenv(assertions.UpdateSnapshotsEnv, "") // also under make snapshots
	f := record(t, func(tb testing.TB) { assertions.Snapshot(tb, r) })
	if len(f) != 1 || !strings.Contains(f[0], "make snapshots") {
		t.Errorf("want one failure that says to run make snapshots, got %q", f)
	}
}

func TestNormalizeIgnoresAssetHashesAndBootstrapNoise(t *testing.T) {
	hash := strings.Repeat("ab12", 16)
	tmpl := map[string]any{
		"Resources": map[string]any{
			"Fn": map[string]any{
				"Type":       "AWS::Lambda::Function",
				"Properties": map[string]any{"Code": map[string]any{"S3Key": hash + ".zip"}},
				"Metadata":   map[string]any{"aws:asset:path": "asset." + hash},
			},
			"CDKMetadata": map[string]any{"Type": "AWS::CDK::Metadata"},
		},
		"Parameters": map[string]any{"BootstrapVersion": map[string]any{}},
		"Rules":      map[string]any{"CheckBootstrapVersion": map[string]any{}},
	}
	want := map[string]any{
		"Resources": map[string]any{
			"Fn": map[string]any{
				"Type":       "AWS::Lambda::Function",
				"Properties": map[string]any{"Code": map[string]any{"S3Key": "<asset-hash>.zip"}},
				"Metadata":   map[string]any{"aws:asset:path": "asset.<asset-hash>"},
			},
		},
	}
	if d := assertions.Diff(want, assertions.Normalize(tmpl)); len(d) > 0 {
		t.Errorf("normalized template differs: %v", d)
	}
}

func TestSuppressRequiresAReason(t *testing.T) {
	defer func() {
		if p := recover(); p == nil || !strings.Contains(fmt.Sprint(p), "reason") {
			t.Errorf("want a panic that asks for a reason, got %v", p)
		}
	}()
	app := awscdk.NewApp(nil)
	nag.Suppress(awscdk.NewStack(app, jsii.String("S"), nil), "AwsSolutions-IAM5", "")
}

// `go test ./...` must never compile a staged asset: the cloud assembly
// goes to a dot folder, which the go command's ./... skips.
func TestTheCloudAssemblyIsOutsideGoPackagePatterns(t *testing.T) {
	root, err := module.Root()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "cdk.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct{ Output string }
	if err := json.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(cfg.Output, ".") || strings.Contains(cfg.Output, "/") {
		t.Errorf(`cdk.json "output" is %q: want a dot folder at the root, which ./... skips`, cfg.Output)
	}
}

// The diagram draws resources by construct path and type, folds a role's
// policy into dotted arrows, leaves CDK's plumbing out, and fails on a page
// whose block is stale (naming the lines that differ) or has no markers,
// until UPDATE_DIAGRAMS rewrites it.
func TestDiagramDrawsTheStackAndFailsWhenStale(t *testing.T) {
	r := badStack(t)
	got, err := assertions.Mermaid(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"flowchart LR\n", `subgraph g_Role["Role"]`, `Role1ABCC5F0["Role<br/><i>IAM::Role</i>"]`, `OldRuntime["OldRuntime<br/><i>Lambda::Function</i>"]`,
		"OldRuntime --> Role1ABCC5F0",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the diagram lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "DefaultPolicy") || strings.Contains(got, "CDKMetadata") {
		t.Errorf("the diagram draws plumbing:\n%s", got)
	}

	t.Chdir(t.TempDir())
	page := "# Page\n\n<!-- diagram:begin (generated by `make diagrams`; do not edit) -->\n<!-- diagram:end -->\n\nText.\n"
	if err := os.WriteFile("README.md", []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(assertions.UpdateDiagramsEnv, "")
	if f := record(t, func(tb testing.TB) { assertions.Diagram(tb, r, "README.md") }); len(f) != 1 || !strings.Contains(f[0], "make diagrams") ||
		!strings.Contains(f[0], "+   OldRuntime --> Role1ABCC5F0") {
		t.Errorf("a stale diagram: want one failure naming make diagrams and the missing lines, got %q", f)
	}
	t.Setenv(assertions.UpdateDiagramsEnv, "1")
	if f := record(t, func(tb testing.TB) { assertions.Diagram(tb, r, "README.md") }); len(f) > 0 {
		t.Fatalf("regenerating: %v", f)
	}
	t.Setenv(assertions.UpdateDiagramsEnv, "")
	if f := record(t, func(tb testing.TB) { assertions.Diagram(tb, r, "README.md") }); len(f) > 0 {
		t.Errorf("a regenerated diagram must match: %v", f)
	}
	b, _ := os.ReadFile("README.md")
	if !strings.HasPrefix(string(b), "# Page\n\n") || !strings.HasSuffix(string(b), "<!-- diagram:end -->\n\nText.\n") || !strings.Contains(string(b), got) {
		t.Errorf("the page around the block changed, or the block is not the diagram:\n%s", b)
	}
	if err := os.WriteFile("README.md", []byte("# No markers\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if f := record(t, func(tb testing.TB) { assertions.Diagram(tb, r, "README.md") }); len(f) != 1 || !strings.Contains(f[0], "no diagram markers") {
		t.Errorf("a page without markers: %q", f)
	}
}
