// Command checkassembly runs the kit's checks (cdk-nag, least privilege,
// CloudFormation validation, API Gateway) on every stack of a synthesized cloud assembly,
// so that `make synth` fails on a finding of any severity, as the tests do.
//
// Usage: go run ./assertions/cmd/checkassembly .cdk.out
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/blueprints-cdk/blueprints/assertions"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: checkassembly CLOUD_ASSEMBLY_DIR")
		os.Exit(2)
	}
	n, err := check(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "checkassembly:", err)
		os.Exit(2)
	}
	if n > 0 {
		fmt.Fprintf(os.Stderr, "checkassembly: %d finding(s)\n", n)
		os.Exit(1)
	}
}

// check prints every finding of every stack in dir and returns how many there were.
func check(dir string) (int, error) {
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
