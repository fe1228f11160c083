// Command minttoken mints a test token for ApiStack's POST /comments: an
// HS256 JWT signed with the HMAC key read from standard input (the
// TokenKeySecretArn secret's value).
//
//	aws secretsmanager get-secret-value --secret-id <TokenKeySecretArn> \
//	  --query SecretString --output text | go run ./apps/apistack/minttoken -sub alice -scope users
//
// It prints the token; send it as "Authorization: Bearer <token>".
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/blueprints-cdk/blueprints/apps/apistack/smoke"
)

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stdout, time.Now()); err != nil {
		fmt.Fprintln(os.Stderr, "minttoken:", err)
		os.Exit(2)
	}
}

// run parses the flags, reads the key and writes the token.
func run(args []string, key io.Reader, out io.Writer, now time.Time) error {
	fs := flag.NewFlagSet("minttoken", flag.ContinueOnError)
	sub := fs.String("sub", "", "the subject (required)")
	scope := fs.String("scope", "users", "space-separated scopes, such as \"users\" or \"admins\"")
	ttl := fs.Duration("ttl", time.Hour, "how long the token is valid")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *sub == "" || strings.ContainsAny(*sub, "*?/ \t\r\n") {
		return errors.New("-sub is required, without *, ?, / or whitespace")
	}
	if *ttl <= 0 || *ttl > 24*time.Hour {
		return errors.New("-ttl must be from 1s to 24h")
	}
	b, err := io.ReadAll(io.LimitReader(key, 4096))
	if err != nil {
		return err
	}
	k := strings.TrimRight(string(b), "\r\n")
	if len(k) < 32 {
		return fmt.Errorf("the key on standard input is %d bytes; want the secret's value (43 characters or more)", len(k))
	}
	tok, err := smoke.Mint([]byte(k), map[string]any{"sub": *sub, "scope": *scope, "iat": now.Unix(), "exp": now.Add(*ttl).Unix()})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(out, tok)
	return err
}
