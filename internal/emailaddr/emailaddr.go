// Package emailaddr turns an email address into the table key that the
// email-hygiene handler writes and its lookup API reads: one key per
// address, whatever its spelling.
//
// Normalize has a twin in Velocity, constructs/emailhygiene
// NormalizeAddressVtl, which API Gateway runs on the lookup's path
// parameter; a test renders the template on thousands of inputs and checks
// that the two agree. The rules are chosen so that they can agree:
//   - trimming removes what Java's String.trim() removes, U+0000 to U+0020;
//   - lower-casing maps only A to Z. Java's toLowerCase and Go's
//     strings.ToLower differ beyond ASCII ('İ' becomes "i̇", two code
//     points, in Java and 'i' in Go; Java lower-cases a final 'Σ' to 'ς';
//     Java's result depends on the JVM's default locale, where a Turkish
//     one maps 'I' to 'ı'), and API Gateway's JVM locale is not documented;
//   - an address must be 7-bit ASCII, which is all SES sends to: "Amazon SES
//     does not support the SMTPUTF8 extension, as described in RFC6531. For
//     this reason, the email address string must be 7-bit ASCII" (Amazon SES
//     API Reference, Destination), with non-ASCII domains in Punycode.
package emailaddr

import (
	"fmt"
	"net/mail"
	"strings"
)

// MaxLen is the longest address accepted (RFC 5321's path limit).
const MaxLen = 254

// Normalize is the key of an address: trimmed (as Java's trim() trims), and
// lower-cased as a whole, local part included. RFC 5321 lets a mailbox's
// local part be case-sensitive, but providers treat it case-insensitively
// in practice, and SES reports a bounce under the DSN's Final-Recipient
// (Amazon SES Developer Guide, "Amazon SNS notification contents for
// Amazon SES", bouncedRecipients), whose case may differ from the address
// sent to; two keys for one mailbox would split its history.
//
// An address that is empty, has no '@' with text on both sides, is longer
// than MaxLen, or holds a character outside printable 7-bit ASCII is an
// error. Normalize of its own result is that result.
func Normalize(s string) (string, error) {
	s = strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return "", fmt.Errorf("%q is not an email address", s)
	}
	if len(s) > MaxLen {
		return "", fmt.Errorf("address of %d bytes is over %d", len(s), MaxLen)
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < ' ' || c == 0x7f:
			return "", fmt.Errorf("%q holds a control character", s)
		case c > 0x7f:
			return "", fmt.Errorf("%q is not 7-bit ASCII, and SES sends only to ASCII addresses (non-ASCII domains in Punycode)", s)
		}
	}
	return lowerASCII(s), nil
}

// lowerASCII maps A to Z to a to z and leaves every other byte alone.
func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// Spelling is the address in s as it was written: s trimmed (as Normalize
// trims), or, when s has the form "Display Name <address>", the address
// inside the brackets. It is what the handler keeps besides the key.
func Spelling(s string) (string, error) {
	if strings.ContainsRune(s, '<') {
		a, err := mail.ParseAddress(s)
		if err != nil {
			return "", fmt.Errorf("%q is not an email address", s)
		}
		s = a.Address
	}
	return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' }), nil
}
