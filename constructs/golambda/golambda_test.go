package golambda_test

import (
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/assertions"
	"github.com/blueprints-cdk/blueprints/constructs/golambda"
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
