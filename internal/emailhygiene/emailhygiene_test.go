package emailhygiene

import (
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestFromEnvAppliesTheDefaults(t *testing.T) {
	c, err := FromEnv(env(map[string]string{EnvTableName: "t"}))
	want := Config{TableName: "t", Policy: Policy{Limit: DefaultTransientBounceLimit, Window: DefaultTransientBounceWindow}}
	if err != nil || c != want {
		t.Errorf("got %+v, %v; want %+v", c, err, want)
	}
}

func TestFromEnvReadsTheRule(t *testing.T) {
	c, err := FromEnv(env(map[string]string{EnvTableName: "t", EnvTransientBounceLimit: "5", EnvTransientBounceWindow: "86400s"}))
	if err != nil || c.Policy != (Policy{Limit: 5, Window: 24 * time.Hour}) {
		t.Errorf("got %+v, %v", c, err)
	}
}

func TestFromEnvNamesEveryBadVariable(t *testing.T) {
	for name, vars := range map[string]map[string]string{
		EnvTableName:             {},
		EnvTransientBounceLimit:  {EnvTableName: "t", EnvTransientBounceLimit: "0"},
		EnvTransientBounceWindow: {EnvTableName: "t", EnvTransientBounceWindow: "soon"},
	} {
		if _, err := FromEnv(env(vars)); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%v: want an error naming %s, got %v", vars, name, err)
		}
	}
	if _, err := FromEnv(env(map[string]string{EnvTableName: "t", EnvTransientBounceWindow: "500ms"})); err == nil {
		t.Error("a window under a second must be refused")
	}
}
