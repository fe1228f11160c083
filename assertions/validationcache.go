package assertions

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"

	"github.com/blueprints-cdk/blueprints/internal/module"
)

// validationCacheDir holds CloudFormation validation results, one file per
// set of templates. BLUEPRINTS_VALIDATION_CACHE moves it; "off" disables it.
func validationCacheDir() string {
	return module.CacheDir("BLUEPRINTS_VALIDATION_CACHE", "cfn-validation")
}

// validationKey identifies what the validation result depends on: every
// template of the assembly, byte for byte, and the CDK library (which
// bundles the validation engine and its rules).
func validationKey(dir string) (string, error) {
	h := sha256.New()
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, d := range info.Deps {
			if d.Path == "github.com/aws/aws-cdk-go/awscdk/v2" {
				h.Write([]byte(d.Version + d.Sum))
			}
		}
	}
	templates, err := filepath.Glob(filepath.Join(dir, "*.template.json"))
	if err != nil {
		return "", err
	}
	sort.Strings(templates)
	for _, t := range templates {
		b, err := os.ReadFile(t)
		if err != nil {
			return "", err
		}
		h.Write([]byte(filepath.Base(t)))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// cachedReport is a stored result: the report, or that there was none.
type cachedReport struct {
	Report *ValidationReport `json:"report"`
}

func readValidationCache(key string) (*ValidationReport, bool) {
	dir := validationCacheDir()
	if dir == "off" {
		return nil, false
	}
	b, err := os.ReadFile(filepath.Join(dir, key+".json"))
	if err != nil {
		return nil, false
	}
	var c cachedReport
	if json.Unmarshal(b, &c) != nil {
		return nil, false
	}
	return c.Report, true
}

// writeValidationCache stores rep under key. The file appears whole or not
// at all (written aside, then renamed), so concurrent test processes never
// read half a result.
func writeValidationCache(key string, rep *ValidationReport) error {
	dir := validationCacheDir()
	if dir == "off" {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	b, err := json.Marshal(cachedReport{Report: rep})
	if err != nil {
		return err
	}
	// A name of its own: another test process may be storing the same key.
	f, err := os.CreateTemp(dir, key+"-*.tmp")
	if err != nil {
		return err
	}
	err = f.Chmod(0o644) // as the cache files always were; CreateTemp makes them 0600
	if err == nil {
		_, err = f.Write(b)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), filepath.Join(dir, key+".json"))
	}
	if err != nil {
		return errors.Join(err, os.Remove(f.Name()))
	}
	return nil
}
