// Package emailhygiene is the contract between constructs/emailhygiene and
// its handler, lambda/emailhygiene: the handler's environment, its defaults,
// the table's key and the item attributes the lookup API returns. FromEnv
// is called by the handler at start and by the construct at synth, so a bad
// prop fails `cdk synth`, not the first notification.
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
	EnvTransientBounceLimit  = "TRANSIENT_BOUNCE_LIMIT"  // a whole number, at least 1
	EnvTransientBounceWindow = "TRANSIENT_BOUNCE_WINDOW" // a Go duration, such as 72h
)

// The transient-bounce rule's defaults.
const (
	DefaultTransientBounceLimit  = 3
	DefaultTransientBounceWindow = 72 * time.Hour
)

// PartitionKey is the table's key: the normalized email address.
const PartitionKey = "UserId"

// LookupAttributes are the item attributes, besides PartitionKey, that the
// handler writes and the lookup API (GET /suppressions/{email}) returns.
var LookupAttributes = []string{"state", "notificationType", "from", "timestamp", "bounceType", "bounceSubType",
	"complaintFeedbackType", "bounceCount", "lastBounceAt"}

// Policy is the transient-bounce rule: Limit transient bounces within
// Window, with no newer delivery, disable an address.
type Policy struct {
	Limit  int
	Window time.Duration
}

// Config is the handler's configuration.
type Config struct {
	TableName string
	Policy    Policy
}

// FromEnv reads the configuration (getenv is os.Getenv in the handler); an
// unset rule variable keeps its default, and a missing table or malformed
// value is an error that names the variable.
func FromEnv(getenv func(string) string) (Config, error) {
	c := Config{TableName: getenv(EnvTableName), Policy: Policy{Limit: DefaultTransientBounceLimit, Window: DefaultTransientBounceWindow}}
	var errs []error
	if c.TableName == "" {
		errs = append(errs, fmt.Errorf("%s is not set", EnvTableName))
	}
	if v := getenv(EnvTransientBounceLimit); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			errs = append(errs, fmt.Errorf("%s %q must be a whole number, at least 1", EnvTransientBounceLimit, v))
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
	return c, errors.Join(errs...)
}
