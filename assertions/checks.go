package assertions

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// Finding is one problem a check found, with where it is.
type Finding struct {
	Rule    string // the rule id, for example "AwsSolutions-IAM5" or "LP-ActionWildcard"
	Where   string // a construct path or a template path
	Message string
}

// String is the finding as a report line: the rule, where, and why.
func (f Finding) String() string { return fmt.Sprintf("%s at %s: %s", f.Rule, f.Where, f.Message) }

func report(t testing.TB, check string, findings []Finding) {
	t.Helper()
	for _, f := range findings {
		t.Errorf("%s: %s", check, f)
	}
}

// --- cdk-nag ---

// ruleID is the rule at the start of a cdk-nag message, such as
// "AwsSolutions-IAM4[Policy::…]: …" or "[ack: @aws-cdk/…]".
var ruleID = regexp.MustCompile(`^([A-Za-z]+-[A-Za-z0-9]+)[\[:]`)

// NagFindings returns every unsuppressed error and warning annotation on the
// stack: the AwsSolutions pack's findings, and CDK's own warnings, which a
// careful team does not ship either.
func NagFindings(r *Result) []Finding {
	var out []Finding
	for _, m := range r.Messages {
		if m.Level == "aws:cdk:info" {
			continue
		}
		rule := strings.TrimPrefix(m.Level, "aws:cdk:")
		if id := ruleID.FindStringSubmatch(m.Text); id != nil {
			rule = id[1]
		}
		out = append(out, Finding{Rule: rule, Where: m.Path, Message: m.Text})
	}
	sortFindings(out)
	return out
}

// Nag fails the test with every finding of NagFindings.
func Nag(t testing.TB, r *Result) {
	t.Helper()
	report(t, "cdk-nag", NagFindings(r))
}

// --- least privilege ---

// ResourceStarActions are the IAM actions that AWS supports only on Resource
// "*"; a statement made only of these may use it. Each says why.
var ResourceStarActions = map[string]string{
	"xray:PutTraceSegments":            "X-Ray has no resource-level permissions",
	"xray:PutTelemetryRecords":         "X-Ray has no resource-level permissions",
	"ecr:GetAuthorizationToken":        "the registry token is account-wide",
	"secretsmanager:GetRandomPassword": "the random generator has no resource; CDK's rotation-schedule grant adds it",
	"ec2:DescribeImages":               "EC2 Describe* calls have no resource-level permissions",
	"ec2:DescribeSubnets":              "EC2 Describe* calls have no resource-level permissions",
	"ec2:DescribeInstanceStatus":       "EC2 Describe* calls have no resource-level permissions",
	"ec2:DescribeInstances":            "EC2 Describe* calls have no resource-level permissions",
	"ec2:DescribeNetworkInterfaces":    "EC2 Describe* calls have no resource-level permissions",
	"ecs:DiscoverPollEndpoint":         "the ECS agent's endpoint discovery has no resource",
	"ssmmessages:CreateControlChannel": "Session Manager channels have no resource-level permissions",
	"ssmmessages:CreateDataChannel":    "Session Manager channels have no resource-level permissions",
	"ssmmessages:OpenControlChannel":   "Session Manager channels have no resource-level permissions",
	"ssmmessages:OpenDataChannel":      "Session Manager channels have no resource-level permissions",
	"ssm:UpdateInstanceInformation":    "the instance's own id is not known to the policy",
}

// AllowedManagedPolicies are the AWS-managed policies a role may carry, each
// with the reason no inline policy can replace it.
var AllowedManagedPolicies = map[string]string{
	// CDK's custom-resource providers (for example the one behind the
	// restrictDefaultSecurityGroup feature flag, which strips a new VPC's
	// default security group) carry it; it allows only writing logs.
	"service-role/AWSLambdaBasicExecutionRole": "CDK custom-resource providers; logs only",
}

var identityPolicyTypes = map[string]bool{
	"AWS::IAM::Policy": true, "AWS::IAM::ManagedPolicy": true, "AWS::IAM::Role": true,
	"AWS::IAM::User": true, "AWS::IAM::Group": true,
}

// LeastPrivilegeFindings checks every identity policy in the template:
//   - LP-ActionWildcard: an Allow of "*" or "service:*" (prefix wildcards such
//     as kms:GenerateDataKey*, which CDK's grants emit, are fine);
//   - LP-ResourceWildcard: an Allow on Resource "*" of any action that is not
//     in ResourceStarActions;
//   - LP-ManagedPolicy: an AWS-managed policy not in AllowedManagedPolicies.
func LeastPrivilegeFindings(r *Result) []Finding {
	var out []Finding
	resources, _ := r.JSON["Resources"].(map[string]any)
	for id, res := range resources {
		res, _ := res.(map[string]any)
		typ, _ := res["Type"].(string)
		if !identityPolicyTypes[typ] {
			continue
		}
		props, _ := res["Properties"].(map[string]any)
		if doc, ok := props["PolicyDocument"]; ok {
			out = append(out, statementFindings(id+".PolicyDocument", doc)...)
		}
		policies, _ := props["Policies"].([]any)
		for i, p := range policies {
			p, _ := p.(map[string]any)
			out = append(out, statementFindings(fmt.Sprintf("%s.Policies[%d].PolicyDocument", id, i), p["PolicyDocument"])...)
		}
		managed, _ := props["ManagedPolicyArns"].([]any)
		for _, arn := range managed {
			name := managedPolicyName(arn)
			if name == "" {
				continue // a customer-managed policy, checked where it is defined
			}
			if _, ok := AllowedManagedPolicies[name]; !ok {
				out = append(out, Finding{Rule: "LP-ManagedPolicy", Where: id, Message: "AWS-managed policy " + name +
					" is attached; write an inline least-privilege policy or add it to AllowedManagedPolicies with a reason"})
			}
		}
	}
	sortFindings(out)
	return out
}

func statementFindings(where string, doc any) []Finding {
	var out []Finding
	d, _ := doc.(map[string]any)
	for i, st := range asList(d["Statement"]) {
		st, _ := st.(map[string]any)
		if st["Effect"] != "Allow" {
			continue
		}
		at := fmt.Sprintf("%s.Statement[%d]", where, i)
		actions := asList(st["Action"])
		for _, a := range actions {
			if s, ok := a.(string); ok && (s == "*" || strings.HasSuffix(s, ":*")) {
				out = append(out, Finding{Rule: "LP-ActionWildcard", Where: at, Message: fmt.Sprintf("action %q allows a whole service", s)})
			}
		}
		for _, res := range asList(st["Resource"]) {
			if res != "*" {
				continue
			}
			for _, a := range actions {
				s, _ := a.(string)
				if _, ok := ResourceStarActions[s]; !ok {
					out = append(out, Finding{Rule: "LP-ResourceWildcard", Where: at, Message: fmt.Sprintf("action %q on Resource \"*\"", s)})
				}
			}
		}
	}
	return out
}

var awsManagedPolicy = regexp.MustCompile(`:iam::aws:policy/(.+)$`)

// managedPolicyName returns the name of an AWS-managed policy ARN, which CDK
// writes as a plain string or an Fn::Join over the partition.
func managedPolicyName(arn any) string {
	b, _ := json.Marshal(arn)
	flat := strings.NewReplacer(`"`, "", ",", "", "{Ref:AWS::Partition}", "", "[", "", "]", "", "{Fn::Join:", "", "}", "").Replace(string(b))
	if m := awsManagedPolicy.FindStringSubmatch(flat); m != nil {
		return m[1]
	}
	return ""
}

// LeastPrivilege fails the test with every finding of LeastPrivilegeFindings.
func LeastPrivilege(t testing.TB, r *Result) {
	t.Helper()
	report(t, "least privilege", LeastPrivilegeFindings(r))
}

// --- CloudFormation validation ---

// ValidationReport is the part of validation-report.json the kit reads.
type ValidationReport struct {
	PluginReports []ValidationPluginReport `json:"pluginReports"`
}

// ValidationPluginReport is one validation plugin's findings.
type ValidationPluginReport struct {
	PluginName string                `json:"pluginName"`
	Violations []ValidationViolation `json:"violations"`
}

// ValidationViolation is one rule broken, and where.
type ValidationViolation struct {
	RuleName           string `json:"ruleName"`
	Description        string `json:"description"`
	Severity           string `json:"severity"`
	ViolatingResources []struct {
		ConstructPath string `json:"constructPath"`
	} `json:"violatingConstructs"`
}

// CloudFormationValidatePlugin is the name CDK gives its built-in validator.
const CloudFormationValidatePlugin = "CloudFormation Validate"

func readValidationReport(dir string) (*ValidationReport, error) {
	var rep ValidationReport
	err := readJSON(filepath.Join(dir, "validation-report.json"), &rep)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return &rep, err
}

// ValidationFindings returns every violation, of any severity, that CDK's
// CloudFormation Validate plugin reported for the app.
func ValidationFindings(r *Result) []Finding {
	if r.Validation == nil {
		// A missing report means validation never ran: that is a failure, not a pass.
		return []Finding{{Rule: "NoValidationReport", Where: r.ID, Message: "the assembly has no validation-report.json; CloudFormation validation did not run"}}
	}
	var out []Finding
	for _, p := range r.Validation.PluginReports {
		if p.PluginName != CloudFormationValidatePlugin {
			continue
		}
		for _, v := range p.Violations {
			where := []string{}
			for _, res := range v.ViolatingResources {
				where = append(where, res.ConstructPath)
			}
			out = append(out, Finding{Rule: v.RuleName, Where: strings.Join(where, ", "), Message: v.Severity + ": " + v.Description})
		}
	}
	sortFindings(out)
	return out
}

// Validation fails the test with every finding of ValidationFindings.
func Validation(t testing.TB, r *Result) {
	t.Helper()
	report(t, "CloudFormation validation", ValidationFindings(r))
}

// Suite runs the checks every construct and stack test must pass: the
// snapshot, cdk-nag, least privilege, CloudFormation validation and the API
// Gateway checks.
func Suite(t *testing.T, r *Result) {
	t.Helper()
	t.Run("Snapshot", func(t *testing.T) { Snapshot(t, r) })
	t.Run("Nag", func(t *testing.T) { Nag(t, r) })
	t.Run("LeastPrivilege", func(t *testing.T) { LeastPrivilege(t, r) })
	t.Run("Validation", func(t *testing.T) { Validation(t, r) })
	t.Run("APIGateway", func(t *testing.T) { APIGateway(t, r) })
}

func asList(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	if v == nil {
		return nil
	}
	return []any{v}
}

func sortFindings(f []Finding) {
	sort.Slice(f, func(i, j int) bool { return f[i].String() < f[j].String() })
}
