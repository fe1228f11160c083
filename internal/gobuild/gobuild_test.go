package gobuild

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

var here = []string{"GOOS=" + runtime.GOOS, "GOARCH=" + runtime.GOARCH, "CGO_ENABLED=0"}

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
// copies that entry and runs no build (the entry is replaced by a marker
// to tell); an edit of internal/ is a new key and a real build.
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

	marker := []byte("from the cache")
	if err := os.WriteFile(filepath.Join(cache, key), marker, 0o755); err != nil {
		t.Fatal(err)
	}
	again := filepath.Join(t.TempDir(), "bootstrap")
	if err := CachedBuild(root, "lambda/hello", again, here); err != nil {
		t.Fatal(err)
	}
	if got := read(t, again); !bytes.Equal(got, marker) {
		t.Fatalf("an unchanged handler was built again (%d bytes), not copied from the cache", len(got))
	}
	if info, err := os.Stat(again); err != nil || info.Mode().Perm()&0o100 == 0 {
		t.Errorf("the copy is not executable: %v %v", info, err)
	}

	edited := tinyModule(t, "bonjour")
	if k, _ := Hash(edited, "lambda/hello", here); k == key {
		t.Fatal("an edit of internal/ left the hash unchanged")
	}
	third := filepath.Join(t.TempDir(), "bootstrap")
	if err := CachedBuild(edited, "lambda/hello", third, here); err != nil {
		t.Fatal(err)
	}
	if b := read(t, third); bytes.Equal(b, marker) || bytes.Equal(b, built) {
		t.Error("the edited handler was not built")
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
	if hc, _ := Hash(a, "lambda/hello", []string{"GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0"}); hc == ha && runtime.GOARCH != "arm64" {
		t.Error("another target has the same hash")
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

// The cache keeps the most recently used entries and leaves another
// process's file in the making alone.
func TestTrimKeepsTheMostRecentlyUsed(t *testing.T) {
	cache := t.TempDir()
	now := time.Now()
	for i, name := range []string{"a", "b", "c", "d", "e-1.tmp"} {
		path := filepath.Join(cache, name)
		if err := os.WriteFile(path, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		at := now.Add(-time.Duration(i) * time.Hour)
		if err := os.Chtimes(path, at, at); err != nil {
			t.Fatal(err)
		}
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
	if got := strings.Join(left, " "); got != "a b e-1.tmp" {
		t.Errorf("left %q, want the two newest and the file in the making", got)
	}
}
