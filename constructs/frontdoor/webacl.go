package frontdoor

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// EdgeRegion is the only region where CLOUDFRONT-scope web ACLs can be created.
const EdgeRegion = "us-east-1"

// DefaultRateLimit is the edge web ACL's default limit: requests per viewer
// IP per 5 minutes, the post's flood sample.
const DefaultRateLimit = 2000

// DefaultMaxBodyBytes is the edge web ACL's default body limit: 8 KB, what
// the CommonRuleSet's SizeRestrictions_BODY allows (AWS WAF Developer Guide,
// "Baseline rule groups"), which the edge web ACL's own rule replaces.
const DefaultMaxBodyBytes = 8 * 1024

// MaxInspectableBodyBytes is the most of a body that a CLOUDFRONT-scope web
// ACL can inspect: 64 KB, its largest body inspection limit (AWS WAF API
// Reference, RequestBodyAssociatedResourceTypeConfig: KB_16 | KB_32 | KB_48 |
// KB_64). MaxBodyBytes cannot be larger.
const MaxInspectableBodyBytes = 64 * 1024

// EdgeWebAclProps configures an EdgeWebAcl. Nil means the default.
type EdgeWebAclProps struct {
	// RateLimit is the requests per viewer IP per 5 minutes (10 to
	// 2,000,000,000) above which the IP is blocked. Default: DefaultRateLimit.
	RateLimit *float64
	// MaxBodyBytes is the largest request body, in bytes, that the API
	// behind the front door accepts (0 to MaxInspectableBodyBytes). The web
	// ACL answers a larger body with a JSON 413, and inspects every body it
	// lets through whole: its body inspection limit is the smallest of 16,
	// 32, 48 and 64 KB that covers MaxBodyBytes. Above 16 KB, WAF charges
	// extra for each request whose body is larger than 16 KB (see README.md,
	// Bodies). Default: DefaultMaxBodyBytes. For a dynamoproxy API, pass
	// its MaxCreateBodyBytes().
	MaxBodyBytes *float64
}

// EdgeWebAcl is the CLOUDFRONT-scope web ACL of a front door, for APIs: a
// rate-based rule per viewer IP, a body size rule, then the AWS managed rule
// groups AmazonIpReputationList, CommonRuleSet and KnownBadInputsRuleSet,
// each with CloudWatch metrics and sampled requests. At the edge, WAF sees
// the viewers' own addresses, which the origin behind CloudFront never does.
// Every request it blocks gets a JSON body, never CloudFront's HTML page.
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

// The edge web ACL's custom response bodies (CustomResponseBodies keys).
const (
	forbiddenBody       = "forbidden"
	tooLargeBody        = "too-large"
	tooManyRequestsBody = "too-many-requests"
)

// NewEdgeWebAcl creates the edge web ACL. It panics when the stack is not in
// us-east-1 or the props are invalid.
func NewEdgeWebAcl(scope constructs.Construct, id string, props *EdgeWebAclProps) *EdgeWebAcl {
	if props == nil {
		props = &EdgeWebAclProps{}
	}
	c, err := resolveEdge(props, awscdk.Stack_Of(scope).Region(), "EdgeWebAclProps.")
	if err != nil {
		panic(fmt.Sprintf("frontdoor.NewEdgeWebAcl %q: %v", id, err))
	}
	w := &EdgeWebAcl{Construct: constructs.NewConstruct(scope, jsii.String(id))}
	name := *awscdk.Names_UniqueResourceName(w.Construct, &awscdk.UniqueResourceNameOptions{MaxLength: jsii.Number(120)})
	rules := []any{
		&awswafv2.CfnWebACL_RuleProperty{
			Name:             jsii.String("RateLimitPerViewerIp"),
			Priority:         jsii.Number(0),
			Action:           block(429, tooManyRequestsBody),
			VisibilityConfig: visibility(name+"-RateLimit", true),
			Statement: &awswafv2.CfnWebACL_StatementProperty{RateBasedStatement: &awswafv2.CfnWebACL_RateBasedStatementProperty{
				Limit: jsii.Number(c.rateLimit), AggregateKeyType: jsii.String("IP"), EvaluationWindowSec: jsii.Number(300),
			}},
		},
		&awswafv2.CfnWebACL_RuleProperty{
			Name:             jsii.String("MaxBodySize"),
			Priority:         jsii.Number(1),
			Action:           block(413, tooLargeBody),
			VisibilityConfig: visibility(name+"-MaxBodySize", true),
			Statement: &awswafv2.CfnWebACL_StatementProperty{SizeConstraintStatement: &awswafv2.CfnWebACL_SizeConstraintStatementProperty{
				// WAF sees at most the inspection limit of a body and sizes
				// what it sees (AWS WAF Developer Guide, "Size constraint
				// rule statement"), so a body over the limit could look
				// small enough. MATCH treats such a body as matching: it is
				// blocked, not passed with a tail no rule inspected (AWS WAF
				// API Reference, Body: OversizeHandling).
				FieldToMatch:        &awswafv2.CfnWebACL_FieldToMatchProperty{Body: &awswafv2.CfnWebACL_BodyProperty{OversizeHandling: jsii.String("MATCH")}},
				ComparisonOperator:  jsii.String("GT"),
				Size:                jsii.Number(c.maxBodyBytes),
				TextTransformations: &[]any{&awswafv2.CfnWebACL_TextTransformationProperty{Priority: jsii.Number(0), Type: jsii.String("NONE")}},
			}},
		},
	}
	for _, g := range managedGroups {
		rules = append(rules, g.aclRules(name, float64(len(rules)))...)
	}
	w.WebAcl = awswafv2.NewCfnWebACL(w.Construct, jsii.String("WebAcl"), &awswafv2.CfnWebACLProps{
		Scope:         jsii.String("CLOUDFRONT"),
		DefaultAction: &awswafv2.CfnWebACL_DefaultActionProperty{Allow: &awswafv2.CfnWebACL_AllowActionProperty{}},
		Description:   jsii.String("Front door edge protection: rate limit per viewer IP, body size, AWS managed rule groups, JSON blocks"),
		Rules:         &rules,
		// How much of a body CloudFront sends WAF to inspect (AWS WAF API
		// Reference, AssociationConfig and RequestBodyAssociatedResourceTypeConfig).
		AssociationConfig: &awswafv2.CfnWebACL_AssociationConfigProperty{RequestBody: &map[string]any{
			"CLOUDFRONT": &awswafv2.CfnWebACL_RequestBodyAssociatedResourceTypeConfigProperty{DefaultSizeInspectionLimit: jsii.String(c.inspectionLimit)},
		}},
		CustomResponseBodies: &map[string]any{
			forbiddenBody:       jsonBody(`{"message":"Forbidden"}`),
			tooLargeBody:        jsonBody(`{"message":"Request Entity Too Large"}`),
			tooManyRequestsBody: jsonBody(`{"message":"Too Many Requests"}`),
		},
		VisibilityConfig: visibility(name, true),
	})
	w.Arn = w.WebAcl.AttrArn()
	return w
}

// aclRules is the group's two rules at priority and the next: the group, with
// its blocking rules overridden to Count, and the rule that blocks on their
// labels with a JSON 403 (see managedGroup).
func (g managedGroup) aclRules(acl string, priority float64) []any {
	var overrides, labels []any
	for _, r := range g.rules {
		overrides = append(overrides, &awswafv2.CfnWebACL_RuleActionOverrideProperty{
			Name: jsii.String(r.name), ActionToUse: &awswafv2.CfnWebACL_RuleActionProperty{Count: &awswafv2.CfnWebACL_CountActionProperty{}},
		})
		if !r.count {
			labels = append(labels, &awswafv2.CfnWebACL_StatementProperty{LabelMatchStatement: &awswafv2.CfnWebACL_LabelMatchStatementProperty{
				Scope: jsii.String("LABEL"), Key: jsii.String(r.label),
			}})
		}
	}
	match := labels[0]
	if len(labels) > 1 {
		match = &awswafv2.CfnWebACL_StatementProperty{OrStatement: &awswafv2.CfnWebACL_OrStatementProperty{Statements: &labels}}
	}
	return []any{
		&awswafv2.CfnWebACL_RuleProperty{
			Name:             jsii.String(g.name),
			Priority:         jsii.Number(priority),
			OverrideAction:   &awswafv2.CfnWebACL_OverrideActionProperty{None: map[string]any{}},
			VisibilityConfig: visibility(acl+"-"+g.name, true),
			Statement: &awswafv2.CfnWebACL_StatementProperty{ManagedRuleGroupStatement: &awswafv2.CfnWebACL_ManagedRuleGroupStatementProperty{
				VendorName: jsii.String("AWS"), Name: jsii.String(g.name), RuleActionOverrides: &overrides,
			}},
		},
		&awswafv2.CfnWebACL_RuleProperty{
			Name:             jsii.String(g.name + "-Block"),
			Priority:         jsii.Number(priority + 1),
			Action:           block(403, forbiddenBody),
			VisibilityConfig: visibility(acl+"-"+g.name+"-Block", true),
			Statement:        match,
		},
	}
}

// block is a Block action answering status with the custom response body key.
func block(status float64, body string) *awswafv2.CfnWebACL_RuleActionProperty {
	return &awswafv2.CfnWebACL_RuleActionProperty{Block: &awswafv2.CfnWebACL_BlockActionProperty{
		CustomResponse: &awswafv2.CfnWebACL_CustomResponseProperty{ResponseCode: jsii.Number(status), CustomResponseBodyKey: jsii.String(body)},
	}}
}

func jsonBody(content string) *awswafv2.CfnWebACL_CustomResponseBodyProperty {
	return &awswafv2.CfnWebACL_CustomResponseBodyProperty{ContentType: jsii.String("APPLICATION_JSON"), Content: jsii.String(content)}
}

// visibility turns on a rule's (or web ACL's) CloudWatch metric and, with
// sampled, WAF's sample of the requests it matched, which keeps their
// headers (AWS WAF API Reference, GetSampledRequests and HTTPRequest).
func visibility(metric string, sampled bool) *awswafv2.CfnWebACL_VisibilityConfigProperty {
	return &awswafv2.CfnWebACL_VisibilityConfigProperty{
		CloudWatchMetricsEnabled: jsii.Bool(true), SampledRequestsEnabled: jsii.Bool(sampled), MetricName: jsii.String(metric),
	}
}
