package assertions

import (
	"os"
	"path/filepath"
	"testing"
)

func TestValidationCacheIsKeyedByEveryTemplateByte(t *testing.T) {
	t.Setenv("BLUEPRINTS_VALIDATION_CACHE", t.TempDir())
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("A.template.json", `{"Resources":{}}`)
	k1, _ := validationKey(dir)
	if _, ok := readValidationCache(k1); ok {
		t.Fatal("an empty cache had a result")
	}
	rep := &ValidationReport{PluginReports: []ValidationPluginReport{{PluginName: CloudFormationValidatePlugin}}}
	if err := writeValidationCache(k1, rep); err != nil {
		t.Fatal(err)
	}
	got, ok := readValidationCache(k1)
	if !ok || len(got.PluginReports) != 1 || got.PluginReports[0].PluginName != CloudFormationValidatePlugin {
		t.Fatalf("round trip gave %+v, %v", got, ok)
	}
	write("A.template.json", `{"Resources": {}}`) // one byte more
	if k2, _ := validationKey(dir); k2 == k1 {
		t.Error("a changed template kept its key")
	}
	write("B.template.json", `{}`)
	k3, _ := validationKey(dir)
	write("B.template.json", `{}`)
	if k4, _ := validationKey(dir); k3 != k4 {
		t.Error("the same templates gave two keys")
	}
}

func TestAMissingValidationReportIsAFinding(t *testing.T) {
	f := ValidationFindings(&Result{ID: "S"})
	if len(f) != 1 || f[0].Rule != "NoValidationReport" {
		t.Errorf("got %v", f)
	}
}
