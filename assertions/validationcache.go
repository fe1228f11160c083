package assertions

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
)

// validationCacheDir holds CloudFormation validation results, one file per
// set of templates. BLUEPRINTS_VALIDATION_CACHE moves it; "off" disables it.
func validationCacheDir() string {
	if d := os.Getenv("BLUEPRINTS_VALIDATION_CACHE"); d != "" {
		return d
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "off"
	}
	return filepath.Join(d, "blueprints", "cfn-validation")
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

func writeValidationCache(key string, rep *ValidationReport) {
	dir := validationCacheDir()
	if dir == "off" || os.MkdirAll(dir, 0o755) != nil {
		return
	}
	b, _ := json.Marshal(cachedReport{Report: rep})
	tmp := filepath.Join(dir, key+".tmp")
	if os.WriteFile(tmp, b, 0o644) == nil {
		os.Rename(tmp, filepath.Join(dir, key+".json"))
	}
}
