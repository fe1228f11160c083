// Command checklicense reports a license file's license as pkg.go.dev
// detects it, with github.com/google/licensecheck, the detector pkg.go.dev
// runs, and exits 1 unless the file is the expected license alone and at
// least 90 % covered by it (stricter than pkg.go.dev needs).
//
//	go run ./cmd/checklicense ../../LICENSE Apache-2.0
package main

import (
	"fmt"
	"os"

	"github.com/google/licensecheck"
)

// coverageThreshold is how much of the file the license must cover.
const coverageThreshold = 90

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: checklicense FILE LICENSE-ID")
		os.Exit(2)
	}
	b, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cov := licensecheck.Scan(b)
	if cov.Percent < coverageThreshold || len(cov.Match) != 1 || cov.Match[0].ID != os.Args[2] {
		fmt.Fprintf(os.Stderr, "%s: detected %+v (%.1f %% covered), want %s alone, at least %d %% covered\n",
			os.Args[1], cov.Match, cov.Percent, os.Args[2], coverageThreshold)
		os.Exit(1)
	}
	fmt.Printf("%s: %s, %.1f %% covered\n", os.Args[1], cov.Match[0].ID, cov.Percent)
}
