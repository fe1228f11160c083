package frontdoor

// managedGroup is an AWS managed rule group on the edge web ACL, with the
// rules of it that block by default, each with the label it adds to the
// requests it matches.
//
// A managed rule that blocks answers with WAF's default 403, which CloudFront
// turns into its HTML error page, and an override can only change a rule's
// action. So the edge web ACL overrides each of these rules to Count (the
// group then never ends the evaluation itself) and blocks, in a rule of its
// own right after the group, the requests that carry the label of a rule
// that should block, with a JSON body: AWS's own recipe (AWS re:Post
// Knowledge Center, "How do I configure a custom response for requests
// blocked by a specific rule in an AWS WAF managed rule group?",
// https://repost.aws/knowledge-center/waf-managed-rules). WAF handles a rule
// overridden to Count "exactly as if the configured rule's action were the
// override setting" (AWS WAF Developer Guide, "Overriding rule group actions
// in AWS WAF"), and a Count rule adds its labels and lets the evaluation go
// on.
//
// The names and labels are transcribed from the AWS WAF Developer Guide
// (sources on each group); the tests check them against a separate copy of
// the published lists (testdata/aws-managed-rule-groups.json). The two ways
// this can fail: WAF silently ignores an override that names no rule of a
// managed group (AWS WAF API Reference, RuleActionOverride), so that rule
// keeps blocking, with the HTML page; and a rule AWS adds later blocks the
// same way until it is listed here. Neither lets a request through that the
// group would block.
type managedGroup struct {
	name  string
	rules []managedRule
}

// managedRule is a rule of a managed group that blocks by default. With
// count set, the edge web ACL counts it and does not block on its label.
type managedRule struct {
	name, label string
	count       bool
}

// Labels of the two rules of the CommonRuleSet that the edge web ACL only
// counts.
const (
	// noUserAgentLabel: API clients (SDKs, curl without -A, health checks)
	// often send no User-Agent, which says nothing about the request.
	noUserAgentLabel = "awswaf:managed:aws:core-rule-set:NoUserAgent_Header"
	// sizeRestrictionsBodyLabel: the rule blocks bodies over 8 KB, far below
	// what a valid API request can be; the edge web ACL's own body rule
	// (MaxBodyBytes) replaces it.
	sizeRestrictionsBodyLabel = "awswaf:managed:aws:core-rule-set:SizeRestrictions_Body"
)

// managedGroups are the edge web ACL's managed rule groups, in the order it
// runs them.
var managedGroups = []managedGroup{
	// AWS WAF Developer Guide, "IP reputation rule groups", Amazon IP
	// reputation list managed rule group
	// (https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-ip-rep.html).
	// Its third rule, AWSManagedIPDDoSList, counts by default and is left so.
	{name: "AWSManagedRulesAmazonIpReputationList", rules: []managedRule{
		{name: "AWSManagedIPReputationList", label: "awswaf:managed:aws:amazon-ip-list:AWSManagedIPReputationList"},
		{name: "AWSManagedReconnaissanceList", label: "awswaf:managed:aws:amazon-ip-list:AWSManagedReconnaissanceList"},
	}},
	// AWS WAF Developer Guide, "Baseline rule groups", Core rule set (CRS)
	// managed rule group
	// (https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html).
	{name: "AWSManagedRulesCommonRuleSet", rules: []managedRule{
		{name: "NoUserAgent_HEADER", label: noUserAgentLabel, count: true},
		{name: "UserAgent_BadBots_HEADER", label: "awswaf:managed:aws:core-rule-set:BadBots_Header"},
		{name: "SizeRestrictions_QUERYSTRING", label: "awswaf:managed:aws:core-rule-set:SizeRestrictions_QueryString"},
		{name: "SizeRestrictions_Cookie_HEADER", label: "awswaf:managed:aws:core-rule-set:SizeRestrictions_Cookie_Header"},
		{name: "SizeRestrictions_BODY", label: sizeRestrictionsBodyLabel, count: true},
		{name: "SizeRestrictions_URIPATH", label: "awswaf:managed:aws:core-rule-set:SizeRestrictions_URIPath"},
		{name: "EC2MetaDataSSRF_BODY", label: "awswaf:managed:aws:core-rule-set:EC2MetaDataSSRF_Body"},
		{name: "EC2MetaDataSSRF_COOKIE", label: "awswaf:managed:aws:core-rule-set:EC2MetaDataSSRF_Cookie"},
		{name: "EC2MetaDataSSRF_URIPATH", label: "awswaf:managed:aws:core-rule-set:EC2MetaDataSSRF_URIPath"},
		{name: "EC2MetaDataSSRF_QUERYARGUMENTS", label: "awswaf:managed:aws:core-rule-set:EC2MetaDataSSRF_QueryArguments"},
		{name: "GenericLFI_QUERYARGUMENTS", label: "awswaf:managed:aws:core-rule-set:GenericLFI_QueryArguments"},
		{name: "GenericLFI_URIPATH", label: "awswaf:managed:aws:core-rule-set:GenericLFI_URIPath"},
		{name: "GenericLFI_BODY", label: "awswaf:managed:aws:core-rule-set:GenericLFI_Body"},
		{name: "RestrictedExtensions_URIPATH", label: "awswaf:managed:aws:core-rule-set:RestrictedExtensions_URIPath"},
		{name: "RestrictedExtensions_QUERYARGUMENTS", label: "awswaf:managed:aws:core-rule-set:RestrictedExtensions_QueryArguments"},
		{name: "GenericRFI_QUERYARGUMENTS", label: "awswaf:managed:aws:core-rule-set:GenericRFI_QueryArguments"},
		{name: "GenericRFI_BODY", label: "awswaf:managed:aws:core-rule-set:GenericRFI_Body"},
		{name: "GenericRFI_URIPATH", label: "awswaf:managed:aws:core-rule-set:GenericRFI_URIPath"},
		{name: "CrossSiteScripting_COOKIE", label: "awswaf:managed:aws:core-rule-set:CrossSiteScripting_Cookie"},
		{name: "CrossSiteScripting_QUERYARGUMENTS", label: "awswaf:managed:aws:core-rule-set:CrossSiteScripting_QueryArguments"},
		{name: "CrossSiteScripting_BODY", label: "awswaf:managed:aws:core-rule-set:CrossSiteScripting_Body"},
		{name: "CrossSiteScripting_URIPATH", label: "awswaf:managed:aws:core-rule-set:CrossSiteScripting_URIPath"},
	}},
	// AWS WAF Developer Guide, "Baseline rule groups", Known bad inputs
	// managed rule group (same page).
	{name: "AWSManagedRulesKnownBadInputsRuleSet", rules: []managedRule{
		{name: "JavaDeserializationRCE_HEADER", label: "awswaf:managed:aws:known-bad-inputs:JavaDeserializationRCE_Header"},
		{name: "JavaDeserializationRCE_BODY", label: "awswaf:managed:aws:known-bad-inputs:JavaDeserializationRCE_Body"},
		{name: "JavaDeserializationRCE_URIPATH", label: "awswaf:managed:aws:known-bad-inputs:JavaDeserializationRCE_URIPath"},
		{name: "JavaDeserializationRCE_QUERYSTRING", label: "awswaf:managed:aws:known-bad-inputs:JavaDeserializationRCE_QueryString"},
		{name: "Host_localhost_HEADER", label: "awswaf:managed:aws:known-bad-inputs:Host_Localhost_Header"},
		{name: "PROPFIND_METHOD", label: "awswaf:managed:aws:known-bad-inputs:Propfind_Method"},
		{name: "ExploitablePaths_URIPATH", label: "awswaf:managed:aws:known-bad-inputs:ExploitablePaths_URIPath"},
		{name: "Log4JRCE_HEADER", label: "awswaf:managed:aws:known-bad-inputs:Log4JRCE_Header"},
		{name: "Log4JRCE_QUERYSTRING", label: "awswaf:managed:aws:known-bad-inputs:Log4JRCE_QueryString"},
		{name: "Log4JRCE_BODY", label: "awswaf:managed:aws:known-bad-inputs:Log4JRCE_Body"},
		{name: "Log4JRCE_URIPATH", label: "awswaf:managed:aws:known-bad-inputs:Log4JRCE_URIPath"},
		{name: "ReactJSRCE_BODY", label: "awswaf:managed:aws:known-bad-inputs:ReactJSRCE_Body"},
	}},
}
