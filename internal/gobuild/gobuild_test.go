package gobuild

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// here is the profile the tests build with: Local's (so that the standard
// library comes compiled from go test's own build, not compiled once more
// with -trimpath), for Linux, as only Linux binaries are cached. The
// binaries never run.
var here = Profile{Flags: Local.Flags, Env: []string{"GOOS=linux", "GOARCH=" + runtime.GOARCH, "CGO_ENABLED=0"}}

// tinyModule writes a module with one handler, lambda/hello, that prints
// greeting, and an internal package.
func tinyModule(t *testing.T, greeting string) string {
	t.Helper()
	root := t.TempDir()
	files := map[string]string{
		"go.mod":                    "module example.com/tiny\n\ngo 1.22\n",
		"go.sum":                    "",
		"lambda/hello/main.go":      "package main\n\nimport \"example.com/tiny/internal/say\"\n\nfunc main() { say.It() }\n",
		"lambda/hello/main_test.go": "package main\n",
		"internal/say/say.go":       "package say\n\nimport \"fmt\"\n\n// It prints the greeting.\nfunc It() { fmt.Println(" + `"` + greeting + `"` + ") }\n",
	}
	for name, body := range files {
		path := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func read(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The first build stores the binary under its inputs' hash; the second
// copies that entry and runs no build (the entry is replaced by another
// binary to tell); a truncated entry is built again; an edit of internal/
// is a new key and a real build.
func TestAnUnchangedHandlerComesFromTheCacheAndAnEditedOneIsBuilt(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("BLUEPRINTS_BUILD_CACHE", cache)
	root := tinyModule(t, "hello")
	out := filepath.Join(t.TempDir(), "bootstrap")
	if err := CachedBuild(root, "lambda/hello", out, here); err != nil {
		t.Fatal(err)
	}
	key, err := Hash(root, "lambda/hello", here)
	if err != nil {
		t.Fatal(err)
	}
	built := read(t, out)
	if !bytes.Equal(read(t, filepath.Join(cache, key)), built) {
		t.Fatal("the cache entry is not the binary that was built")
	}

	edited := tinyModule(t, "bonjour")
	if k, _ := Hash(edited, "lambda/hello", here); k == key {
		t.Fatal("an edit of internal/ left the hash unchanged")
	}
	other := filepath.Join(t.TempDir(), "bootstrap")
	if err := CachedBuild(edited, "lambda/hello", other, here); err != nil {
		t.Fatal(err)
	}
	marker := read(t, other)
	if bytes.Equal(marker, built) {
		t.Fatal("the edited handler was not built")
	}

	if err := os.WriteFile(filepath.Join(cache, key), marker, 0o755); err != nil {
		t.Fatal(err)
	}
	again := filepath.Join(t.TempDir(), "bootstrap")
	if err := CachedBuild(root, "lambda/hello", again, here); err != nil {
		t.Fatal(err)
	}
	if got := read(t, again); !bytes.Equal(got, marker) {
		t.Fatal("an unchanged handler was built again, not copied from the cache")
	}
	if info, err := os.Stat(again); err != nil || info.Mode().Perm()&0o100 == 0 {
		t.Errorf("the copy is not executable: %v %v", info, err)
	}

	if err := os.WriteFile(filepath.Join(cache, key), built[:len(built)/2], 0o755); err != nil {
		t.Fatal(err)
	}
	third := filepath.Join(t.TempDir(), "bootstrap")
	if err := CachedBuild(root, "lambda/hello", third, here); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(read(t, third), built) || !bytes.Equal(read(t, filepath.Join(cache, key)), built) {
		t.Error("a truncated entry was used, or not replaced by a new build")
	}
}

// A cache that cannot be written (here: its folder would be under a file)
// is a build without a cache, not a failed synth.
func TestAnUnwritableCacheOnlyCostsABuild(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("BLUEPRINTS_BUILD_CACHE", filepath.Join(file, "cache"))
	out := filepath.Join(t.TempDir(), "bootstrap")
	if err := CachedBuild(tinyModule(t, "hello"), "lambda/hello", out, here); err != nil {
		t.Fatal(err)
	}
	if len(read(t, out)) == 0 {
		t.Error("nothing was built")
	}
}

// What a build does not read leaves the hash alone: a test file, the
// module's location.
func TestTheHashIgnoresTestsAndLocation(t *testing.T) {
	a, b := tinyModule(t, "hello"), tinyModule(t, "hello")
	if err := os.WriteFile(filepath.Join(b, "lambda/hello/main_test.go"), []byte("package main\n\n// edited\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ha, err := Hash(a, "lambda/hello", here)
	if err != nil {
		t.Fatal(err)
	}
	hb, err := Hash(b, "lambda/hello", here)
	if err != nil {
		t.Fatal(err)
	}
	if ha != hb {
		t.Errorf("the same sources elsewhere, with another test file: %s and %s", ha, hb)
	}
	other := map[string]string{"amd64": "arm64"}[runtime.GOARCH]
	if other == "" {
		other = "amd64"
	}
	hc, err := Hash(a, "lambda/hello", Profile{Flags: here.Flags, Env: []string{"GOOS=linux", "GOARCH=" + other, "CGO_ENABLED=0"}})
	if err != nil || hc == ha {
		t.Errorf("another target has the same hash (%v)", err)
	}
}

// Only lambda/ handlers are cached (Hash reads only dir and internal/), a
// failed build stores nothing, and "off" turns the cache off.
func TestWhatIsNeverCached(t *testing.T) {
	root := tinyModule(t, "hello")
	if err := os.MkdirAll(filepath.Join(root, "tools/hello"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "tools/hello/main.go"), []byte("package main\n\nfunc main() {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, "lambda/broken"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "lambda/broken/main.go"), []byte("package main\n\nfunc main() { undefinedCall() }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ cache, dir, wantErr string }{
		{t.TempDir(), "tools/hello", ""},
		{t.TempDir(), "lambda/broken", "undefined: undefinedCall"},
		{"off", "lambda/hello", ""},
	} {
		t.Setenv("BLUEPRINTS_BUILD_CACHE", c.cache)
		out := filepath.Join(t.TempDir(), "bootstrap")
		err := CachedBuild(root, c.dir, out, here)
		if c.wantErr == "" && err != nil || c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)) {
			t.Errorf("%s: got %v, want %q", c.dir, err, c.wantErr)
		}
		if c.wantErr == "" {
			if _, err := os.Stat(out); err != nil {
				t.Errorf("%s: not built: %v", c.dir, err)
			}
		}
		if c.cache != "off" {
			if entries, _ := os.ReadDir(c.cache); len(entries) != 0 {
				t.Errorf("%s: the cache holds %d entries, want none", c.dir, len(entries))
			}
		}
	}
}

// The cache keeps the most recently used entries, leaves another
// process's file in the making alone unless it was abandoned an hour ago,
// and never touches what is not its own.
func TestTrimKeepsTheMostRecentlyUsedAndOnlyItsOwnFiles(t *testing.T) {
	cache := t.TempDir()
	now := time.Now()
	entry := func(i int) string { return strings.Repeat(string(rune('a'+i)), 64) }
	files := map[string]time.Duration{
		entry(0): 0, entry(1): time.Hour, entry(2): 2 * time.Hour, entry(3): 3 * time.Hour,
		entry(4) + "-1.tmp": time.Minute, entry(5) + "-2.tmp": 2 * time.Hour,
		"notes.txt": 5 * time.Hour, "ABC": 6 * time.Hour,
	}
	for name, age := range files {
		path := filepath.Join(cache, name)
		if err := os.WriteFile(path, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, now.Add(-age), now.Add(-age)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(cache, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := trim(cache, 2); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(cache)
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, e := range entries {
		left = append(left, e.Name())
	}
	want := strings.Join([]string{"ABC", entry(0), entry(1), entry(4) + "-1.tmp", "notes.txt", "sub"}, " ")
	if got := strings.Join(left, " "); got != want {
		t.Errorf("left %q, want %q", got, want)
	}
}

// The hash reads the target architecture's variant variable, not this
// machine's: GOAMD64 does not change an arm64 handler's hash (two copies of
// the module, so that each hash asks go env anew).
func TestOnlyTheTargetsVariantIsHashed(t *testing.T) {
	arm := Lambda
	a, err := Hash(tinyModule(t, "hello"), "lambda/hello", arm)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOAMD64", "v3")
	b, err := Hash(tinyModule(t, "hello"), "lambda/hello", arm)
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Error("this machine's GOAMD64 changed an arm64 handler's hash")
	}
	t.Setenv("GOARM64", "v8.1")
	if c, err := Hash(tinyModule(t, "hello"), "lambda/hello", arm); err != nil || c == a {
		t.Errorf("GOARM64 left an arm64 handler's hash unchanged (%v)", err)
	}
}

// A source edited while the build runs (here by a go command that edits
// the handler, then builds) fails the build, and nothing is cached under
// the hash taken before the edit.
func TestASourceEditedDuringTheBuildFailsIt(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("BLUEPRINTS_BUILD_CACHE", cache)
	root := tinyModule(t, "hello")
	onGoBuild(t, "echo '// edited' >> "+filepath.Join(root, "lambda/hello/main.go"))
	err := CachedBuild(root, "lambda/hello", filepath.Join(t.TempDir(), "bootstrap"), here)
	if err == nil || !strings.Contains(err.Error(), "changed while it was being built") {
		t.Errorf("got %v, want the build refused", err)
	}
	if entries, _ := os.ReadDir(cache); len(entries) != 0 {
		t.Errorf("the cache holds %d entries, want none", len(entries))
	}
}

// onGoBuild puts a go command first on PATH that runs the shell command
// script before each go build (with go's arguments as $@), then the real
// go.
func onGoBuild(t *testing.T, script string) {
	t.Helper()
	real, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	wrapper := "#!/bin/sh\nif [ \"$1\" = build ]; then " + script + "; fi\nexec " + real + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "go"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
}

// logBuilds has each go build log its packages, one build per line, and
// returns what was logged since the last call.
func logBuilds(t *testing.T) func() string {
	t.Helper()
	log := filepath.Join(t.TempDir(), "builds")
	onGoBuild(t, "for a; do case $a in ./*) printf '%s ' $a;; esac; done >> "+log+"; echo >> "+log)
	return func() string {
		b, _ := os.ReadFile(log)
		_ = os.Remove(log)
		return strings.TrimSpace(string(b))
	}
}

// Prebuild builds every handler the cache lacks in one go build, and
// nothing once they are there; an edited handler is built alone;
// CachedBuild then builds nothing, and each handler's binary is the one
// its own build makes.
func TestPrebuildBuildsWhatTheCacheLacksInOneGoBuild(t *testing.T) {
	t.Setenv("BLUEPRINTS_BUILD_CACHE", t.TempDir())
	root := tinyModule(t, "hello")
	for _, name := range []string{"other", "third"} {
		path := filepath.Join(root, "lambda", name, "main.go")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte("package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\""+name+"\") }\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	builds := logBuilds(t)
	dirs := []string{"lambda/hello", "lambda/other", "lambda/third"}
	if err := Prebuild(root, dirs, here); err != nil {
		t.Fatal(err)
	}
	if got := builds(); got != "./lambda/hello ./lambda/other ./lambda/third" {
		t.Errorf("first prebuild ran go build for %q, want all three at once", got)
	}
	if err := Prebuild(root, dirs, here); err != nil {
		t.Fatal(err)
	}
	if got := builds(); got != "" {
		t.Errorf("second prebuild ran go build for %q, want none", got)
	}
	if err := os.WriteFile(filepath.Join(root, "lambda/other/main.go"), []byte("package main\n\nfunc main() {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Prebuild(root, dirs, here); err != nil {
		t.Fatal(err)
	}
	if got := builds(); got != "./lambda/other" {
		t.Errorf("after an edit, prebuild ran go build for %q, want ./lambda/other alone", got)
	}
	cached := map[string][]byte{}
	for _, d := range dirs {
		out := filepath.Join(t.TempDir(), "bootstrap")
		if err := CachedBuild(root, d, out, here); err != nil {
			t.Fatal(err)
		}
		cached[d] = read(t, out)
	}
	if got := builds(); got != "" {
		t.Errorf("CachedBuild after the prebuild ran go build for %q, want none", got)
	}
	for _, d := range dirs {
		out := filepath.Join(t.TempDir(), "bootstrap")
		if err := Build(root, d, out, here); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(cached[d], read(t, out)) {
			t.Errorf("%s: the cache holds another binary than its own build", d)
		}
	}
}

// A handler edited while Prebuild builds (here by a go command that edits
// lambda/other, then builds) fails it, naming that handler alone; the
// others are stored.
func TestPrebuildStoresWhatWasNotEditedDuringTheBuild(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("BLUEPRINTS_BUILD_CACHE", cache)
	root := tinyModule(t, "hello")
	other := filepath.Join(root, "lambda/other/main.go")
	if err := os.MkdirAll(filepath.Dir(other), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(other, []byte("package main\n\nfunc main() {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	onGoBuild(t, "echo '// edited' >> "+other)
	err := Prebuild(root, []string{"lambda/other", "lambda/hello"}, here) // other first: its failure must not stop hello
	if err == nil || !strings.Contains(err.Error(), "lambda/other or internal/ changed") || strings.Contains(err.Error(), "lambda/hello") {
		t.Errorf("got %v, want lambda/other alone refused", err)
	}
	key, err := Hash(root, "lambda/hello", here)
	if err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(cache); len(entries) != 1 || entries[0].Name() != key {
		t.Errorf("the cache holds %v, want lambda/hello's entry alone", entries)
	}
}

// A cache that cannot be written gets no prebuild: the binaries would be
// lost, and built again when bundled.
func TestPrebuildBuildsNothingForACacheItCannotWrite(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("BLUEPRINTS_BUILD_CACHE", filepath.Join(file, "cache"))
	builds := logBuilds(t)
	if err := Prebuild(tinyModule(t, "hello"), []string{"lambda/hello"}, here); err != nil {
		t.Fatal(err)
	}
	if got := builds(); got != "" {
		t.Errorf("prebuild ran go build for %q, want none", got)
	}
}

// The Lambda profile decides every asset's hash, and so what each
// deployment updates: a change to it, or to what the hash reads of go env
// for it, is a new asset for every function.
func TestTheLambdaProfileAndWhatItsHashReads(t *testing.T) {
	want := Profile{
		Flags: []string{"build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-tags", "lambda.norpc"},
		Env:   []string{"GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0"},
	}
	if !slices.Equal(Lambda.Flags, want.Flags) || !slices.Equal(Lambda.Env, want.Env) {
		t.Errorf("Lambda is %q, want %q", Lambda, want)
	}
	// Local is Lambda's flags but -trimpath, static, for this machine: what
	// make test compiles the tests with (CGO_ENABLED=0 in the Makefile).
	local := Profile{
		Flags: []string{"build", "-buildvcs=false", "-ldflags=-s -w", "-tags", "lambda.norpc"},
		Env:   []string{"GOOS=" + runtime.GOOS, "GOARCH=" + runtime.GOARCH, "CGO_ENABLED=0"},
	}
	if !slices.Equal(Local.Flags, local.Flags) || !slices.Equal(Local.Env, local.Env) {
		t.Errorf("Local is %q, want %q", Local, local)
	}
	if got := toolchainVars(Lambda.Env); !slices.Equal(got, []string{"GOVERSION", "GOEXPERIMENT", "GOFIPS140", "GOARM64"}) {
		t.Errorf("a Lambda build's hash reads go env %v", got)
	}
}

// Prebuild refuses what CachedBuild would never take from the cache, and
// two handlers go build would give the same binary name.
func TestPrebuildRefusesWhatIsNeverCached(t *testing.T) {
	t.Setenv("BLUEPRINTS_BUILD_CACHE", t.TempDir())
	root := tinyModule(t, "hello")
	for _, c := range []struct {
		dirs []string
		p    Profile
		want string
	}{
		{[]string{"tools/hello"}, here, "tools/hello for"},
		{[]string{"lambda/hello"}, Profile{Flags: Flags, Env: []string{"GOOS=darwin"}}, "only Linux handlers of lambda/"},
		{[]string{"lambda/hello", "lambda/x/hello"}, here, "would both be built as hello"},
	} {
		if err := Prebuild(root, c.dirs, c.p); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: got %v, want %q", c.dirs, err, c.want)
		}
	}
}
