//go:build integ

package integ

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"testing"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
)

// SenderEnv names the verified SES identity the email checks send from:
// SES sends only from verified identities, and in the sandbox only to
// verified addresses and the mailbox simulator ("Using the mailbox
// simulator", Amazon SES Developer Guide).
const SenderEnv = "INTEG_EMAIL_FROM"

// simulated are the mailbox simulator's addresses and the state each must
// leave in the table: a delivery enables, a hard bounce and a complaint
// disable.
var simulated = []struct{ address, state string }{
	{"success@simulator.amazonses.com", "enable"},
	{"bounce@simulator.amazonses.com", "disable"},
	{"complaint@simulator.amazonses.com", "disable"},
}

// TestEmailStack sends through the stack's configuration set to the SES
// mailbox simulator, then polls the IAM-authorized lookup API until each
// address shows the state its event implies. Online only: SES is not
// emulated (the handler's rules are tested offline against dynalite).
func TestEmailStack(t *testing.T) {
	from := os.Getenv(SenderEnv)
	if from == "" {
		t.Fatalf("%s must name an SES identity verified in this account and region (the sender of the simulator messages)", SenderEnv)
	}
	env, out := deployed(t, "EmailStack")
	ses := sesv2.NewFromConfig(env.Config)
	var checks []NamedCheck
	for _, s := range simulated {
		checks = append(checks, NamedCheck{Name: fmt.Sprintf("%s ends %s", s.address, s.state), Resource: out["LookupUrl"] + "suppressions/" + s.address,
			Run: func(ctx context.Context) error {
				_, err := ses.SendEmail(ctx, &sesv2.SendEmailInput{
					FromEmailAddress:     &from,
					Destination:          &types.Destination{ToAddresses: []string{s.address}},
					ConfigurationSetName: ptr(out["ConfigurationSetName"]),
					Content: &types.EmailContent{Simple: &types.Message{
						Subject: &types.Content{Data: ptr("Blueprints integration check")},
						Body:    &types.Body{Text: &types.Content{Data: ptr("A message to the SES mailbox simulator.")}},
					}},
				})
				if err != nil {
					return fmt.Errorf("sending to %s: %w", s.address, err)
				}
				return Eventually(ctx, 5*time.Minute, func(ctx context.Context) error { return lookup(ctx, env, out["LookupUrl"], s.address, s.state) })
			}})
	}
	Run(t, "EmailStack", checks)
}

// lookup GETs the address's item, signed with SigV4 for execute-api, and
// wants its state.
func lookup(ctx context.Context, env Env, base, address, state string) error {
	req, err := http.NewRequestWithContext(ctx, "GET", base+"suppressions/"+url.PathEscape(address), nil)
	if err != nil {
		return err
	}
	creds, err := env.Config.Credentials.Retrieve(ctx)
	if err != nil {
		return err
	}
	empty := sha256.Sum256(nil)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(empty[:]), "execute-api", env.Region, time.Now()); err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	var item struct {
		State string `json:"state"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(b, &item) != nil || item.State != state {
		return fmt.Errorf("GET suppressions/%s: %d %s, want state %q", address, resp.StatusCode, b, state)
	}
	return nil
}

func ptr(s string) *string { return &s }
