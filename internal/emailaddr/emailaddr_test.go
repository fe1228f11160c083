package emailaddr

import (
	"strings"
	"testing"
)

func TestNormalizeKeysTheWholeAddressInLowerCase(t *testing.T) {
	cases := map[string]string{
		"  User.Name@Example.COM \t": "user.name@example.com",
		"JANE@EXAMPLE.ORG":           "jane@example.org",
		"a@b@Host.Example":           "a@b@host.example",
		"Plus+Tag@xn--bcher-KVA.de":  "plus+tag@xn--bcher-kva.de",
		"o'Brien@Example.com":        "o'brien@example.com",
	}
	for in, want := range cases {
		got, err := Normalize(in)
		if err != nil || got != want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", in, got, err, want)
		}
		if again, err := Normalize(got); err != nil || again != got {
			t.Errorf("Normalize(%q) = %q, %v: not a fixed point", got, again, err)
		}
	}
}

func TestNormalizeRefusesWhatSESCannotSendTo(t *testing.T) {
	for _, bad := range []string{
		"", "@example.com", "user@", "no at sign", strings.Repeat("a", 250) + "@b.com", "a\x00b@c", "a\x7fb@c",
		// Not 7-bit ASCII: SES does not send to these, and Java and Go lower-case them differently.
		"ÜSER@BÜCHER.DE", "İ@example.com", "ΟΔΟΣ@example.com", "\u212Aelvin@example.com",
	} {
		if got, err := Normalize(bad); err == nil {
			t.Errorf("Normalize(%q) accepted, as %q", bad, got)
		}
	}
}

func TestSpellingTakesTheAddressOutOfADisplayName(t *testing.T) {
	for in, want := range map[string]string{
		"Jane Doe <JANE@EXAMPLE.ORG>": "JANE@EXAMPLE.ORG",
		"  Jane@Example.org\t":        "Jane@Example.org",
		"jane@example.org":            "jane@example.org",
	} {
		if got, err := Spelling(in); err != nil || got != want {
			t.Errorf("Spelling(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := Spelling("Jane <unterminated"); err == nil {
		t.Error("a broken display-name form must be refused")
	}
}
