package assertions

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// UpdateSnapshotsEnv rewrites golden files when set to 1 (make snapshots).
// It is an environment variable, not a test flag, because `go test ./...
// -update` fails in every package that does not define the flag.
const UpdateSnapshotsEnv = "UPDATE_SNAPSHOTS"

// Snapshot compares the stack's normalized template with
// testdata/<artifact id>.template.json in the calling package. On a
// difference it lists the template paths that changed.
func Snapshot(t testing.TB, r *Result) {
	t.Helper()
	golden := filepath.Join("testdata", r.ID+".template.json")
	got := Normalize(r.JSON)
	if os.Getenv(UpdateSnapshotsEnv) == "1" {
		b, err := json.MarshalIndent(got, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	b, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("no snapshot %s (%v): run `make snapshots` and review the new file", golden, err)
	}
	var want any
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatalf("%s: %v", golden, err)
	}
	if diffs := Diff(want, got); len(diffs) > 0 {
		const most = 40
		more := ""
		if len(diffs) > most {
			more = fmt.Sprintf("\n  … and %d more", len(diffs)-most)
			diffs = diffs[:most]
		}
		t.Errorf("template differs from %s at %d path(s); if intended, run `make snapshots`:\n  %s%s",
			golden, len(diffs), strings.Join(diffs, "\n  "), more)
	}
}

var (
	assetHash = regexp.MustCompile(`[0-9a-f]{64}`)
	assetDir  = regexp.MustCompile(`asset\.[0-9a-zA-Z]+`)
	// A function's currentVersion is named by a hash of its code and
	// configuration (aws-cdk-lib, Function.currentVersion): a new build is
	// a new version, not a new infrastructure.
	versionHash = regexp.MustCompile(`(CurrentVersion[0-9A-F]{8})[0-9a-f]{32}`)
)

// Normalize removes what changes without the infrastructure changing: asset
// hashes and staging paths, the CDK metadata resource and condition, and the
// bootstrap-version parameter and rule.
func Normalize(template map[string]any) any {
	b, _ := json.Marshal(template)
	b = assetHash.ReplaceAll(b, []byte("<asset-hash>"))
	b = assetDir.ReplaceAll(b, []byte("asset.<asset-hash>"))
	b = versionHash.ReplaceAll(b, []byte("${1}<code-hash>"))
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	deleteKey(out, "Resources", "CDKMetadata")
	deleteKey(out, "Conditions", "CDKMetadataAvailable")
	deleteKey(out, "Parameters", "BootstrapVersion")
	deleteKey(out, "Rules", "CheckBootstrapVersion")
	return out
}

func deleteKey(m map[string]any, section, key string) {
	if s, ok := m[section].(map[string]any); ok {
		delete(s, key)
		if len(s) == 0 {
			delete(m, section)
		}
	}
}

// Diff lists the paths at which two JSON values differ, such as
// `Resources.Table.Properties.BillingMode: "PROVISIONED" → "PAY_PER_REQUEST"`.
func Diff(want, got any) []string {
	var out []string
	diff("", want, got, &out)
	return out
}

func diff(path string, want, got any, out *[]string) {
	switch w := want.(type) {
	case map[string]any:
		if g, ok := got.(map[string]any); ok {
			keys := map[string]bool{}
			for k := range w {
				keys[k] = true
			}
			for k := range g {
				keys[k] = true
			}
			for _, k := range sortedKeys(keys) {
				p := strings.TrimPrefix(path+"."+k, ".")
				wv, inW := w[k]
				gv, inG := g[k]
				switch {
				case !inG:
					*out = append(*out, p+": removed")
				case !inW:
					*out = append(*out, p+": added "+short(gv))
				default:
					diff(p, wv, gv, out)
				}
			}
			return
		}
	case []any:
		if g, ok := got.([]any); ok && len(g) == len(w) {
			for i := range w {
				diff(fmt.Sprintf("%s[%d]", path, i), w[i], g[i], out)
			}
			return
		}
	}
	if !jsonEqual(want, got) {
		*out = append(*out, fmt.Sprintf("%s: %s → %s", path, short(want), short(got)))
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func short(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 120 {
		return string(b[:117]) + "…"
	}
	return string(b)
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
