// Package emailaddr normalizes email addresses the one way the email-hygiene
// handler and its lookup API both use.
package emailaddr

import (
	"fmt"
	"net/mail"
	"strings"
)

// MaxLen is the longest address accepted (RFC 5321's path limit).
const MaxLen = 254

// Normalize trims an address (of the characters Java's trim()
// removes, as constructs/emailhygiene's lookup mapping template does) and lower-cases its
// domain; the local part is case-sensitive in principle and kept as is.
// A display name ("Name <a@b>") is dropped.
func Normalize(s string) (string, error) {
	if strings.ContainsRune(s, '<') {
		a, err := mail.ParseAddress(s)
		if err != nil {
			return "", fmt.Errorf("%q is not an email address", s)
		}
		s = a.Address
	}
	s = strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return "", fmt.Errorf("%q is not an email address", s)
	}
	if len(s) > MaxLen {
		return "", fmt.Errorf("address of %d bytes is over %d", len(s), MaxLen)
	}
	for _, r := range s {
		if r < ' ' || r == 0x7f {
			return "", fmt.Errorf("%q holds a control character", s)
		}
	}
	return s[:at] + strings.ToLower(s[at:]), nil
}
