// Package emailhygiene is the contract between constructs/emailhygiene and
// its handler, lambda/emailhygiene: the handler's environment, its defaults
// and limits, the table's key and the item attributes the lookup API
// returns. FromEnv is called by the handler at start and by the construct at
// synth, so a bad prop fails `cdk synth`, not the first notification.
package emailhygiene

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// The handler's environment, which the construct sets.
const (
	EnvTableName             = "TABLE_NAME"              // the address table
	EnvTransientBounceLimit  = "TRANSIENT_BOUNCE_LIMIT"  // a whole number, 1 to MaxTransientBounceLimit
	EnvTransientBounceWindow = "TRANSIENT_BOUNCE_WINDOW" // a Go duration, such as 72h
	EnvComplaintScope        = "COMPLAINT_SCOPE"         // ComplaintScopeEveryRecipient or ComplaintScopeSingleRecipient
)

// The transient-bounce rule's defaults.
const (
	DefaultTransientBounceLimit  = 3
	DefaultTransientBounceWindow = 72 * time.Hour
)

// TransientHistory is how many transient bounces an item keeps: the newest
// ones since the newest delivery. The rule looks at those only, which bounds
// an item however often its address bounces.
const TransientHistory = 20

// MaxTransientBounceLimit is the largest transient-bounce limit: the rule
// cannot count more bounces than an item keeps.
const MaxTransientBounceLimit = TransientHistory

// What a complaint that lists several recipients does. SES lists every
// recipient of the message on the complaining domain, because most ISPs
// redact who complained (Amazon SES Developer Guide, "Contents of event data
// that Amazon SES publishes to Amazon SNS", Complained recipients).
const (
	// ComplaintScopeEveryRecipient disables every recipient a complaint
	// lists (the default): the sure way to stop mailing whoever complained.
	ComplaintScopeEveryRecipient = "every-recipient"
	// ComplaintScopeSingleRecipient disables only the recipient of a
	// complaint that lists exactly one; a complaint that lists more is
	// logged and counted, and disables no one.
	ComplaintScopeSingleRecipient = "single-recipient"
)

// PartitionKey is the table's key: the address, normalized (internal/emailaddr).
const PartitionKey = "UserId"

// LookupAttributes are the item attributes, besides PartitionKey, that the
// handler writes and the lookup API (GET /suppressions/{email}) returns.
// "address" is the spelling SES reported in the event that decided the state.
var LookupAttributes = []string{"state", "address", "notificationType", "from", "timestamp", "bounceType", "bounceSubType",
	"complaintFeedbackType", "bounceCount", "lastBounceAt"}

// Policy is the transient-bounce rule: Limit transient bounces within
// Window, with no newer delivery, disable an address. Only the newest
// TransientHistory transient bounces since the newest delivery count.
type Policy struct {
	Limit  int
	Window time.Duration
}

// Config is the handler's configuration.
type Config struct {
	TableName string
	Policy    Policy
	// ComplaintScope is ComplaintScopeEveryRecipient or ComplaintScopeSingleRecipient.
	ComplaintScope string
}

// FromEnv reads the configuration (getenv is os.Getenv in the handler); an
// unset optional variable keeps its default, and a missing table or
// malformed value is an error that names the variable.
func FromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		TableName:      getenv(EnvTableName),
		Policy:         Policy{Limit: DefaultTransientBounceLimit, Window: DefaultTransientBounceWindow},
		ComplaintScope: ComplaintScopeEveryRecipient,
	}
	var errs []error
	if c.TableName == "" {
		errs = append(errs, fmt.Errorf("%s is not set", EnvTableName))
	}
	if v := getenv(EnvTransientBounceLimit); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxTransientBounceLimit {
			errs = append(errs, fmt.Errorf("%s %q must be a whole number from 1 to %d (an item keeps the newest %d transient bounces)",
				EnvTransientBounceLimit, v, MaxTransientBounceLimit, TransientHistory))
		}
		c.Policy.Limit = n
	}
	if v := getenv(EnvTransientBounceWindow); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second {
			errs = append(errs, fmt.Errorf("%s %q must be a duration of at least 1s, such as 72h", EnvTransientBounceWindow, v))
		}
		c.Policy.Window = d
	}
	if v := getenv(EnvComplaintScope); v != "" {
		if v != ComplaintScopeEveryRecipient && v != ComplaintScopeSingleRecipient {
			errs = append(errs, fmt.Errorf("%s %q must be %q or %q", EnvComplaintScope, v, ComplaintScopeEveryRecipient, ComplaintScopeSingleRecipient))
		}
		c.ComplaintScope = v
	}
	return c, errors.Join(errs...)
}
