package golambda_test

import (
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/assertions"
	"github.com/blueprints-cdk/blueprints/constructs/golambda"
	"github.com/blueprints-cdk/blueprints/internal/gobuild"
	"github.com/blueprints-cdk/blueprints/internal/module"
)

// MaxBinaryBytes is the most a handler binary may weigh.
const MaxBinaryBytes = 10 << 20

// handlerNames lists every lambda/<name> that has a main.go.
func handlerNames() (string, []string) {
	root, err := module.Root()
	if err != nil {
		panic(err)
	}
	mains, _ := filepath.Glob(filepath.Join(root, "lambda", "*", "main.go"))
	var names []string
	for _, m := range mains {
		names = append(names, filepath.Base(filepath.Dir(m)))
	}
	return root, names
}

func handlers(t testing.TB) (string, []string) {
	t.Helper()
	root, names := handlerNames()
	if len(names) == 0 {
		t.Fatal("no handlers under lambda/")
	}
	return root, names
}

// every has one function per handler, bundled for real by CDK.
var every = assertions.Cached(func(app awscdk.App) awscdk.Stack {
	stack := awscdk.NewStack(app, jsii.String("EveryHandler"), nil)
	_, names := handlerNames()
	for _, name := range names {
		golambda.NewFunction(stack, name, &golambda.Props{Entry: jsii.String(name)})
	}
	return stack
}, assertions.WithBundling())

func TestEveryHandlerBundlesToAStaticArm64BinaryOfAtMost10MB(t *testing.T) {
	r := every(t)
	t.Cleanup(func() {
		if err := os.RemoveAll(r.Dir); err != nil {
			t.Errorf("removing the assembly: %v", err)
		}
	})
	_, names := handlers(t)
	functions := assertions.Find(r, "AWS::Lambda::Function", nil)
	if len(functions) != len(names) {
		t.Fatalf("want %d functions, got %d", len(names), len(functions))
	}
	for id, f := range functions {
		key := f["Properties"].(map[string]any)["Code"].(map[string]any)["S3Key"].(string)
		bin := filepath.Join(r.Dir, "asset."+strings.TrimSuffix(key, ".zip"), "bootstrap")
		checkBinary(t, id, bin)
	}
}

func checkBinary(t *testing.T, name, path string) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	t.Logf("%s: %d bytes", name, info.Size())
	if info.Size() > MaxBinaryBytes {
		t.Errorf("%s: %d bytes, over %d", name, info.Size(), MaxBinaryBytes)
	}
	f, err := elf.Open(path)
	if err != nil {
		t.Errorf("%s: not an ELF binary: %v", name, err)
		return
	}
	defer func() {
		if err := f.Close(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}()
	if f.Machine != elf.EM_AARCH64 || f.Class != elf.ELFCLASS64 {
		t.Errorf("%s: built for %v %v, want arm64", name, f.Machine, f.Class)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("%s: dynamically linked (%v)", name, p.Type)
		}
	}
}

// The binary, and so the asset hash, depends on the source only: not on
// where the module sits (another machine, a module cache).
func TestTheBuildIsReproducibleFromAnotherFolder(t *testing.T) {
	root, names := handlers(t)
	copyDir := filepath.Join(t.TempDir(), "elsewhere")
	copyModule(t, root, copyDir)
	a, b := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
	if err := golambda.Build(root, names[0], a); err != nil {
		t.Fatal(err)
	}
	if err := golambda.Build(copyDir, names[0], b); err != nil {
		t.Fatal(err)
	}
	x, _ := os.ReadFile(a)
	y, _ := os.ReadFile(b)
	if len(x) == 0 || !bytes.Equal(x, y) {
		t.Errorf("lambda/%s built to %x here and %x from a copy", names[0], sha256.Sum256(x), sha256.Sum256(y))
	}
}

func TestABrokenHandlerFailsTheBuildWithTheCompilerOutput(t *testing.T) {
	root, _ := handlers(t)
	copyDir := filepath.Join(t.TempDir(), "broken")
	copyModule(t, root, copyDir)
	if err := os.MkdirAll(filepath.Join(copyDir, "lambda", "broken"), 0o755); err != nil {
		t.Fatal(err)
	}
	broken := []byte("package main\nfunc main() { undefinedCall() }\n")
	if err := os.WriteFile(filepath.Join(copyDir, "lambda", "broken", "main.go"), broken, 0o644); err != nil {
		t.Fatal(err)
	}
	err := golambda.Build(copyDir, "broken", filepath.Join(t.TempDir(), "bootstrap"))
	if err == nil || !strings.Contains(err.Error(), "undefined: undefinedCall") || !strings.Contains(err.Error(), "lambda/broken") {
		t.Errorf("want the compiler's message, got %v", err)
	}
}

func TestAMissingHandlerIsRefusedWhenTheConstructIsBuilt(t *testing.T) {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("S"), nil)
	defer func() {
		if p, _ := recover().(string); !strings.Contains(p, "no handler at lambda/nope/main.go") {
			t.Errorf("got %q", p)
		}
	}()
	golambda.NewFunction(stack, "F", &golambda.Props{Entry: jsii.String("nope")})
}

// copyModule copies what a handler build needs: go.mod, go.sum, lambda/ and internal/.
func copyModule(t testing.TB, from, to string) {
	t.Helper()
	for _, dir := range []string{"lambda", "internal"} {
		if err := os.CopyFS(filepath.Join(to, dir), os.DirFS(filepath.Join(from, dir))); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"go.mod", "go.sum"} {
		b, err := os.ReadFile(filepath.Join(from, f))
		if err == nil {
			err = os.WriteFile(filepath.Join(to, f), b, 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// The asset is named by the build's inputs: the same wherever the module
// sits; changed by an edit of the handler, of internal/ or of go.sum; not
// changed by a test, testdata or another handler's edit.
func TestTheAssetHashIsTheHashOfTheBuildInputs(t *testing.T) {
	root, names := handlers(t)
	if len(names) < 2 {
		t.Fatal("want two handlers to tell them apart")
	}
	dir := filepath.Join(t.TempDir(), "copy")
	copyModule(t, root, dir)
	hash := func(entry string) string {
		t.Helper()
		h, err := golambda.InputHash(dir, entry)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	here, err := golambda.InputHash(root, names[0])
	if err != nil {
		t.Fatal(err)
	}
	a, b := hash(names[0]), hash(names[1])
	if a != here || a == b {
		t.Fatalf("lambda/%s: %s here, %s in a copy; lambda/%s: %s", names[0], here, a, names[1], b)
	}
	edit := func(rel string) {
		t.Helper()
		path := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err == nil {
			_, err = f.WriteString("\n// edited\n")
			err = errors.Join(err, f.Close())
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, unchanged := range []string{
		filepath.Join("lambda", names[0], "edit_test.go"),
		filepath.Join("lambda", names[0], "testdata", "x.json"),
		filepath.Join("internal", "ptr", "testdata", "x.json"),
		filepath.Join("lambda", names[1], "main.go"),
	} {
		edit(unchanged)
		if got := hash(names[0]); got != a {
			t.Errorf("an edit of %s changed lambda/%s's hash", unchanged, names[0])
		}
	}
	if hash(names[1]) == b {
		t.Errorf("an edit of lambda/%s/main.go left its hash", names[1])
	}
	for _, changed := range []string{filepath.Join("lambda", names[0], "main.go"), filepath.Join("internal", "ptr", "ptr.go"), "go.sum"} {
		edit(changed)
		if got := hash(names[0]); got == a {
			t.Errorf("an edit of %s left lambda/%s's hash", changed, names[0])
		} else {
			a = got
		}
	}
}

// InputHash reads lambda/<entry> and internal/ only, and neither tests nor
// testdata: no handler may import another package of this module (with the
// build's tags), embed a file of a testdata folder, or build with a go.mod
// that replaces a module by a local folder, whose files InputHash does not
// read.
func TestHandlersImportOnlyInternalPackagesOfThisModule(t *testing.T) {
	root, names := handlers(t)
	for _, name := range names {
		cmd := exec.Command("go", "list", "-deps", "-tags", "lambda.norpc",
			"-f", "{{if .Module}}{{if .Module.Main}}{{.ImportPath}} {{join .EmbedFiles \" \"}}{{end}}{{end}}", "./lambda/"+name)
		cmd.Dir = root
		cmd.Env = append(append(os.Environ(), gobuild.Lambda.Env...), "GOWORK=off", "GOFLAGS=-mod=readonly") // as the build runs
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list lambda/%s: %v", name, err)
		}
		var deps []string
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			fields := strings.Fields(line)
			deps = append(deps, fields[0])
			for _, embedded := range fields[1:] {
				if slices.Contains(strings.Split(embedded, "/"), "testdata") {
					t.Errorf("lambda/%s: %s embeds %s, which InputHash does not read", name, fields[0], embedded)
				}
			}
		}
		if !slices.Contains(deps, module.Path+"/lambda/"+name) {
			t.Fatalf("lambda/%s: go list found %q", name, deps)
		}
		for _, dep := range deps {
			if dep != module.Path+"/lambda/"+name && !strings.HasPrefix(dep, module.Path+"/internal/") {
				t.Errorf("lambda/%s imports %s, which InputHash does not read", name, dep)
			}
		}
	}
	cmd := exec.Command("go", "list", "-m", "-f", "{{with .Replace}}{{if not .Version}}{{.Path}}{{end}}{{end}}", "all")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=readonly")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -m all: %v", err)
	}
	if local := strings.TrimSpace(string(out)); local != "" {
		t.Errorf("go.mod replaces modules by local folders, which InputHash does not read: %s", local)
	}
}
