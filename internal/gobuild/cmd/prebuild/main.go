// Command prebuild puts every handler of lambda/ into gobuild's cache, for
// Lambda (gobuild.Lambda), by one go build: `make synth` runs it before
// cdk synth, whose bundling then copies each binary from the cache instead
// of compiling the handlers one after another (gobuild.Prebuild). It
// builds only what the cache lacks.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/blueprints-cdk/blueprints/internal/gobuild"
	"github.com/blueprints-cdk/blueprints/internal/module"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "prebuild:", err)
		os.Exit(1)
	}
}

func run() error {
	root, err := module.Root()
	if err != nil {
		return err
	}
	entries, err := os.ReadDir(filepath.Join(root, "lambda"))
	if err != nil {
		return err
	}
	var dirs []string // every lambda/<entry> with a main.go: the handlers golambda can bundle
	for _, e := range entries {
		dir := "lambda/" + e.Name()
		if _, err := os.Stat(filepath.Join(root, dir, "main.go")); e.IsDir() && err == nil {
			dirs = append(dirs, dir)
		}
	}
	return gobuild.Prebuild(root, dirs, gobuild.Lambda)
}
