// Package module locates this module's source folder, for the code that
// needs files from it at run time: the Lambda build (lambda/), the tests'
// cdk.json context and the npm tools folder (.tools/).
package module

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
)

// Path is this module's import path.
const Path = "github.com/blueprints-cdk/blueprints"

var root = sync.OnceValues(findRoot)

// Root is the folder that holds this module's source: this repository when
// you work on it, or the (read-only) module cache folder when another CDK app
// imports a construct. It never depends on the current directory.
func Root() (string, error) { return root() }

func findRoot() (string, error) {
	// This file's own path, unless the binary was built with -trimpath.
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		dir := filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
		if isRoot(dir) {
			return dir, nil
		}
	}
	// Otherwise ask the go command which folder the current build uses for this module.
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", Path).Output()
	if err != nil {
		return "", fmt.Errorf("cannot locate the source of %s (go list -m: %v); the Go toolchain must be on PATH", Path, err)
	}
	dir := strings.TrimSpace(string(out))
	if !isRoot(dir) {
		return "", fmt.Errorf("go list -m %s gave %q, which does not hold its go.mod", Path, dir)
	}
	return dir, nil
}

func isRoot(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return false
	}
	first, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSpace(first) == "module "+Path
}

// CacheDir is this project's cache folder name in the user's cache folder
// (such as ~/.cache/blueprints/<name> on Linux), or the value of the
// environment variable env when it is set. It is "off" when env says so, or
// when the user has no cache folder.
func CacheDir(env, name string) string {
	if d := os.Getenv(env); d != "" {
		return d
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "off"
	}
	return filepath.Join(d, "blueprints", name)
}
