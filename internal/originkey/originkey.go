// Package originkey holds what constructs/frontdoor and its rotation handler
// (lambda/originkey) must agree on: the handler's environment, the tag on the
// API keys it creates, and the key's length.
package originkey

// The rotation handler's environment, which the construct sets.
const (
	EnvMode           = "MODE"             // Header or ApiKey
	EnvDistributionID = "DISTRIBUTION_ID"  // the CloudFront distribution
	EnvOriginID       = "ORIGIN_ID"        // its origin carrying the header
	EnvHeaderName     = "HEADER_NAME"      // the origin custom header
	EnvPatternSetName = "PATTERN_SET_NAME" // Header mode: the WAF regex pattern set
	EnvPatternSetID   = "PATTERN_SET_ID"
	EnvUsagePlanID    = "USAGE_PLAN_ID"    // ApiKey mode: the CloudFront_only usage plan
	EnvBootstrapKeyID = "BOOTSTRAP_KEY_ID" // ApiKey mode: the CloudFormation-owned first key
	EnvKeyTag         = "KEY_TAG"          // ApiKey mode: TagKey's value, unique to the construct
)

// TagKey is the tag on the API keys the rotation creates. IAM lets the
// rotation create API keys only with it and delete only keys that carry it.
const TagKey = "blueprints:origin-key"

// KeyLength is the origin key's length, in letters and digits (about 285 bits).
const KeyLength = 48
