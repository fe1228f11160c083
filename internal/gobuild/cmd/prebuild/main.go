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
	mains, err := filepath.Glob(filepath.Join(root, "lambda", "*", "main.go"))
	if err != nil {
		return err
	}
	var dirs []string
	for _, m := range mains {
		dirs = append(dirs, filepath.ToSlash(filepath.Join("lambda", filepath.Base(filepath.Dir(m)))))
	}
	return gobuild.Prebuild(root, dirs, gobuild.Lambda)
}
