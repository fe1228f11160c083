package emailhygiene

import (
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestFromEnvAppliesTheDefaults(t *testing.T) {
	c, err := FromEnv(env(map[string]string{EnvTableName: "t"}))
	want := Config{
		TableName: "t", Policy: Policy{Limit: DefaultTransientBounceLimit, Window: DefaultTransientBounceWindow},
		ComplaintScope: ComplaintScopeEveryRecipient,
	}
	if err != nil || c != want {
		t.Errorf("got %+v, %v; want %+v", c, err, want)
	}
}

func TestFromEnvReadsTheRules(t *testing.T) {
	c, err := FromEnv(env(map[string]string{
		EnvTableName: "t", EnvTransientBounceLimit: "5", EnvTransientBounceWindow: "86400s", EnvComplaintScope: ComplaintScopeSingleRecipient,
	}))
	if err != nil || c.Policy != (Policy{Limit: 5, Window: 24 * time.Hour}) || c.ComplaintScope != ComplaintScopeSingleRecipient {
		t.Errorf("got %+v, %v", c, err)
	}
}

func TestFromEnvNamesEveryBadVariable(t *testing.T) {
	for name, vars := range map[string]map[string]string{
		EnvTableName:             {},
		EnvTransientBounceLimit:  {EnvTableName: "t", EnvTransientBounceLimit: "0"},
		EnvTransientBounceWindow: {EnvTableName: "t", EnvTransientBounceWindow: "soon"},
		EnvComplaintScope:        {EnvTableName: "t", EnvComplaintScope: "some"},
	} {
		if _, err := FromEnv(env(vars)); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%v: want an error naming %s, got %v", vars, name, err)
		}
	}
	if _, err := FromEnv(env(map[string]string{EnvTableName: "t", EnvTransientBounceWindow: "500ms"})); err == nil {
		t.Error("a window under a second must be refused")
	}
}

// The rule cannot count more transient bounces than an item keeps.
func TestFromEnvRefusesALimitOverTheHistory(t *testing.T) {
	over := map[string]string{EnvTableName: "t", EnvTransientBounceLimit: "21"}
	if _, err := FromEnv(env(over)); err == nil || !strings.Contains(err.Error(), "from 1 to 20") {
		t.Errorf("limit 21: want an error, got %v", err)
	}
	if c, err := FromEnv(env(map[string]string{EnvTableName: "t", EnvTransientBounceLimit: "20"})); err != nil || c.Policy.Limit != 20 {
		t.Errorf("limit 20: got %+v, %v", c, err)
	}
}
