// Command checkassembly runs the kit's checks (cdk-nag, least privilege,
// CloudFormation validation, API Gateway) on every stack of a synthesized cloud assembly,
// so that `make synth` fails on a finding of any severity, as the tests do.
//
// Usage: go run ./assertions/cmd/checkassembly [-validate] .cdk.out
//
// With -validate (the app was synthesized with CDK_VALIDATION=false, as
// `make synth` runs it), it validates the templates itself with CDK's
// plugin, or takes the result from the validation cache when the same
// templates were validated before (assertions.ValidateAssembly), and
// ignores any validation-report.json an earlier synth left.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/blueprints-cdk/blueprints/assertions"
)

func main() {
	validate := flag.Bool("validate", false, "validate the templates (the app ran with CDK_VALIDATION=false)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: checkassembly [-validate] CLOUD_ASSEMBLY_DIR")
		os.Exit(2)
	}
	n, err := check(flag.Arg(0), *validate)
	if err != nil {
		fmt.Fprintln(os.Stderr, "checkassembly:", err)
		os.Exit(2)
	}
	if n > 0 {
		fmt.Fprintf(os.Stderr, "checkassembly: %d finding(s)\n", n)
		os.Exit(1)
	}
}

// check prints every finding of every stack in dir and returns how many
// there were; with validate, the validation report is made here.
func check(dir string, validate bool) (int, error) {
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return 0, err
	}
	var manifest struct {
		Artifacts map[string]struct {
			Type string `json:"type"`
		} `json:"artifacts"`
	}
	if err := json.Unmarshal(b, &manifest); err != nil {
		return 0, err
	}
	var stacks []string
	for id, a := range manifest.Artifacts {
		if a.Type == "aws:cloudformation:stack" {
			stacks = append(stacks, id)
		}
	}
	sort.Strings(stacks)
	n := 0
	for i, id := range stacks {
		r, err := assertions.Load(dir, id)
		if err != nil {
			return n, err
		}
		findings := append(assertions.NagFindings(r), assertions.LeastPrivilegeFindings(r)...)
		findings = append(findings, assertions.APIGatewayFindings(r)...)
		if i == 0 { // the validation report covers the whole app
			if validate {
				if r.Validation, err = assertions.ValidateAssembly(dir); err != nil {
					return n, err
				}
			}
			findings = append(findings, assertions.ValidationFindings(r)...)
		}
		for _, f := range findings {
			fmt.Printf("%s: %s\n", id, f)
		}
		n += len(findings)
		fmt.Printf("%s: %d finding(s)\n", id, len(findings))
	}
	return n, nil
}
