// Package gobuild builds this module's Go handlers the one way they are
// built everywhere (the Lambda assets, and the local emulator's processes),
// and keeps each binary in a cache keyed by the hash of the build's inputs:
// an unchanged handler is linked once per machine and target, not once per
// synth or test process.
package gobuild

import (
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/blueprints-cdk/blueprints/internal/module"
)

// Flags are the go build arguments every handler is built with. They make
// the binary reproducible (same source and toolchain, same bytes, so the same
// asset hash on any machine) and small.
var Flags = []string{"build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-tags", "lambda.norpc"}

// A Profile is how a handler is built: go build's arguments, and the
// environment added to the caller's (the target: GOOS, GOARCH, CGO_ENABLED).
type Profile struct {
	Flags []string
	Env   []string
}

// Lambda is the profile of every Lambda asset: Flags, for provided.al2023
// on arm64.
var Lambda = Profile{Flags: Flags, Env: []string{"GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0"}}

// Local is the profile of a handler the local emulator runs on this
// machine: Flags but -trimpath, static as on Lambda (CGO_ENABLED=0, which
// the Makefile sets for every go command, tests included), so that it is
// linked from the packages go test compiled: go build's cache key holds
// -trimpath, and a trimmed build of lambda/orders compiles 221 packages
// again (the standard library and the AWS SDK clients) where this one
// compiles 3 (lambda/orders, internal/lambdamain, and aws-lambda-go's
// lambda in its lambda.norpc variant). Its file names are this clone's
// paths, so the cache may hand one clone's binary to another; it behaves
// the same.
var Local = Profile{
	Flags: slices.DeleteFunc(slices.Clone(Flags), func(f string) bool { return f == "-trimpath" }),
	Env:   []string{"GOOS=" + runtime.GOOS, "GOARCH=" + runtime.GOARCH, "CGO_ENABLED=0"},
}

// toolchainVars are the go env variables, besides the caller's env, that
// change what a build produces: the toolchain's version, experiments, the
// FIPS module, and the variant of the target architecture (`go help
// environment`, "Architecture-specific environment variables"; only the
// target's, so that another machine's GOAMD64 leaves an arm64 hash alone).
func toolchainVars(env []string) []string {
	vars := []string{"GOVERSION", "GOEXPERIMENT", "GOFIPS140"}
	arch := ""
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, "GOARCH="); ok {
			arch = v
		}
	}
	variant := map[string]string{"amd64": "GOAMD64", "arm64": "GOARM64", "arm": "GOARM", "386": "GO386",
		"riscv64": "GORISCV64", "ppc64": "GOPPC64", "ppc64le": "GOPPC64", "mips": "GOMIPS", "mipsle": "GOMIPS",
		"mips64": "GOMIPS64", "mips64le": "GOMIPS64", "wasm": "GOWASM"}[arch]
	if variant != "" {
		vars = append(vars, variant)
	}
	return vars
}

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
	cmd := exec.Command("go", append([]string{"env"}, toolchainVars(env)...)...)
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
// (relative to root, such as lambda/cookie) with profile p reads: the
// toolchain (toolchainVars), p and the environment Build sets, go.mod,
// go.sum, and every file of dir and internal/ but tests and testdata. A
// handler imports nothing else of this module (golambda's tests check it
// with go list). Paths are relative, so the hash is the same wherever the
// module sits.
func Hash(root, dir string, p Profile) (string, error) {
	tc, err := toolchain(root, p.Env)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	_, _ = fmt.Fprintf(h, "%s\x00%q\x00%q\x00%q\x00", tc, p.Flags, fixedEnv, p.Env) // a hash.Hash never fails to write
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

// Build compiles the main package at dir (relative to root) into out with
// profile p, fixedEnv and p.Env added to the caller's environment.
func Build(root, dir, out string, p Profile) error {
	return build(root, []string{dir}, out, p)
}

// build runs one go build of the main packages at dirs into out: a file
// for one package, a folder (ending in a separator) for several, where each
// binary is named after its folder.
func build(root string, dirs []string, out string, p Profile) error {
	args := append(slices.Clone(p.Flags), "-o", out)
	for _, d := range dirs {
		args = append(args, "./"+filepath.ToSlash(d))
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	cmd.Env = append(append(os.Environ(), fixedEnv...), p.Env...)
	if output, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building %s in %s: %v\n%s", filepath.ToSlash(strings.Join(dirs, " ")), root, err, output)
	}
	return nil
}

// CacheDir holds built handlers, one file per Hash. BLUEPRINTS_BUILD_CACHE
// moves it; "off" disables it. Whoever can write there decides what a synth
// deploys: the folder, when CachedBuild creates it, is private to its user,
// and one it finds is used as it is.
func CacheDir() string { return module.CacheDir("BLUEPRINTS_BUILD_CACHE", "handlers") }

// CacheEntries is how many binaries the cache keeps: the most recently used
// (a handler is 6 to 9 MB, so at most about 600 MB).
const CacheEntries = 64

// entryName is the name of a cache entry: a Hash.
var entryName = regexp.MustCompile(`^[0-9a-f]{64}$`)

// CachedBuild is Build, but takes the binary from the cache when one was
// built from the same inputs (Hash) and is whole, and stores what it builds
// there. Only a Linux handler of lambda/ may be cached: Hash reads dir and
// internal/, and only those handlers are checked to import nothing else of
// this module; whole reads ELF. A failed build stores nothing; a cache that
// cannot be written is only a slower build; a source edited during the
// build fails it, as the binary may hold either version.
func CachedBuild(root, dir, out string, p Profile) error {
	cache := CacheDir()
	if !cacheable(cache, dir, p) {
		return Build(root, dir, out, p)
	}
	key, err := Hash(root, dir, p)
	if err != nil {
		return err
	}
	entry := filepath.Join(cache, key)
	if whole(entry) && copyFile(entry, out) == nil {
		// Marked as used at most daily: go test keys a cached test result on
		// the modification time of every file the test opened.
		if info, err := os.Stat(entry); err == nil && time.Since(info.ModTime()) > 24*time.Hour {
			now := time.Now()
			_ = os.Chtimes(entry, now, now) // a failure only ages the entry sooner
		}
		return nil
	}
	if err := Build(root, dir, out, p); err != nil {
		return err
	}
	return keep(cache, root, dir, key, out, p)
}

// Prebuild puts into the cache every handler of dirs (each a folder of
// lambda/) that it lacks, built with profile p by one go build: the
// handlers' packages compile and link side by side, where CDK, which
// bundles one asset at a time, would have CachedBuild compile one
// handler's, then the next's. CachedBuild then finds them. With the cache
// off, or a cache it cannot write, it builds nothing: what it built would
// be lost, and built again when bundled. A handler edited during the build is not
// stored, and fails Prebuild; the others are stored.
func Prebuild(root string, dirs []string, p Profile) error {
	cache := CacheDir()
	if cache == "off" {
		return nil
	}
	keys := map[string]string{}
	names := map[string]string{}
	var missing []string
	for _, d := range dirs {
		if !cacheable(cache, d, p) {
			return fmt.Errorf("%s for %q is never cached: only Linux handlers of lambda/ are", filepath.ToSlash(d), p.Env)
		}
		name := filepath.Base(d)
		if other, ok := names[name]; ok {
			return fmt.Errorf("%s and %s would both be built as %s", filepath.ToSlash(other), filepath.ToSlash(d), name)
		}
		names[name] = d
		key, err := Hash(root, d, p)
		if err != nil {
			return err
		}
		if !whole(filepath.Join(cache, key)) {
			keys[d] = key
			missing = append(missing, d)
		}
	}
	if len(missing) == 0 || !writable(cache, keys[missing[0]]) {
		return nil
	}
	out, err := os.MkdirTemp("", "blueprints-prebuild-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(out) }()
	if err := build(root, missing, out+string(filepath.Separator), p); err != nil {
		return err
	}
	var errs []error
	for _, d := range missing {
		errs = append(errs, keep(cache, root, d, keys[d], filepath.Join(out, filepath.Base(d)), p))
	}
	return errors.Join(errs...)
}

// writable says whether an entry can be stored under key in cache (created
// if need be): a file named as store names its files in the making, which
// trim removes if it is left behind.
func writable(cache, key string) bool {
	name, err := newEntryFile(cache, key)
	return err == nil && os.Remove(name) == nil
}

// newEntryFile creates an empty file in cache (created if need be), named
// as trim expects a file in the making for key to be named.
func newEntryFile(cache, key string) (string, error) {
	if err := os.MkdirAll(cache, 0o700); err != nil {
		return "", err
	}
	f, err := os.CreateTemp(cache, key+"-*.tmp")
	if err != nil {
		return "", err
	}
	return f.Name(), f.Close()
}

// cacheable says whether a build of dir with p may use cache.
func cacheable(cache, dir string, p Profile) bool {
	return cache != "off" && strings.HasPrefix(filepath.ToSlash(dir), "lambda/") && slices.Contains(p.Env, "GOOS=linux")
}

// keep stores the binary at out, built from dir, under key, the Hash taken
// before the build, unless dir or internal/ changed meanwhile: then the
// build fails. Storing is best effort: the build succeeded.
func keep(cache, root, dir, key, out string, p Profile) error {
	after, err := Hash(root, dir, p)
	if err != nil {
		return err
	}
	if after != key {
		return fmt.Errorf("%s or internal/ changed while it was being built; build again", filepath.ToSlash(dir))
	}
	_ = store(cache, key, out)
	return nil
}

// store copies the binary at from into the cache under key. The copy is
// synced and renamed into place, so that no reader, and no crash, ever
// leaves half a binary under a key.
func store(cache, key, from string) error {
	tmp, err := newEntryFile(cache, key)
	if err != nil {
		return err
	}
	err = copyFile(from, tmp)
	if err == nil {
		err = os.Rename(tmp, filepath.Join(cache, key))
	}
	if err != nil {
		return errors.Join(err, os.Remove(tmp))
	}
	if d, err := os.Open(cache); err == nil {
		_ = d.Sync() // the rename itself, on file systems that need it
		_ = d.Close()
	}
	return trim(cache, CacheEntries)
}

// whole says whether the cache entry at path is a complete ELF binary: it
// holds every segment its program headers describe.
func whole(path string) bool {
	f, err := elf.Open(path)
	if err != nil {
		return false
	}
	defer func() { _ = f.Close() }()
	info, err := os.Stat(path)
	if err != nil || len(f.Progs) == 0 {
		return false
	}
	for _, p := range f.Progs {
		if p.Off+p.Filesz > uint64(info.Size()) {
			return false
		}
	}
	return true
}

// copyFile copies from to to, executable, and syncs it.
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
	if _, err = io.Copy(dst, src); err == nil {
		err = dst.Sync()
	}
	return errors.Join(err, dst.Close())
}

// trim removes all but the keep most recently used entries of cache, and
// files another process left in the making more than an hour ago. It
// touches nothing else, whatever the folder holds.
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
		if err != nil || !info.Mode().IsRegular() {
			continue // gone meanwhile, or not ours
		}
		name := e.Name()
		if base, ok := strings.CutSuffix(name, ".tmp"); ok {
			if k, _, _ := strings.Cut(base, "-"); entryName.MatchString(k) && time.Since(info.ModTime()) > time.Hour {
				_ = os.Remove(filepath.Join(cache, name)) // abandoned by a process that died
			}
			continue
		}
		if entryName.MatchString(name) {
			all = append(all, used{name, info.ModTime()})
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].at.After(all[j].at) })
	for i := keep; i < len(all); i++ {
		if err := os.Remove(filepath.Join(cache, all[i].name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}
