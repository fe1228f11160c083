package frontdoor

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"

	"github.com/blueprints-cdk/blueprints/internal/defaults"
	"github.com/blueprints-cdk/blueprints/internal/originkey"
	"github.com/blueprints-cdk/blueprints/internal/ptr"
)

// Mode is how the origin checks the origin key that CloudFront sends. Like
// the CDK Go bindings' enums, it is a value, not a pointer: the empty Mode
// is the default.
type Mode string

const (
	// ModeHeader sends the key in X-Origin-Verify; a regional WAF web ACL on
	// the origin (REST API stage or ALB) blocks requests without an accepted
	// value. Rotation updates only the web ACL's regex pattern set.
	ModeHeader Mode = originkey.ModeHeader
	// ModeApiKey is the post's: the key is an API Gateway API key sent in
	// x-api-key, in a usage plan named CloudFront_only bound to the stage, and
	// every method of the API requires an API key. REST API origins only.
	ModeApiKey Mode = originkey.ModeAPIKey
)

// Schedule is how often the origin key rotates: the post's choices. Like
// Mode, it is a value; the empty Schedule is the default.
type Schedule string

const (
	// Daily rotates every day.
	Daily Schedule = "Daily"
	// Fortnightly rotates every 14 days.
	Fortnightly Schedule = "Fortnightly"
	// Monthly rotates every 30 days.
	Monthly Schedule = "Monthly"
	// Bimonthly rotates every 60 days.
	Bimonthly Schedule = "Bimonthly"
	// Quarterly rotates every 90 days.
	Quarterly Schedule = "Quarterly"
)

// Days is the schedule's rotation interval, or 0 for an unknown schedule.
func (s Schedule) Days() float64 {
	return map[Schedule]float64{Daily: 1, Fortnightly: 14, Monthly: 30, Bimonthly: 60, Quarterly: 90}[s]
}

// Props configures a FrontDoor. The origin is required: exactly one of
// RestApi and LoadBalancer. Every other field is optional; nil means the
// default.
type Props struct {
	// RestApi is a regional REST API; its deployment stage is the origin.
	// (An edge-optimized API would put a second, unprotected CloudFront
	// distribution of API Gateway's in the path.)
	RestApi awsapigateway.RestApi
	// LoadBalancer is an Application Load Balancer origin (Header mode only).
	// CloudFront checks the origin's certificate against the name it
	// connects to, so it needs LoadBalancerDomainName (a name covered by the
	// certificate on the ALB's HTTPS listener) or UseVpcOrigin.
	LoadBalancer elbv2.IApplicationLoadBalancer
	// LoadBalancerDomainName is the ALB's DNS name on its certificate.
	LoadBalancerDomainName *string
	// UseVpcOrigin reaches the ALB (which may then be internal) through a
	// CloudFront VPC origin: over HTTPS to LoadBalancerDomainName when it is
	// set, otherwise over HTTP inside the VPC. Default: false.
	UseVpcOrigin *bool

	// Mode is how the origin checks the key. Default: ModeHeader.
	Mode Mode
	// RotationSchedule is how often the key rotates. Default: Monthly. The
	// first rotation happens one interval after the first deployment.
	RotationSchedule Schedule

	// DomainNames and Certificate (ACM, in us-east-1) serve the distribution
	// on your names with viewer TLS at least TLSv1.2_2021. Default: the
	// distribution's cloudfront.net name, whose default certificate pins the
	// minimum to TLSv1.
	DomainNames *[]*string
	Certificate awscertificatemanager.ICertificate

	// ExistingWebAclArn is a CLOUDFRONT-scope web ACL to attach instead of
	// creating one. Required when the stack is not in us-east-1, where such
	// ACLs must be created (see EdgeWebAcl). Mutually exclusive with
	// RateLimit.
	ExistingWebAclArn *string
	// RateLimit is the edge web ACL's requests per viewer IP per 5 minutes
	// (10 to 2,000,000,000). Default: 2000, the post's flood sample.
	RateLimit *float64
	// MaxBodyBytes is the largest request body the origin accepts, which the
	// edge web ACL inspects whole and enforces (see
	// EdgeWebAclProps.MaxBodyBytes). Default: DefaultMaxBodyBytes (8 KB).
	// Mutually exclusive with ExistingWebAclArn.
	MaxBodyBytes *float64

	// ExistingLogBucket receives CloudFront's access logs instead of a new
	// bucket; it must have ACLs enabled (CloudFront writes with an ACL), and
	// be in a Region enabled by default (see LegacyLogRegions). Mutually
	// exclusive with LogBucketProps.
	ExistingLogBucket awss3.IBucket
	// LogBucketProps configure the new log bucket, which is in the stack's
	// Region (one of LegacyLogRegions). Default: versioned, logs
	// kept 365 days, RemovalPolicy. Whatever they say, the bucket is SSE-S3
	// encrypted, blocks public access, enforces SSL and lets CloudFront write
	// with an ACL (object writer).
	LogBucketProps *awss3.BucketProps

	// CachePolicy replaces the managed CachingDisabled policy. Default: no
	// caching, right for APIs.
	CachePolicy awscloudfront.ICachePolicy
	// ResponseHeadersPolicy replaces the managed SecurityHeadersPolicy.
	ResponseHeadersPolicy awscloudfront.IResponseHeadersPolicy

	// ExistingAlarmTopic receives the rotation failure notifications (see
	// FrontDoor.RotationAlarms) instead of a new topic, and no key is created
	// for it. It must be in the stack's Region: an EventBridge rule's targets
	// must be in the rule's Region (AWS re:Post Knowledge Center,
	// sns-not-getting-eventbridge-notification). Its access policy, and its
	// key policy if it is encrypted, are the caller's, and the construct
	// changes neither: they must let events.amazonaws.com and
	// cloudwatch.amazonaws.com publish (sns:Publish, and kms:GenerateDataKey*
	// and kms:Decrypt on its key, which cannot be the AWS-managed aws/sns
	// key), as the construct's own topic's do. Default: a new topic,
	// encrypted with a new customer-managed key.
	ExistingAlarmTopic awssns.ITopic

	// RemovalPolicy of the secret, the log bucket and the alarm topic's key.
	// Default: RETAIN.
	RemovalPolicy *awscdk.RemovalPolicy
}

// config is Props with the defaults applied (Mode, RotationSchedule,
// CachePolicy, ResponseHeadersPolicy), plus what follows from them: all
// that the builders read.
type config struct {
	Props
	header       string // the origin custom header of Mode
	useVpcOrigin bool
	removal      awscdk.RemovalPolicy
}

// resolve explains, in the props' names, what is wrong with them, and
// applies the defaults. region is the stack's: the edge web ACL can only be
// created in us-east-1.
func resolve(p *Props, region *string) (*config, error) {
	c := &config{Props: *p, useVpcOrigin: ptr.Or(p.UseVpcOrigin, false), removal: defaults.RemovalPolicy(p.RemovalPolicy)}
	if c.Mode == "" {
		c.Mode = ModeHeader
	}
	if c.RotationSchedule == "" {
		c.RotationSchedule = Monthly
	}
	switch {
	case (p.RestApi == nil) == (p.LoadBalancer == nil):
		return nil, fmt.Errorf("give exactly one origin: Props.RestApi or Props.LoadBalancer")
	case c.Mode != ModeHeader && c.Mode != ModeApiKey:
		return nil, fmt.Errorf("Props.Mode %q: want ModeHeader or ModeApiKey", p.Mode)
	case p.LoadBalancer != nil && c.Mode == ModeApiKey:
		return nil, fmt.Errorf("Props.Mode ModeApiKey needs a REST API origin; use ModeHeader with Props.LoadBalancer")
	case p.LoadBalancer != nil && p.LoadBalancerDomainName == nil && !c.useVpcOrigin:
		return nil, fmt.Errorf("Props.LoadBalancer needs Props.LoadBalancerDomainName (a name covered by the certificate on its HTTPS listener, " +
			"which CloudFront checks) or Props.UseVpcOrigin: CloudFront cannot verify the ALB's own elb.amazonaws.com name")
	case p.RestApi != nil && (p.LoadBalancerDomainName != nil || p.UseVpcOrigin != nil):
		return nil, fmt.Errorf("Props.LoadBalancerDomainName and Props.UseVpcOrigin apply to Props.LoadBalancer only")
	case c.RotationSchedule.Days() == 0:
		return nil, fmt.Errorf("Props.RotationSchedule %q: want Daily, Fortnightly, Monthly, Bimonthly or Quarterly", p.RotationSchedule)
	case (p.DomainNames == nil) != (p.Certificate == nil):
		return nil, fmt.Errorf("Props.DomainNames and Props.Certificate go together: the certificate (in us-east-1) must cover the names")
	case p.ExistingWebAclArn != nil && p.RateLimit != nil:
		return nil, fmt.Errorf("Props.ExistingWebAclArn and Props.RateLimit are mutually exclusive: " +
			"the rate limit belongs to the web ACL the construct would create")
	case p.ExistingWebAclArn != nil && p.MaxBodyBytes != nil:
		return nil, fmt.Errorf("Props.ExistingWebAclArn and Props.MaxBodyBytes are mutually exclusive: " +
			"the body limit belongs to the web ACL the construct would create (set it with EdgeWebAclProps.MaxBodyBytes)")
	case p.ExistingWebAclArn != nil && !*awscdk.Token_IsUnresolved(p.ExistingWebAclArn) && !strings.Contains(*p.ExistingWebAclArn, ":global/webacl/"):
		return nil, fmt.Errorf("Props.ExistingWebAclArn %q is not a CLOUDFRONT-scope web ACL (arn:aws:wafv2:us-east-1:ACCOUNT:global/webacl/NAME/ID)",
			*p.ExistingWebAclArn)
	case p.ExistingLogBucket != nil && p.LogBucketProps != nil:
		return nil, fmt.Errorf("Props.ExistingLogBucket and Props.LogBucketProps are mutually exclusive")
	case p.ExistingWebAclArn == nil:
		if _, err := resolveEdge(&EdgeWebAclProps{RateLimit: p.RateLimit, MaxBodyBytes: p.MaxBodyBytes}, region, "Props."); err != nil {
			return nil, err
		}
	}
	logRegion, logBucket := region, "the new log bucket"
	if p.ExistingLogBucket != nil {
		logRegion, logBucket = p.ExistingLogBucket.Env().Region, "Props.ExistingLogBucket"
	}
	if err := checkLogRegion(logRegion, logBucket); err != nil {
		return nil, err
	}
	if t := p.ExistingAlarmTopic; t != nil && !*awscdk.Token_IsUnresolved(t.Env().Region) && !*awscdk.Token_IsUnresolved(region) &&
		*t.Env().Region != *region {
		return nil, fmt.Errorf("Props.ExistingAlarmTopic is in %s and this stack in %s: the rotation failure rule (EventBridge) "+
			"can publish only to a topic in its own Region", *t.Env().Region, *region)
	}
	c.header = map[Mode]string{ModeHeader: HeaderName, ModeApiKey: ApiKeyHeaderName}[c.Mode]
	if c.CachePolicy == nil {
		c.CachePolicy = awscloudfront.CachePolicy_CACHING_DISABLED()
	}
	if c.ResponseHeadersPolicy == nil {
		c.ResponseHeadersPolicy = awscloudfront.ResponseHeadersPolicy_SECURITY_HEADERS()
	}
	return c, nil
}

// LegacyLogRegions are the Regions where the access log bucket may be: the
// Regions enabled by default in every account, those launched before March
// 20, 2019 (AWS Account Management Reference Guide, "Enable or disable AWS
// Regions in your account"). CloudFront's standard logging (legacy), which
// the distribution uses, does not deliver logs to buckets in opt-in Regions
// (Amazon CloudFront Developer Guide, "Configure standard logging (legacy)",
// "Choose an Amazon S3 bucket for standard logs", which names af-south-1,
// ap-east-1, eu-south-1 and me-south-1; the Regions opted in since are
// newer still). Standard logging (v2), which can, is set up through
// CloudWatch Logs delivery from us-east-1; the construct does not use it.
var LegacyLogRegions = []string{
	"us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "sa-east-1",
	"eu-central-1", "eu-north-1", "eu-west-1", "eu-west-2", "eu-west-3",
	"ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-southeast-1", "ap-southeast-2",
}

// checkLogRegion refuses a log bucket Region that legacy standard logging
// cannot deliver to, or cannot be known at synth.
func checkLogRegion(region *string, bucket string) error {
	switch {
	case *awscdk.Token_IsUnresolved(region):
		return fmt.Errorf("the Region of %s is unknown at synth, and CloudFront's standard logging (legacy) delivers only to "+
			"buckets in Regions enabled by default: set the stack's env region, or pass Props.ExistingLogBucket with its Region", bucket)
	case !slices.Contains(LegacyLogRegions, *region):
		return fmt.Errorf("%s would be in %s, where CloudFront's standard logging (legacy) does not deliver logs (it delivers only to "+
			"Regions enabled by default: frontdoor.LegacyLogRegions); pass Props.ExistingLogBucket in one of them, e.g. a bucket in %s",
			bucket, *region, EdgeRegion)
	}
	return nil
}

// edgeConfig is EdgeWebAclProps with the defaults applied: all that
// NewEdgeWebAcl reads.
type edgeConfig struct {
	rateLimit       float64
	maxBodyBytes    float64
	inspectionLimit string // the CLOUDFRONT body inspection limit that covers maxBodyBytes
}

// inspectionLimits are the body inspection limits of a CLOUDFRONT-scope web
// ACL, smallest first (AWS WAF API Reference,
// RequestBodyAssociatedResourceTypeConfig, DefaultSizeInspectionLimit).
var inspectionLimits = []struct {
	name  string
	bytes float64
}{{"KB_16", 16 * 1024}, {"KB_32", 32 * 1024}, {"KB_48", 48 * 1024}, {"KB_64", 64 * 1024}}

// resolveEdge refuses a region where a CLOUDFRONT-scope web ACL cannot be
// created and limits WAF refuses, and applies the defaults. prefix names the
// props struct in errors ("Props." or "EdgeWebAclProps.").
func resolveEdge(p *EdgeWebAclProps, region *string, prefix string) (*edgeConfig, error) {
	c := &edgeConfig{rateLimit: ptr.Or(p.RateLimit, DefaultRateLimit), maxBodyBytes: ptr.Or(p.MaxBodyBytes, DefaultMaxBodyBytes)}
	switch {
	case *awscdk.Token_IsUnresolved(region):
		return nil, fmt.Errorf("the stack's region is unknown at synth, and a CLOUDFRONT-scope web ACL can only be created in %s: "+
			"set the stack's env region, or pass Props.ExistingWebAclArn", EdgeRegion)
	case *region != EdgeRegion:
		return nil, fmt.Errorf("a CLOUDFRONT-scope web ACL can only be created in %s, and this stack is in %s: "+
			"create a frontdoor.EdgeWebAcl in a %s stack and pass its Arn as Props.ExistingWebAclArn (with cross-region references)",
			EdgeRegion, *region, EdgeRegion)
	case c.rateLimit < 10 || c.rateLimit > 2e9 || c.rateLimit != math.Trunc(c.rateLimit):
		return nil, fmt.Errorf("%sRateLimit %v: WAF takes a whole number from 10 to 2,000,000,000 requests per 5 minutes", prefix, c.rateLimit)
	case c.maxBodyBytes < 0 || c.maxBodyBytes != math.Trunc(c.maxBodyBytes):
		return nil, fmt.Errorf("%sMaxBodyBytes %v: want a whole number of bytes from 0 to %d", prefix, c.maxBodyBytes, MaxInspectableBodyBytes)
	case c.maxBodyBytes > MaxInspectableBodyBytes:
		return nil, fmt.Errorf("%sMaxBodyBytes %v: a CLOUDFRONT web ACL inspects at most %d bytes (64 KB) of a body, "+
			"so WAF could not see all of a body that size; keep bodies at %d bytes or fewer", prefix, c.maxBodyBytes,
			MaxInspectableBodyBytes, MaxInspectableBodyBytes)
	}
	for _, l := range inspectionLimits {
		if c.maxBodyBytes <= l.bytes {
			c.inspectionLimit = l.name
			break
		}
	}
	return c, nil
}
