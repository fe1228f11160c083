package assertions

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// ValidateAssembly returns what CDK's CloudFormation Validate plugin reports
// for the stacks of a cloud assembly that was synthesized without it
// (CDK_VALIDATION=false, as `make synth` runs the app), running the plugin
// on the templates as CDK would (the same stacks, account and region), or
// taking the result from the validation cache when the same templates were
// validated before by the same CDK version.
func ValidateAssembly(dir string) (*ValidationReport, error) {
	key, err := validationKey(dir)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte("assembly\x00" + key)) // apart from the tests' single-stack entries
	key = hex.EncodeToString(sum[:])
	if rep, ok := readValidationCache(key); ok && rep != nil {
		return rep, nil
	}
	stacks, err := assemblyStacks(dir)
	if err != nil {
		return nil, err
	}
	ctx := &assemblyContext{}
	paths := map[string]map[string]string{} // template path → logical ID → construct path
	for _, s := range stacks {
		path := filepath.Join(dir, s.TemplateFile)
		ctx.stacks = append(ctx.stacks, &awscdk.PolicyValidationStack{
			StackConstructPath: jsii.String(s.ConstructPath), TemplatePath: jsii.String(path),
			AccountId: s.Account, Region: s.Region,
		})
		paths[path] = map[string]string{}
		err := readMetadata(dir, s.ID, func(constructPath, typ string, data any) {
			if id, ok := data.(string); ok && typ == "aws:cdk:logicalId" {
				paths[path][id] = constructPath
			}
		})
		if err != nil {
			return nil, err
		}
	}
	out := validationPlugin().Validate(ctx)
	rep := &ValidationReport{PluginReports: []ValidationPluginReport{{PluginName: CloudFormationValidatePlugin}}}
	for _, v := range *out.Violations {
		violation := ValidationViolation{RuleName: *v.RuleName, Description: *v.Description, Severity: str(v.Severity)}
		for _, r := range *v.ViolatingResources {
			where := str(r.ConstructPath)
			if id := str(r.ResourceLogicalId); id != "" {
				where = paths[*r.TemplatePath][id]
				if where == "" {
					where = filepath.Base(*r.TemplatePath) + "/" + id
				}
			}
			violation.ViolatingResources = append(violation.ViolatingResources, struct {
				ConstructPath string `json:"constructPath"`
			}{where})
		}
		rep.PluginReports[0].Violations = append(rep.PluginReports[0].Violations, violation)
	}
	if err := writeValidationCache(key, rep); err != nil {
		return nil, fmt.Errorf("storing the validation result (BLUEPRINTS_VALIDATION_CACHE=off disables the cache): %w", err)
	}
	return rep, nil
}

// assemblyStack is one stack artifact of a cloud assembly's manifest.
type assemblyStack struct {
	ID, ConstructPath, TemplateFile string
	Account, Region                 *string
}

// assemblyStacks lists the stacks of the assembly's manifest, by ID, with
// the environment CDK gives the plugin (an unknown account or region is nil).
func assemblyStacks(dir string) ([]assemblyStack, error) {
	var manifest struct {
		Artifacts map[string]struct {
			Type        string `json:"type"`
			Environment string `json:"environment"`
			DisplayName string `json:"displayName"`
			Properties  struct {
				TemplateFile string `json:"templateFile"`
			} `json:"properties"`
		} `json:"artifacts"`
	}
	if err := readJSON(filepath.Join(dir, "manifest.json"), &manifest); err != nil {
		return nil, err
	}
	var out []assemblyStack
	for id, a := range manifest.Artifacts {
		if a.Type != "aws:cloudformation:stack" {
			continue
		}
		s := assemblyStack{ID: id, ConstructPath: a.DisplayName, TemplateFile: a.Properties.TemplateFile}
		account, region, _ := strings.Cut(strings.TrimPrefix(a.Environment, "aws://"), "/")
		if account != "" && account != "unknown-account" {
			s.Account = jsii.String(account)
		}
		if region != "" && region != "unknown-region" {
			s.Region = jsii.String(region)
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// assemblyContext is the IPolicyValidationContext CDK would give the
// plugin; the plugin reads only StackTemplates. What CDK passes (each
// stack's hierarchical ID, template path, and account and region unless
// unknown) is read from aws-cdk-lib 2.270.0, core/lib/private/
// synthesis-validation.js (invokeSinglePlugin) and core/lib/validation/
// cloudformation-validate-plugin.js (validate).
type assemblyContext struct {
	stacks []*awscdk.PolicyValidationStack
}

func (c *assemblyContext) StackTemplates() *[]*awscdk.PolicyValidationStack { return &c.stacks }

func (c *assemblyContext) TemplatePaths() *[]*string {
	var out []*string
	for _, s := range c.stacks {
		out = append(out, s.TemplatePath)
	}
	return &out
}

func (c *assemblyContext) AccountId() *string                  { return nil } //nolint:revive,staticcheck // the name awscdk.IPolicyValidationContext requires
func (c *assemblyContext) Region() *string                     { return nil }
func (c *assemblyContext) AppConstruct() constructs.IConstruct { return nil }
