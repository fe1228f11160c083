package emailaddr

import (
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	cases := map[string]string{
		"  User.Name@Example.COM \t":  "User.Name@example.com",
		"Jane Doe <JANE@EXAMPLE.ORG>": "JANE@example.org",
		"a@b@Host.Example":            "a@b@host.example",
		"ÜSER@BÜCHER.DE":              "ÜSER@bücher.de",
	}
	for in, want := range cases {
		if got, err := Normalize(in); err != nil || got != want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "@example.com", "user@", "no at sign", strings.Repeat("a", 250) + "@b.com"} {
		if _, err := Normalize(bad); err == nil {
			t.Errorf("Normalize(%q) accepted", bad)
		}
	}
}
