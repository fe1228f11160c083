// Package originkey is the contract between constructs/frontdoor and its
// rotation handler, lambda/originkey: the handler's environment and modes,
// the tag on the API keys it creates, and the key's length. FromEnv is
// called by the handler at start and by the construct at synth.
package originkey

import (
	"errors"
	"fmt"
	"net/url"
	"time"
)

// The rotation handler's environment, which the construct sets.
const (
	EnvMode           = "MODE"             // ModeHeader or ModeAPIKey
	EnvDistributionID = "DISTRIBUTION_ID"  // the CloudFront distribution
	EnvOriginID       = "ORIGIN_ID"        // its origin carrying the header
	EnvHeaderName     = "HEADER_NAME"      // the origin custom header
	EnvPatternSetName = "PATTERN_SET_NAME" // Header mode: the WAF regex pattern set
	EnvPatternSetID   = "PATTERN_SET_ID"
	EnvUsagePlanID    = "USAGE_PLAN_ID"    // ApiKey mode: the CloudFront_only usage plan
	EnvBootstrapKeyID = "BOOTSTRAP_KEY_ID" // ApiKey mode: the CloudFormation-owned first key
	EnvKeyTag         = "KEY_TAG"          // ApiKey mode: TagKey's value, unique to the construct
	EnvProbeURL       = "PROBE_URL"        // optional: a URL of the origin to probe with the header
	EnvRefusedHeader  = "REFUSED_HEADER"   // optional: the header that marks the origin check's own 403
)

// WAFRefusedHeader is the header the origin web ACL's block adds (ModeHeader):
// WAF prefixes a custom response header's name with x-amzn-waf-.
const WAFRefusedHeader = "x-amzn-waf-origin-key"

// SettleMargin is the least time between making the origin accept a new key
// and making CloudFront send it (see constructs/frontdoor/README.md, "Rotation timeline").
const SettleMargin = 5 * time.Minute

// FunctionTimeout is the rotation function's timeout, Lambda's largest: a
// setSecret may wait for CloudFront, probe, and wait out SettleMargin.
const FunctionTimeout = 15 * time.Minute

// TagKey is the tag on the API keys the rotation creates. IAM lets the
// rotation create API keys only with it and delete only keys that carry it.
const TagKey = "blueprints:origin-key"

// KeyLength is the origin key's length, in letters and digits (about 285 bits).
const KeyLength = 48

// The modes: how the origin checks the key (see constructs/frontdoor).
const (
	ModeHeader = "Header" // a WAF regex pattern set of accepted values
	ModeAPIKey = "ApiKey" // API keys in a usage plan
)

// Config is the rotation handler's configuration.
type Config struct {
	Mode           string
	DistributionID string // the CloudFront distribution
	OriginID       string // its origin carrying the header
	HeaderName     string // the origin custom header
	PatternSetName string // ModeHeader: the WAF regex pattern set
	PatternSetID   string
	UsagePlanID    string // ModeAPIKey: the CloudFront_only usage plan
	BootstrapKeyID string // ModeAPIKey: the CloudFormation-owned first key
	KeyTag         string // ModeAPIKey: TagKey's value
	ProbeURL       string // optional: the origin URL to probe
	RefusedHeader  string // optional: only a 403 with this header is a refusal
}

// FromEnv reads the configuration (getenv is os.Getenv in the handler), or
// an error that names every variable that is missing or wrong.
func FromEnv(getenv func(string) string) (Config, error) {
	var errs []error
	need := func(name string) string {
		v := getenv(name)
		if v == "" {
			errs = append(errs, fmt.Errorf("%s is not set", name))
		}
		return v
	}
	c := Config{Mode: getenv(EnvMode), DistributionID: need(EnvDistributionID), OriginID: need(EnvOriginID), HeaderName: need(EnvHeaderName)}
	switch c.Mode {
	case ModeHeader:
		c.PatternSetName, c.PatternSetID = need(EnvPatternSetName), need(EnvPatternSetID)
	case ModeAPIKey:
		c.UsagePlanID, c.BootstrapKeyID, c.KeyTag = need(EnvUsagePlanID), need(EnvBootstrapKeyID), need(EnvKeyTag)
	default:
		errs = append(errs, fmt.Errorf("%s is %q, want %s or %s", EnvMode, c.Mode, ModeHeader, ModeAPIKey))
	}
	if v := getenv(EnvProbeURL); v != "" {
		if u, err := url.Parse(v); err != nil || u.Scheme != "https" || u.Host == "" {
			errs = append(errs, fmt.Errorf("%s %q must be an https URL", EnvProbeURL, v))
		}
		c.ProbeURL = v
	}
	c.RefusedHeader = getenv(EnvRefusedHeader)
	return c, errors.Join(errs...)
}
