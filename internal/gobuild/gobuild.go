// Package gobuild builds this module's Go handlers the one way they are
// built everywhere (the Lambda assets, and the local emulator's processes),
// and keeps each binary in a cache keyed by the hash of the build's inputs:
// an unchanged handler is linked once per machine and target, not once per
// synth or test process.
package gobuild

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// Flags are the go build arguments every handler is built with. They make
// the binary reproducible (same source and toolchain, same bytes, so the same
// asset hash on any machine) and small.
var Flags = []string{"build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-tags", "lambda.norpc"}

// toolchainVars are the go env variables, besides the caller's env, that
// change what a build produces: the toolchain's version and the target
// variants it compiles for.
var toolchainVars = []string{"GOVERSION", "GOEXPERIMENT", "GOAMD64", "GOARM64", "GOFIPS140"}

// fixedEnv is added to every build's environment: the module's own go.mod
// decides the dependencies, whatever the caller's workspace or flags say,
// and the build may run in a read-only module cache.
var fixedEnv = []string{"GOWORK=off", "GOFLAGS=-mod=readonly"}

var toolchains sync.Map // root and env → `go env` of toolchainVars there

// toolchain is `go env` of toolchainVars in root with env, as Build runs go:
// the toolchain go.mod selects.
func toolchain(root string, env []string) (string, error) {
	key := root + "\x00" + strings.Join(env, "\x00")
	if v, ok := toolchains.Load(key); ok {
		return v.(string), nil
	}
	cmd := exec.Command("go", append([]string{"env"}, toolchainVars...)...)
	cmd.Dir = root
	cmd.Env = append(append(os.Environ(), fixedEnv...), env...)
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go env in %s: %w", root, err)
	}
	v := strings.TrimSpace(string(out))
	toolchains.Store(key, v)
	return v, nil
}

// Hash is the SHA-256 of everything a build of the main package at dir
// (relative to root, such as lambda/cookie) with env reads: the toolchain
// (toolchainVars), Flags and the environment Build sets, go.mod, go.sum, and every file of dir and
// internal/ but tests and testdata. A handler imports nothing else of this
// module (golambda's tests check it with go list). Paths are relative, so
// the hash is the same wherever the module sits.
func Hash(root, dir string, env []string) (string, error) {
	tc, err := toolchain(root, env)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	_, _ = fmt.Fprintf(h, "%s\x00%q\x00%q\x00%q\x00", tc, Flags, fixedEnv, env) // a hash.Hash never fails to write
	files := []string{"go.mod", "go.sum"}
	for _, d := range []string{dir, "internal"} {
		err := filepath.WalkDir(filepath.Join(root, d), func(path string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if e.IsDir() && e.Name() == "testdata" {
				return filepath.SkipDir
			}
			if e.Type().IsRegular() && !strings.HasSuffix(e.Name(), "_test.go") {
				rel, _ := filepath.Rel(root, path)
				files = append(files, rel)
			}
			return nil
		})
		if err != nil {
			return "", err
		}
	}
	sort.Strings(files)
	for _, rel := range files {
		b, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			return "", err
		}
		_, _ = fmt.Fprintf(h, "%s\x00%d\x00", filepath.ToSlash(rel), len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Build compiles the main package at dir (relative to root) into out, with
// Flags, and fixedEnv and env added to the caller's environment (env names
// the target: GOOS, GOARCH, CGO_ENABLED).
func Build(root, dir, out string, env []string) error {
	cmd := exec.Command("go", append(append([]string{}, Flags...), "-o", out, "./"+filepath.ToSlash(dir))...)
	cmd.Dir = root
	cmd.Env = append(append(os.Environ(), fixedEnv...), env...)
	if output, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building %s in %s: %v\n%s", filepath.ToSlash(dir), root, err, output)
	}
	return nil
}

// CacheDir holds built handlers, one file per Hash. BLUEPRINTS_BUILD_CACHE
// moves it; "off" disables it.
func CacheDir() string {
	if d := os.Getenv("BLUEPRINTS_BUILD_CACHE"); d != "" {
		return d
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "off"
	}
	return filepath.Join(d, "blueprints", "handlers")
}

// CacheEntries is how many binaries the cache keeps: the most recently used
// (a handler is 6 to 9 MB, so at most about 600 MB).
const CacheEntries = 64

// CachedBuild is Build, but takes the binary from the cache when one was
// built from the same inputs (Hash), and stores what it builds there. Only
// a handler of lambda/ may be cached: Hash reads dir and internal/, and only
// those handlers are checked to import nothing else of this module. A
// failed build stores nothing.
func CachedBuild(root, dir, out string, env []string) error {
	cache := CacheDir()
	if cache == "off" || !strings.HasPrefix(filepath.ToSlash(dir), "lambda/") {
		return Build(root, dir, out, env)
	}
	key, err := Hash(root, dir, env)
	if err != nil {
		return err
	}
	entry := filepath.Join(cache, key)
	if copyFile(entry, out) == nil {
		now := time.Now()
		_ = os.Chtimes(entry, now, now) // most recently used; a failure only ages it sooner
		return nil
	}
	if err := Build(root, dir, out, env); err != nil {
		return err
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return err
	}
	// A name of its own, then a rename: another process may be storing the
	// same key, and no reader ever sees half a binary.
	tmp, err := os.CreateTemp(cache, key+"-*.tmp")
	if err != nil {
		return err
	}
	_ = tmp.Close()
	if err := copyFile(out, tmp.Name()); err != nil {
		return errors.Join(err, os.Remove(tmp.Name()))
	}
	if err := os.Rename(tmp.Name(), entry); err != nil {
		return errors.Join(err, os.Remove(tmp.Name()))
	}
	return trim(cache, CacheEntries)
}

// copyFile copies from to to, executable.
func copyFile(from, to string) (err error) {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, src.Close()) }()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err = io.Copy(dst, src); err != nil {
		return errors.Join(err, dst.Close())
	}
	return dst.Close()
}

// trim removes all but the keep most recently used entries of cache.
func trim(cache string, keep int) error {
	entries, err := os.ReadDir(cache)
	if err != nil {
		return err
	}
	type used struct {
		name string
		at   time.Time
	}
	var all []used
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || strings.HasSuffix(e.Name(), ".tmp") {
			continue // gone meanwhile, or another process's file in the making
		}
		all = append(all, used{e.Name(), info.ModTime()})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].at.After(all[j].at) })
	for i := keep; i < len(all); i++ {
		if err := os.Remove(filepath.Join(cache, all[i].name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}
