// Package assertions is the shared test kit of Blueprints. Every construct and
// sample-stack test synthesizes its stack once through Synth (or Cached) and
// then runs:
//
//   - fine-grained assertions through the one-line helpers over awscdk's
//     assertions package (HasResourceProperties, ResourceCountIs, Find, …);
//   - Snapshot, a golden-file comparison that ignores asset-hash noise;
//   - Nag, the AwsSolutions cdk-nag pack (applied to every synthesis);
//   - LeastPrivilege, the project's IAM rules;
//   - Validation, the findings of CDK's CloudFormation Validate plugin.
//
// Each check has a Findings function that returns what it found, so the kit's
// own tests prove that every check fails when it should.
//
// The local harness (Velocity renderer, DynamoDB-API server) is in the
// sub-package local, which does not import the CDK so Lambda tests stay fast.
package assertions

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	cdkassertions "github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/blueprints-cdk/blueprints/internal/module"
)

// Result is one synthesized stack, shared by the tests of a package.
type Result struct {
	// ID is the stack's artifact id, which names its template and snapshot.
	ID string
	// Stack is the synthesized stack (nil when loaded by Load).
	Stack awscdk.Stack
	// Template is the stack's template for awscdk's assertions (nil when
	// loaded by Load).
	Template cdkassertions.Template
	// JSON is the same template, parsed.
	JSON map[string]any
	// Dir is the cloud assembly folder, kept only WithBundling or
	// KeepAssembly; the caller removes it.
	Dir string
	// Validation is the parsed validation-report.json, if CDK wrote one.
	Validation *ValidationReport
	// Messages are the annotations of the stack's constructs (cdk-nag findings
	// among them), read from the assembly manifest.
	Messages []Message
}

// Message is one annotation: an error, warning or info on a construct path.
type Message struct {
	Level string // "aws:cdk:error", "aws:cdk:warning" or "aws:cdk:info"
	Path  string
	Text  string
}

// Option changes how Synth builds the app.
type Option func(*config)

type config struct {
	bundle      bool
	keep        bool
	unvalidated bool
	context     map[string]any
}

// WithBundling builds the Lambda assets for real. Without it, CDK skips
// bundling (context aws:cdk:bundling-stacks = []), which keeps tests fast.
// The assembly folder is kept (Result.Dir), so tests can inspect the assets.
func WithBundling() Option { return func(c *config) { c.bundle, c.keep = true, true } }

// KeepAssembly keeps the cloud assembly folder (Result.Dir) for the test to
// inspect; the test removes it.
func KeepAssembly() Option { return func(c *config) { c.keep = true } }

// WithoutValidation skips CloudFormation validation, for a synthesis that
// only feeds a comparison (the "after" side of UpdateSafe). Its
// Result.Validation is nil, so Validation fails on it: it cannot stand in
// for a checked stack.
func WithoutValidation() Option { return func(c *config) { c.unvalidated = true } }

// WithContext sets one context value on top of cdk.json's.
func WithContext(key string, value any) Option {
	return func(c *config) { c.context[key] = value }
}

// NewApp is an App for a test that constructs stacks without synthesizing
// them (a construction error, an annotation): asset bundling is skipped, as
// in Synth, so that constructing a Go function builds no handler.
func NewApp() awscdk.App {
	return awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{"aws:cdk:bundling-stacks": []any{}}})
}

// Synth creates an App with the project's cdk.json context, lets build add
// one stack to it, applies the AwsSolutions cdk-nag pack, and synthesizes it
// into a temporary folder. Validation findings are written to the report
// instead of aborting synthesis, so that Validation can report them.
//
// CloudFormation validation is the slow part of a synth (its engine takes
// seconds to start in every test process), so its result is cached by the
// content of the synthesized templates and the CDK version (see
// validationCache): a template seen before is not validated again, as go
// test caches a test result. A new or changed template is synthesized a
// second time with the validation plugin, and the result stored.
func Synth(build func(app awscdk.App) awscdk.Stack, opts ...Option) (*Result, error) {
	cfg := &config{context: map[string]any{}}
	for _, o := range opts {
		o(cfg)
	}
	r, err := synth(build, cfg, false)
	if err != nil {
		return nil, err
	}
	if cfg.unvalidated {
		return r, removeUnkept(r, cfg)
	}
	key, err := validationKey(r.Dir)
	if err != nil {
		return nil, err
	}
	if rep, ok := readValidationCache(key); ok {
		r.Validation = rep
	} else {
		validated, err := synth(build, cfg, true)
		if err != nil {
			return nil, err
		}
		if k2, _ := validationKey(validated.Dir); k2 != key {
			return nil, fmt.Errorf("two syntheses of stack %s differ: the stack is not deterministic", r.ID)
		}
		r.Validation = validated.Validation
		if err := os.RemoveAll(validated.Dir); err != nil {
			return nil, fmt.Errorf("removing the validated assembly: %w", err)
		}
		if err := writeValidationCache(key, r.Validation); err != nil {
			return nil, fmt.Errorf("storing the validation result (BLUEPRINTS_VALIDATION_CACHE=off disables the cache): %w", err)
		}
	}
	return r, removeUnkept(r, cfg)
}

// removeUnkept removes the assembly folder unless the options keep it.
func removeUnkept(r *Result, cfg *config) error {
	if cfg.keep {
		return nil
	}
	if err := os.RemoveAll(r.Dir); err != nil {
		return fmt.Errorf("removing the assembly: %w", err)
	}
	r.Dir = ""
	return nil
}

// validationPlugin is CDK's CloudFormation Validate plugin, made once per
// process: each instance starts the engine anew. Registering it on an App
// replaces CDK's default instance; without it, CDK runs its default
// validation on every synth unless CDK_VALIDATION=false reached the jsii
// Node process, as `make test` arranges (the result is the same; only the
// time differs).
var validationPlugin = sync.OnceValue(func() awscdk.IPolicyValidationPlugin {
	return awscdk.NewCloudFormationValidatePlugin(nil)
})

// synth builds and synthesizes one App, with the validation plugin when
// validate is set, and loads its stack; the caller removes r.Dir.
func synth(build func(app awscdk.App) awscdk.Stack, cfg *config, validate bool) (*Result, error) {
	ctx, err := ProjectContext()
	if err != nil {
		return nil, err
	}
	ctx["@aws-cdk/core:failSynthOnValidationErrors"] = false
	if !cfg.bundle {
		ctx["aws:cdk:bundling-stacks"] = []any{}
	}
	for k, v := range cfg.context {
		ctx[k] = v
	}
	dir, err := os.MkdirTemp("", "blueprints-synth-")
	if err != nil {
		return nil, err
	}
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(dir), Context: &ctx})
	if validate {
		awscdk.Validations_Of(app).AddPlugins(validationPlugin())
	}
	stack := build(app)
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	app.Synth(nil)

	r, err := Load(dir, *stack.ArtifactId())
	if err != nil {
		return nil, err
	}
	r.Stack = stack
	r.Template = cdkassertions.Template_FromJSON(&r.JSON, &cdkassertions.TemplateParsingOptions{SkipCyclicalDependenciesCheck: jsii.Bool(true)})
	return r, nil
}

// Cached returns a function that synthesizes once, on first use, and hands
// every test of the package the same Result. Synthesis is the slow part of a
// CDK test, and jsii is not safe for concurrent use anyway.
func Cached(build func(app awscdk.App) awscdk.Stack, opts ...Option) func(t testing.TB) *Result {
	once := sync.OnceValues(func() (*Result, error) { return Synth(build, opts...) })
	return func(t testing.TB) *Result {
		t.Helper()
		r, err := once()
		if err != nil {
			t.Fatalf("synthesizing: %v", err)
		}
		return r
	}
}

// ProjectContext is the "context" object of the project's cdk.json: the
// feature flags every test must synthesize with, so tests see what
// `cdk synth` produces.
func ProjectContext() (map[string]any, error) {
	root, err := module.Root()
	if err != nil {
		return nil, err
	}
	var cdk struct {
		Context map[string]any `json:"context"`
	}
	if err := readJSON(filepath.Join(root, "cdk.json"), &cdk); err != nil {
		return nil, err
	}
	return cdk.Context, nil
}

// Load reads one stack of a synthesized cloud assembly: its template, its
// annotations and the app's validation report.
func Load(dir, artifactID string) (*Result, error) {
	r := &Result{ID: artifactID, Dir: dir}
	if err := readJSON(filepath.Join(dir, artifactID+".template.json"), &r.JSON); err != nil {
		return nil, err
	}
	var err error
	if r.Messages, err = readMessages(dir, artifactID); err != nil {
		return nil, err
	}
	if r.Validation, err = readValidationReport(dir); err != nil {
		return nil, err
	}
	return r, nil
}

// readMessages reads the stack's annotations from the assembly: from the
// manifest, and from the separate metadata file that CDK writes them to.
func readMessages(dir, artifactID string) ([]Message, error) {
	var out []Message
	err := readMetadata(dir, artifactID, func(path, typ string, data any) {
		switch typ {
		case "aws:cdk:error", "aws:cdk:warning", "aws:cdk:info":
			out = append(out, Message{Level: typ, Path: path, Text: fmt.Sprint(data)})
		}
	})
	return out, err
}

// readMetadata calls f for every metadata entry of the stack's constructs,
// from the manifest and from the separate file CDK may write them to.
func readMetadata(dir, artifactID string, f func(path, typ string, data any)) error {
	type entries map[string][]struct {
		Type string `json:"type"`
		Data any    `json:"data"`
	}
	var manifest struct {
		Artifacts map[string]struct {
			Metadata               entries `json:"metadata"`
			AdditionalMetadataFile string  `json:"additionalMetadataFile"`
		} `json:"artifacts"`
	}
	if err := readJSON(filepath.Join(dir, "manifest.json"), &manifest); err != nil {
		return err
	}
	art := manifest.Artifacts[artifactID]
	all := []entries{art.Metadata}
	if art.AdditionalMetadataFile != "" {
		var more entries
		if err := readJSON(filepath.Join(dir, art.AdditionalMetadataFile), &more); err != nil {
			return err
		}
		all = append(all, more)
	}
	for _, md := range all {
		for path, es := range md {
			for _, e := range es {
				f(path, e.Type, e.Data)
			}
		}
	}
	return nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
