package golambda_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/blueprints-cdk/blueprints/internal/module"
)

// consumerMain is another team's CDK Go app that imports a construct.
const consumerMain = `package main

import (
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/constructs/golambda"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(os.Args[1])})
	stack := awscdk.NewStack(app, jsii.String("Consumer"), nil)
	golambda.NewFunction(stack, "Cookie", &golambda.Props{Entry: jsii.String("cookie")})
	app.Synth(nil)
}
`

// An importing app finds and builds the handler source in this module's
// folder, which is read-only (as in a module cache) and not the current
// directory.
func TestAnImportingAppBuildsTheHandlerFromAReadOnlyModuleFolder(t *testing.T) {
	root, _ := handlers(t)
	tmp := t.TempDir()
	lib := filepath.Join(tmp, "modcache", "blueprints")
	copyModule(t, root, lib)
	if err := os.CopyFS(filepath.Join(lib, "constructs"), os.DirFS(filepath.Join(root, "constructs"))); err != nil {
		t.Fatal(err)
	}
	readOnly(t, lib)
	before := listFiles(t, lib)

	app := filepath.Join(tmp, "consumer")
	if err := os.MkdirAll(app, 0o755); err != nil {
		t.Fatal(err)
	}
	goMod := "module example.com/consumer\n\ngo 1.26\n\nrequire github.com/blueprints-cdk/blueprints v0.0.0\n\n" +
		"replace github.com/blueprints-cdk/blueprints => " + lib + "\n"
	sum, _ := os.ReadFile(filepath.Join(root, "go.sum"))
	for name, body := range map[string]string{"go.mod": goMod, "go.sum": string(sum), "main.go": consumerMain} {
		if err := os.WriteFile(filepath.Join(app, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(tmp, "cdk.out")
	cmd := exec.Command("go", "run", ".", out)
	cmd.Dir = app
	node, err := module.Node()
	if err != nil {
		t.Fatal(err)
	}
	// An empty build cache of its own, so the handler is really built from
	// the read-only folder, and stored outside it.
	cache := filepath.Join(tmp, "build-cache")
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off", "BLUEPRINTS_BUILD_CACHE="+cache,
		"PATH="+filepath.Dir(node)+string(os.PathListSeparator)+os.Getenv("PATH"))
	if output, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the consumer app failed: %v\n%s", err, output)
	}
	bins, _ := filepath.Glob(filepath.Join(out, "asset.*", "bootstrap"))
	if len(bins) != 1 {
		t.Fatalf("want one bundled handler in %s, got %v", out, bins)
	}
	checkBinary(t, "consumer's cookie", bins[0])
	if entries, err := os.ReadDir(cache); err != nil || len(entries) != 1 {
		t.Errorf("the build cache holds %d entries (%v), want the one handler", len(entries), err)
	}
	// Tests run as root here, which ignores the permissions: check directly.
	if after := listFiles(t, lib); after != before {
		t.Errorf("the build wrote into the module folder")
	}
}

func listFiles(t *testing.T, dir string) string {
	t.Helper()
	var names []string
	err := filepath.WalkDir(dir, func(p string, _ os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		names = append(names, p)
		return nil
	})
	if err != nil {
		t.Fatalf("listing %s: %v", dir, err)
	}
	return strings.Join(names, "\n")
}

// readOnly removes write permission below dir, and restores it at the end
// so the temporary folder can be removed.
func readOnly(t *testing.T, dir string) {
	t.Helper()
	chmod := func(mode os.FileMode) error {
		return filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			return os.Chmod(p, info.Mode().Perm()&^0o222|mode)
		})
	}
	// Registered first, so that a failure halfway still leaves a removable folder.
	t.Cleanup(func() {
		if err := chmod(0o200); err != nil {
			t.Errorf("restoring write permission: %v", err)
		}
	})
	if err := chmod(0); err != nil {
		t.Fatalf("making %s read-only: %v", dir, err)
	}
}
