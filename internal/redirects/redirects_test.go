package redirects

import (
	"strings"
	"testing"
)

func TestTargets(t *testing.T) {
	c := Config{Schemes: []string{"https"}}
	for target, ok := range map[string]bool{
		"https://example.com/a?b=c": true, "HTTPS://example.com": true,
		"javascript:alert(1)": false, "http://example.com": false, "https://u:p@x.example": false, "https://x.example/\r\nSet-Cookie: a=b": false,
		"//example.com": false, "https://": false, "": false, "data:text/html,x": false, "https://x.example/" + strings.Repeat("a", 2048): false,
		"https://x.example/a b": false, "https://x.example/\u0085": false, "https://x.example/é": false, "https://x.example/%C3%A9": true,
	} {
		if err := c.CheckTarget(target); (err == nil) != ok {
			t.Errorf("%q: %v, want ok=%v", target, err, ok)
		}
	}
	env := map[string]string{EnvTableName: "t", EnvAllowedHosts: "Example.COM"}
	hosts, err := FromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if hosts.CheckTarget("https://example.com/x") != nil || hosts.CheckTarget("https://evil.example/x") == nil {
		t.Error("allowed hosts")
	}
}

func TestSlugsAndEnv(t *testing.T) {
	for s, ok := range map[string]bool{"abc": true, "a-b_C9": true, strings.Repeat("a", 64): true, strings.Repeat("a", 65): false,
		"<script>": false, "../x": false, "": false, "a b": false, "é": false} {
		if ValidSlug(s) != ok {
			t.Errorf("%q: want %v", s, ok)
		}
	}
	env := map[string]string{EnvAllowedSchemes: "https,ftp", EnvAllowedHosts: "a/b"}
	_, err := FromEnv(func(k string) string { return env[k] })
	for _, want := range []string{EnvTableName, `"ftp" must be https or http`, `"a/b" must be a host name`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %s", err, want)
		}
	}
}
