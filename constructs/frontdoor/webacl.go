package frontdoor

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/internal/ptr"
)

// EdgeRegion is the only region where CLOUDFRONT-scope web ACLs can be created.
const EdgeRegion = "us-east-1"

// DefaultRateLimit is the edge web ACL's default limit: requests per viewer
// IP per 5 minutes, the post's flood sample.
const DefaultRateLimit = 2000

// EdgeWebAclProps configures an EdgeWebAcl. Nil means the default.
type EdgeWebAclProps struct {
	// RateLimit is the requests per viewer IP per 5 minutes (10 to
	// 2,000,000,000) above which the IP is blocked. Default: DefaultRateLimit.
	RateLimit *float64
}

// EdgeWebAcl is the CLOUDFRONT-scope web ACL of a front door: a rate-based
// rule per viewer IP, then the AWS managed rule groups AmazonIpReputationList,
// CommonRuleSet and KnownBadInputsRuleSet, each with CloudWatch metrics and
// sampled requests. At the edge, WAF sees the viewers' own addresses, which
// the origin behind CloudFront never does.
//
// It must be in a us-east-1 stack. FrontDoor creates one when its stack is
// there; for a stack elsewhere, create it in a us-east-1 stack and pass its
// Arn as Props.ExistingWebAclArn (with cross-region references).
type EdgeWebAcl struct {
	constructs.Construct
	// WebAcl is the web ACL.
	WebAcl awswafv2.CfnWebACL
	// Arn is the web ACL's ARN, for Props.ExistingWebAclArn.
	Arn *string
}

// NewEdgeWebAcl creates the edge web ACL. It panics when the stack is not in
// us-east-1 or the props are invalid.
func NewEdgeWebAcl(scope constructs.Construct, id string, props *EdgeWebAclProps) *EdgeWebAcl {
	if props == nil {
		props = &EdgeWebAclProps{}
	}
	if err := checkEdge(awscdk.Stack_Of(scope).Region(), props.RateLimit); err != nil {
		panic(fmt.Sprintf("frontdoor.NewEdgeWebAcl %q: %v", id, err))
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	name := *awscdk.Names_UniqueResourceName(c, &awscdk.UniqueResourceNameOptions{MaxLength: jsii.Number(120)})
	rules := []any{
		&awswafv2.CfnWebACL_RuleProperty{
			Name:             jsii.String("RateLimitPerViewerIp"),
			Priority:         jsii.Number(0),
			Action:           &awswafv2.CfnWebACL_RuleActionProperty{Block: &awswafv2.CfnWebACL_BlockActionProperty{}},
			VisibilityConfig: visibility(name + "-RateLimit"),
			Statement: &awswafv2.CfnWebACL_StatementProperty{RateBasedStatement: &awswafv2.CfnWebACL_RateBasedStatementProperty{
				Limit: jsii.Number(ptr.Or(props.RateLimit, DefaultRateLimit)), AggregateKeyType: jsii.String("IP"),
				EvaluationWindowSec: jsii.Number(300),
			}},
		},
	}
	for i, group := range []string{"AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"} {
		rules = append(rules, &awswafv2.CfnWebACL_RuleProperty{
			Name:             jsii.String(group),
			Priority:         jsii.Number(float64(i + 1)),
			OverrideAction:   &awswafv2.CfnWebACL_OverrideActionProperty{None: map[string]any{}},
			VisibilityConfig: visibility(name + "-" + group),
			Statement: &awswafv2.CfnWebACL_StatementProperty{ManagedRuleGroupStatement: &awswafv2.CfnWebACL_ManagedRuleGroupStatementProperty{
				VendorName: jsii.String("AWS"), Name: jsii.String(group),
			}},
		})
	}
	acl := awswafv2.NewCfnWebACL(c, jsii.String("WebAcl"), &awswafv2.CfnWebACLProps{
		Scope:            jsii.String("CLOUDFRONT"),
		DefaultAction:    &awswafv2.CfnWebACL_DefaultActionProperty{Allow: &awswafv2.CfnWebACL_AllowActionProperty{}},
		Description:      jsii.String("Front door edge protection: rate limit per viewer IP and AWS managed rule groups"),
		Rules:            &rules,
		VisibilityConfig: visibility(name),
	})
	return &EdgeWebAcl{Construct: c, WebAcl: acl, Arn: acl.AttrArn()}
}

func visibility(metric string) *awswafv2.CfnWebACL_VisibilityConfigProperty {
	return &awswafv2.CfnWebACL_VisibilityConfigProperty{
		CloudWatchMetricsEnabled: jsii.Bool(true), SampledRequestsEnabled: jsii.Bool(true), MetricName: jsii.String(metric),
	}
}

// checkEdge refuses a region where a CLOUDFRONT-scope web ACL cannot be
// created, and a rate limit WAF refuses.
func checkEdge(region *string, rateLimit *float64) error {
	switch {
	case *awscdk.Token_IsUnresolved(region):
		return fmt.Errorf("the stack's region is unknown at synth, and a CLOUDFRONT-scope web ACL can only be created in %s: "+
			"set the stack's env region, or pass Props.ExistingWebAclArn", EdgeRegion)
	case *region != EdgeRegion:
		return fmt.Errorf("a CLOUDFRONT-scope web ACL can only be created in %s, and this stack is in %s: "+
			"create a frontdoor.EdgeWebAcl in a %s stack and pass its Arn as Props.ExistingWebAclArn (with cross-region references)",
			EdgeRegion, *region, EdgeRegion)
	}
	if rateLimit != nil && (*rateLimit < 10 || *rateLimit > 2e9 || *rateLimit != float64(int64(*rateLimit))) {
		return fmt.Errorf("RateLimit %v: WAF takes a whole number from 10 to 2,000,000,000 requests per 5 minutes", *rateLimit)
	}
	return nil
}
