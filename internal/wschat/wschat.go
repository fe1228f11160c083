// Package wschat is the contract between constructs/wschat and its handler,
// lambda/wschat: the handler's environment, its defaults and limits, and the
// connections table's attributes. FromEnv is called by the handler at start
// and by the construct at synth, so a bad prop fails `cdk synth`, not the
// first message.
package wschat

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// The handler's environment, which the construct sets.
const (
	EnvTableName       = "TABLE_NAME"         // the connections table
	EnvRoute           = "ROUTE"              // what this function answers: one of the Route… constants
	EnvSendAction      = "SEND_ACTION"        // the send route's action, such as sendmessage
	EnvMaxMessageBytes = "MAX_MESSAGE_BYTES"  // the largest data a send accepts, in bytes
	EnvConcurrency     = "CONCURRENCY"        // how many posts a broadcast makes at once
	EnvScanPageSize    = "SCAN_PAGE_SIZE"     // items per Scan page (0: DynamoDB's 1 MB pages)
	EnvDeadline        = "BROADCAST_DEADLINE" // a Go duration: a broadcast stops posting after it
)

// What a function answers (EnvRoute). One handler binary serves every
// route; each route is its own function, with its own role.
const (
	RouteConnect    = "connect"
	RouteDisconnect = "disconnect"
	RouteSend       = "send"
	RouteDefault    = "default"
)

// The connections table's attributes.
const (
	// PartitionKey is the table's key: API Gateway's connectionId.
	PartitionKey = "connectionId"
	// TTLAttribute is the epoch second after which DynamoDB's TTL may delete
	// the item: $disconnect is best-effort, and a connection lasts at most
	// MaxConnectionDuration.
	TTLAttribute = "expiresAt"
	// ConnectedAtAttribute is the epoch millisecond of $connect.
	ConnectedAtAttribute = "connectedAt"
)

// MaxConnectionDuration is the longest a WebSocket connection lasts (Amazon
// API Gateway developer guide, "Amazon API Gateway quotas for configuring
// and running a WebSocket API": connection duration, 2 hours).
const MaxConnectionDuration = 2 * time.Hour

// Message sizes (the same quotas page): API Gateway accepts a message of at
// most 128 KB, in frames of at most 32 KB, and closes a connection that
// sends more (status 1009) before any integration runs. Most clients
// (browsers, wscat) send a message as one frame, so the default data limit
// leaves room within 32 KB for the {"action":…,"data":…} around it and
// its escaping; a larger limit needs clients that fragment.
const (
	DefaultMaxMessageBytes = 30 * 1024
	MaxMessageBytes        = 128 * 1024
	MaxFrameBytes          = 32 * 1024
)

// DefaultSendAction is the post's action name.
const DefaultSendAction = "sendmessage"

// DefaultConcurrency is how many posts a broadcast makes at once.
const DefaultConcurrency = 32

// DefaultDeadline bounds a broadcast below API Gateway's 29-second
// integration timeout, with the function's timeout between the two.
const DefaultDeadline = 25 * time.Second

// actionName is what a route key may be, besides the $ routes.
var actionName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// ValidAction reports whether name may be the send action: letters, digits,
// "_" and "-", at most 64, and not a $ route.
func ValidAction(name string) bool { return actionName.MatchString(name) }

// Config is the handler's configuration.
type Config struct {
	TableName       string
	Route           string
	SendAction      string
	MaxMessageBytes int
	Concurrency     int
	ScanPageSize    int
	Deadline        time.Duration
}

// FromEnv reads the configuration (getenv is os.Getenv in the handler); an
// unset optional variable keeps its default, and a missing table or route
// or a malformed value is an error that names the variable.
func FromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		TableName: getenv(EnvTableName), Route: getenv(EnvRoute), SendAction: DefaultSendAction,
		MaxMessageBytes: DefaultMaxMessageBytes, Concurrency: DefaultConcurrency, Deadline: DefaultDeadline,
	}
	var errs []error
	if c.TableName == "" {
		errs = append(errs, fmt.Errorf("%s is not set", EnvTableName))
	}
	switch c.Route {
	case RouteConnect, RouteDisconnect, RouteSend, RouteDefault:
	default:
		errs = append(errs, fmt.Errorf("%s %q must be %q, %q, %q or %q", EnvRoute, c.Route, RouteConnect, RouteDisconnect, RouteSend, RouteDefault))
	}
	if v := getenv(EnvSendAction); v != "" {
		if !ValidAction(v) {
			errs = append(errs, fmt.Errorf("%s %q must be 1 to 64 letters, digits, _ or -", EnvSendAction, v))
		}
		c.SendAction = v
	}
	for _, n := range []struct {
		name     string
		into     *int
		min, max int
	}{
		{EnvMaxMessageBytes, &c.MaxMessageBytes, 1, MaxMessageBytes},
		{EnvConcurrency, &c.Concurrency, 1, 1000},
		{EnvScanPageSize, &c.ScanPageSize, 0, 10000},
	} {
		if v := getenv(n.name); v != "" {
			i, err := strconv.Atoi(v)
			if err != nil || i < n.min || i > n.max {
				errs = append(errs, fmt.Errorf("%s %q must be a whole number from %d to %d", n.name, v, n.min, n.max))
			}
			*n.into = i
		}
	}
	if v := getenv(EnvDeadline); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second || d >= 29*time.Second {
			errs = append(errs, fmt.Errorf("%s %q must be a duration from 1s to under 29s (API Gateway's integration timeout)", EnvDeadline, v))
		}
		c.Deadline = d
	}
	return c, errors.Join(errs...)
}
