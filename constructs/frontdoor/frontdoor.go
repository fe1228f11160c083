// Package frontdoor puts CloudFront and AWS WAF in front of a REST API or a load balancer, with a rotating origin key.
//
// It puts a CloudFront distribution with AWS WAF in front of a
// regional REST API stage or an Application Load Balancer, and makes the
// origin answer only requests that came through CloudFront, by an origin key
// that rotates without dropping a request. It follows two AWS Compute Blog
// posts: "Protecting your API using Amazon API Gateway and AWS WAF — Part 2"
// and "Amazon API Gateway adds support for AWS WAF".
//
// The origin key is a random 48-character value in Secrets Manager, which
// CloudFront sends as an origin custom header. The origin checks it in one of
// two modes:
//
//   - ModeHeader (any origin): the header is X-Origin-Verify, and a regional
//     web ACL on the origin blocks requests whose value is not in a regex
//     pattern set of exact-match patterns;
//   - ModeApiKey (the post's, REST APIs): the header is x-api-key, the value
//     is an API key in a usage plan named CloudFront_only, and every method
//     requires an API key.
//
// The template sets the header value and the accepted value only through
// {{resolve:secretsmanager:…}} references to the secret's current value, so
// a later deployment can only apply a value the origin accepts. The rotation
// Lambda is lambda/originkey; its timeline is written once, in this
// package's README.md ("Rotation timeline").
package frontdoor

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/constructs/golambda"
	"github.com/blueprints-cdk/blueprints/internal/defaults"
	"github.com/blueprints-cdk/blueprints/internal/nag"
	"github.com/blueprints-cdk/blueprints/internal/originkey"
	"github.com/blueprints-cdk/blueprints/internal/ptr"
)

const (
	// HeaderName is the origin custom header of ModeHeader.
	HeaderName = "X-Origin-Verify"
	// ApiKeyHeaderName is the origin custom header of ModeApiKey.
	ApiKeyHeaderName = "x-api-key"
	// OriginId is the distribution's origin, which carries the header.
	OriginId = "FrontDoorOrigin"
	// KeyLength is the origin key's length (letters and digits).
	KeyLength = originkey.KeyLength
	// UsagePlanName is ModeApiKey's usage plan, as in the post.
	UsagePlanName = "CloudFront_only"
	// KeyTagKey is the tag the rotation puts on the API keys it creates; its
	// value is unique to the construct.
	KeyTagKey = originkey.TagKey
)

// FrontDoor is the distribution, its web ACLs and the rotating origin key.
type FrontDoor struct {
	constructs.Construct
	// Distribution is the CloudFront distribution.
	Distribution awscloudfront.Distribution
	// LogBucket receives the distribution's access logs, created or existing.
	LogBucket awss3.IBucket
	// EdgeWebAcl is the CLOUDFRONT-scope web ACL, or nil with ExistingWebAclArn.
	EdgeWebAcl *EdgeWebAcl
	// WebAclArn is the edge web ACL on the distribution, created or existing.
	WebAclArn *string
	// Secret holds the origin key.
	Secret awssecretsmanager.Secret
	// RotationSchedule rotates Secret with RotationFunction.
	RotationSchedule awssecretsmanager.RotationSchedule
	// RotationFunction is lambda/originkey.
	RotationFunction *golambda.Function

	// ModeHeader: PatternSet holds the accepted values; OriginWebAcl, on the
	// origin, blocks requests without one; OriginWebAclAssociation attaches it.
	PatternSet              awswafv2.CfnRegexPatternSet
	OriginWebAcl            awswafv2.CfnWebACL
	OriginWebAclAssociation awswafv2.CfnWebACLAssociation

	// ProbeMethod is GET /origin-probe on a REST API origin, which the
	// rotation probes (see ProbePath), or nil.
	ProbeMethod awsapigateway.Method

	// ModeApiKey: UsagePlan (CloudFront_only) on the stage, the first ApiKey
	// (the secret's value at the first deployment) and its UsagePlanKey.
	UsagePlan    awsapigateway.UsagePlan
	ApiKey       awsapigateway.CfnApiKey
	UsagePlanKey awsapigateway.CfnUsagePlanKey

	// RotationAlarms receives rotation failures: RotationFailedRule's
	// Secrets Manager events and RotationErrorsAlarm's state changes. It is
	// Props.ExistingAlarmTopic, or a new topic encrypted with
	// RotationAlarmsKey (nil with an existing topic). Subscribe to it.
	RotationAlarms    awssns.ITopic
	RotationAlarmsKey awskms.Key
	// RotationFailedRule sends Secrets Manager's failure events for Secret
	// to RotationAlarms.
	RotationFailedRule awsevents.Rule
	// RotationErrorsAlarm notifies RotationAlarms when RotationFunction
	// fails.
	RotationErrorsAlarm awscloudwatch.Alarm
}

// NewFrontDoor builds the front door. It panics with a message naming the
// props at fault when they are invalid.
func NewFrontDoor(scope constructs.Construct, id string, props *Props) *FrontDoor {
	if props == nil {
		props = &Props{}
	}
	c, err := resolve(props, awscdk.Stack_Of(scope).Region())
	if err != nil {
		panic(fmt.Sprintf("frontdoor.NewFrontDoor %q: %v", id, err))
	}
	f := &FrontDoor{Construct: constructs.NewConstruct(scope, jsii.String(id))}

	f.Secret = awssecretsmanager.NewSecret(f.Construct, jsii.String("OriginKey"), &awssecretsmanager.SecretProps{
		Description: jsii.String("Origin key: CloudFront sends it to the origin, which answers only requests that carry it"),
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			PasswordLength: jsii.Number(KeyLength), ExcludePunctuation: jsii.Bool(true), IncludeSpace: jsii.Bool(false),
		},
		RemovalPolicy: c.removal,
	})
	// {{resolve:secretsmanager:<arn>:SecretString:::}}: CloudFormation reads
	// the current value when it applies the template; it is never in it.
	key := f.Secret.SecretValue().UnsafeUnwrap()

	f.WebAclArn = c.ExistingWebAclArn
	if f.WebAclArn == nil {
		f.EdgeWebAcl = NewEdgeWebAcl(f.Construct, "EdgeWebAcl", &EdgeWebAclProps{RateLimit: c.RateLimit, MaxBodyBytes: c.MaxBodyBytes})
		f.WebAclArn = f.EdgeWebAcl.Arn
	}
	f.buildLogBucket(c)
	f.buildDistribution(c, origin(c, map[string]*string{c.header: key}))

	env := map[string]*string{
		originkey.EnvMode: jsii.String(string(c.Mode)), originkey.EnvDistributionID: f.Distribution.DistributionId(),
		originkey.EnvOriginID: jsii.String(OriginId), originkey.EnvHeaderName: jsii.String(c.header),
	}
	if c.Mode == ModeHeader {
		f.buildOriginWebAcl(c, key)
		env[originkey.EnvPatternSetName], env[originkey.EnvPatternSetID] = f.PatternSet.Name(), f.PatternSet.AttrId()
		env[originkey.EnvRefusedHeader] = jsii.String(originkey.WAFRefusedHeader)
	} else {
		f.buildApiKey(c, key)
		env[originkey.EnvUsagePlanID], env[originkey.EnvBootstrapKeyID], env[originkey.EnvKeyTag] = f.UsagePlan.UsagePlanId(), f.ApiKey.Ref(), f.keyTag()
	}
	if probe := f.buildProbe(c); probe != nil {
		env[originkey.EnvProbeURL] = probe
	}
	// The handler refuses an incomplete environment at start; refuse it here
	// first. A value known only at deployment (a token) stands for itself
	// with a well-formed placeholder.
	getenv := func(k string) string {
		v := ptr.Or(env[k], "")
		if k == originkey.EnvProbeURL && v != "" && *awscdk.Token_IsUnresolved(&v) {
			return "https://origin.invalid/" + ProbePath
		}
		return v
	}
	if _, err := originkey.FromEnv(getenv); err != nil {
		panic(fmt.Sprintf("frontdoor.NewFrontDoor %q: the rotation handler's environment: %v", id, err))
	}
	f.buildRotation(c, env)
	f.buildRotationAlarms(c)
	f.pinFirstApiKey()
	if c.RestApi != nil {
		// Methods and stage settings can still change after this: check them at synth.
		f.Node().AddValidation(&restApiChecks{id: id, api: c.RestApi, mode: c.Mode})
	}
	return f
}

func (f *FrontDoor) keyTag() *string {
	return awscdk.Names_UniqueResourceName(f.Construct, &awscdk.UniqueResourceNameOptions{MaxLength: jsii.Number(64)})
}

func (f *FrontDoor) buildLogBucket(c *config) {
	if c.ExistingLogBucket != nil {
		f.LogBucket = c.ExistingLogBucket
		return
	}
	f.LogBucket = defaults.LogBucket(f.Construct, "AccessLogs", c.LogBucketProps, c.removal, true)
}

// origin is CloudFront's view of the origin: HTTPS only with TLS 1.2,
// carrying the origin key header.
func origin(c *config, headers map[string]*string) awscloudfront.IOrigin {
	tls := &[]awscloudfront.OriginSslPolicy{awscloudfront.OriginSslPolicy_TLS_V1_2}
	switch {
	case c.RestApi != nil:
		return awscloudfrontorigins.NewRestApiOrigin(c.RestApi, &awscloudfrontorigins.RestApiOriginProps{
			OriginId: jsii.String(OriginId), CustomHeaders: &headers,
		})
	case c.useVpcOrigin:
		protocol := awscloudfront.OriginProtocolPolicy_HTTPS_ONLY
		if c.LoadBalancerDomainName == nil {
			protocol = awscloudfront.OriginProtocolPolicy_HTTP_ONLY // inside the VPC, on AWS's network
		}
		return awscloudfrontorigins.VpcOrigin_WithApplicationLoadBalancer(c.LoadBalancer, &awscloudfrontorigins.VpcOriginWithEndpointProps{
			OriginId: jsii.String(OriginId), CustomHeaders: &headers, DomainName: c.LoadBalancerDomainName,
			ProtocolPolicy: protocol, OriginSslProtocols: tls,
		})
	default:
		return awscloudfrontorigins.NewHttpOrigin(c.LoadBalancerDomainName, &awscloudfrontorigins.HttpOriginProps{
			OriginId: jsii.String(OriginId), CustomHeaders: &headers,
			ProtocolPolicy: awscloudfront.OriginProtocolPolicy_HTTPS_ONLY, OriginSslProtocols: tls,
		})
	}
}

func (f *FrontDoor) buildDistribution(c *config, o awscloudfront.IOrigin) {
	dp := &awscloudfront.DistributionProps{
		Comment: jsii.String("Front door: CloudFront and WAF; the origin answers only requests that carry the origin key"),
		DefaultBehavior: &awscloudfront.BehaviorOptions{
			Origin:               o,
			ViewerProtocolPolicy: awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
			AllowedMethods:       awscloudfront.AllowedMethods_ALLOW_ALL(),
			CachePolicy:          c.CachePolicy,
			// Everything the viewer sent except Host, which must be the origin's.
			OriginRequestPolicy:   awscloudfront.OriginRequestPolicy_ALL_VIEWER_EXCEPT_HOST_HEADER(),
			ResponseHeadersPolicy: c.ResponseHeadersPolicy,
		},
		HttpVersion:   awscloudfront.HttpVersion_HTTP2_AND_3,
		EnableLogging: jsii.Bool(true),
		LogBucket:     f.LogBucket,
		LogFilePrefix: jsii.String("cloudfront/"),
		WebAclId:      f.WebAclArn,
	}
	if c.DomainNames != nil {
		dp.DomainNames, dp.Certificate = c.DomainNames, c.Certificate
		dp.MinimumProtocolVersion = awscloudfront.SecurityPolicyProtocol_TLS_V1_2_2021
	}
	f.Distribution = awscloudfront.NewDistribution(f.Construct, jsii.String("Distribution"), dp)
	if c.DomainNames == nil {
		nag.Suppress(f.Distribution, "AwsSolutions-CFR4",
			"Without Props.DomainNames and a certificate, CloudFront's default *.cloudfront.net certificate pins the minimum viewer protocol to TLSv1; "+
				"pass them to get TLSv1.2_2021")
	}
	nag.Suppress(f.Distribution, "AwsSolutions-CFR1", "Geo restrictions are a business decision; add them with an escape hatch where needed")
}

// buildOriginWebAcl is ModeHeader's check at the origin: a regional web ACL
// that allows only requests whose X-Origin-Verify is an accepted value.
func (f *FrontDoor) buildOriginWebAcl(c *config, key *string) {
	name := awscdk.Names_UniqueResourceName(f.Construct, &awscdk.UniqueResourceNameOptions{MaxLength: jsii.Number(120)})
	f.PatternSet = awswafv2.NewCfnRegexPatternSet(f.Construct, jsii.String("AcceptedOriginKeys"), &awswafv2.CfnRegexPatternSetProps{
		Name:        name,
		Scope:       jsii.String("REGIONAL"),
		Description: jsii.String("Accepted origin keys as exact-match patterns - the current and the previous one"),
		// The key is letters and digits, so it needs no escaping.
		RegularExpressionList: jsii.Strings("^" + *key + "$"),
	})
	metric := *name + "-OriginKey"
	// The requests this rule matches carry an accepted key, and WAF's sample
	// of them would keep their headers (AWS WAF API Reference, HTTPHeader, in
	// GetSampledRequests): no samples. The web ACL's own samples are of the
	// requests its default action blocks, which carry no accepted key.
	f.OriginWebAcl = awswafv2.NewCfnWebACL(f.Construct, jsii.String("OriginWebAcl"), &awswafv2.CfnWebACLProps{
		Scope:       jsii.String("REGIONAL"),
		Description: jsii.String("Front door origin check: only requests through CloudFront, which carry an accepted origin key"),
		DefaultAction: &awswafv2.CfnWebACL_DefaultActionProperty{Block: &awswafv2.CfnWebACL_BlockActionProperty{
			// The header tells the rotation's probe that this web ACL, not
			// the application behind it, refused the key; WAF sends it as
			// x-amzn-waf-origin-key ("Adding custom headers to custom
			// responses", AWS WAF developer guide: the x-amzn-waf- prefix).
			CustomResponse: &awswafv2.CfnWebACL_CustomResponseProperty{ResponseCode: jsii.Number(403), CustomResponseBodyKey: jsii.String("forbidden"),
				ResponseHeaders: &[]any{&awswafv2.CfnWebACL_CustomHTTPHeaderProperty{Name: jsii.String("origin-key"), Value: jsii.String("refused")}}},
		}},
		CustomResponseBodies: &map[string]any{"forbidden": &awswafv2.CfnWebACL_CustomResponseBodyProperty{
			ContentType: jsii.String("APPLICATION_JSON"), Content: jsii.String(`{"message":"Forbidden"}`),
		}},
		Rules: &[]any{&awswafv2.CfnWebACL_RuleProperty{
			Name:             jsii.String("OriginKey"),
			Priority:         jsii.Number(0),
			Action:           &awswafv2.CfnWebACL_RuleActionProperty{Allow: &awswafv2.CfnWebACL_AllowActionProperty{}},
			VisibilityConfig: visibility(metric, false),
			Statement: &awswafv2.CfnWebACL_StatementProperty{RegexPatternSetReferenceStatement: &awswafv2.CfnWebACL_RegexPatternSetReferenceStatementProperty{
				Arn:                 f.PatternSet.AttrArn(),
				FieldToMatch:        &awswafv2.CfnWebACL_FieldToMatchProperty{SingleHeader: map[string]any{"Name": "x-origin-verify"}},
				TextTransformations: &[]any{&awswafv2.CfnWebACL_TextTransformationProperty{Priority: jsii.Number(0), Type: jsii.String("NONE")}},
			}},
		}},
		VisibilityConfig: visibility(*name, true),
	})
	var target *string
	if c.RestApi != nil {
		target = c.RestApi.DeploymentStage().StageArn()
	} else {
		target = c.LoadBalancer.LoadBalancerArn()
	}
	f.OriginWebAclAssociation = awswafv2.NewCfnWebACLAssociation(f.Construct, jsii.String("OriginWebAclAssociation"), &awswafv2.CfnWebACLAssociationProps{
		ResourceArn: target, WebAclArn: f.OriginWebAcl.AttrArn(),
	})
	if c.RestApi != nil {
		// The stage must exist before WAF can attach to it.
		f.OriginWebAclAssociation.Node().AddDependency(c.RestApi.DeploymentStage())
	}
}

// buildApiKey is ModeApiKey's check at the origin, the post's: an API key
// with the secret's value in the CloudFront_only usage plan, and an API key
// required on every method.
func (f *FrontDoor) buildApiKey(c *config, key *string) {
	stage := c.RestApi.DeploymentStage()
	f.UsagePlan = awsapigateway.NewUsagePlan(f.Construct, jsii.String("UsagePlan"), &awsapigateway.UsagePlanProps{
		Name:        jsii.String(UsagePlanName),
		Description: jsii.String("Only CloudFront holds these keys: the front door's origin keys"),
		ApiStages:   &[]*awsapigateway.UsagePlanPerApiStage{{Api: c.RestApi, Stage: stage}},
	})
	// The key's value is the post's intent done right: the template it
	// comes from put the key's ID (!Ref ApiKey) in the header.
	f.ApiKey = awsapigateway.NewCfnApiKey(f.Construct, jsii.String("ApiKey"), &awsapigateway.CfnApiKeyProps{
		Enabled:     jsii.Bool(true),
		Value:       key,
		Description: jsii.String("First origin key (the secret's value at the first deployment); rotation disables it, never deletes it"),
	})
	f.UsagePlanKey = awsapigateway.NewCfnUsagePlanKey(f.Construct, jsii.String("UsagePlanKey"), &awsapigateway.CfnUsagePlanKeyProps{
		KeyId: f.ApiKey.Ref(), KeyType: jsii.String("API_KEY"), UsagePlanId: f.UsagePlan.UsagePlanId(),
	})
	awscdk.Aspects_Of(c.RestApi).Add(&requireApiKey{api: *c.RestApi.Node().Path()}, nil)
}

// requireApiKey sets ApiKeyRequired on every method of the API, including
// those added after the front door. jsii passes a Go aspect by reference,
// which an empty struct cannot be; api (the API's path) makes it one.
type requireApiKey struct{ api string }

// Visit implements awscdk.IAspect.
func (*requireApiKey) Visit(node constructs.IConstruct) {
	if m, ok := node.(awsapigateway.CfnMethod); ok {
		m.SetApiKeyRequired(true)
	}
}

// limitRotationInvokeToAccount adds aws:SourceAccount to the permission that
// lets Secrets Manager invoke the rotation function, as Secrets Manager
// recommends against the confused deputy problem (AWS Secrets Manager User
// Guide, "Lambda rotation function execution role permissions", Lambda
// function resource policy). AddRotationSchedule grants
// secretsmanager.amazonaws.com without it.
func (f *FrontDoor) limitRotationInvokeToAccount() {
	var granted []awslambda.CfnPermission
	for _, child := range *f.RotationFunction.Function.Node().Children() {
		if p, ok := child.(awslambda.CfnPermission); ok && ptr.Or(p.Principal(), "") == "secretsmanager.amazonaws.com" {
			granted = append(granted, p)
		}
	}
	if len(granted) != 1 {
		panic(fmt.Sprintf("frontdoor: want the one invoke permission AddRotationSchedule grants Secrets Manager, found %d "+
			"(has CDK changed how it grants it?)", len(granted)))
	}
	granted[0].SetSourceAccount(awscdk.Stack_Of(f.Construct).Account())
}

// buildRotation deploys lambda/originkey and the rotation schedule. The
// first rotation comes one interval after the first deployment, never while
// the distribution is being created.
func (f *FrontDoor) buildRotation(c *config, env map[string]*string) {
	f.RotationFunction = golambda.NewFunction(f.Construct, "Rotation", &golambda.Props{
		Entry:       jsii.String("originkey"),
		Description: jsii.String("Rotates the front door's origin key without dropping requests (" + string(c.Mode) + " mode)"),
		Environment: &env,
		// setSecret may wait for CloudFront, probe the origin and wait out
		// the settle margin: Lambda's largest timeout.
		Timeout: awscdk.Duration_Seconds(jsii.Number(originkey.FunctionTimeout.Seconds())),
	})
	f.RotationSchedule = f.Secret.AddRotationSchedule(jsii.String("RotationSchedule"), &awssecretsmanager.RotationScheduleOptions{
		RotationLambda:            f.RotationFunction.Function,
		AutomaticallyAfter:        awscdk.Duration_Days(jsii.Number(c.RotationSchedule.Days())),
		RotateImmediatelyOnUpdate: jsii.Bool(false),
	})
	f.limitRotationInvokeToAccount()
	role := f.RotationFunction.Role
	stmt := func(actions []string, resources ...*string) awsiam.PolicyStatement {
		return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{Actions: jsii.Strings(actions...), Resources: &resources})
	}
	distribution := awscdk.Stack_Of(f.Construct).FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("cloudfront"), Region: jsii.String(""), Resource: jsii.String("distribution"), ResourceName: f.Distribution.DistributionId(),
	})
	role.AddToPrincipalPolicy(stmt([]string{"cloudfront:GetDistribution", "cloudfront:GetDistributionConfig", "cloudfront:UpdateDistribution"}, distribution))
	// CloudFront checks that whoever updates a distribution may read its web ACL.
	role.AddToPrincipalPolicy(stmt([]string{"wafv2:GetWebACL"}, f.WebAclArn))
	if c.Mode == ModeHeader {
		role.AddToPrincipalPolicy(stmt([]string{"wafv2:GetRegexPatternSet", "wafv2:UpdateRegexPatternSet"}, f.PatternSet.AttrArn()))
		return
	}
	apigw := func(path string) *string {
		return awscdk.Fn_Join(jsii.String(""), &[]*string{
			jsii.String("arn:"), awscdk.Aws_PARTITION(), jsii.String(":apigateway:"), awscdk.Aws_REGION(), jsii.String("::" + path),
		})
	}
	planKeys := awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("/usageplans/"), f.UsagePlan.UsagePlanId(), jsii.String("/keys")})
	tag := f.keyTag()
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String("CreateOnlyTaggedApiKeys"), Actions: jsii.Strings("apigateway:POST"), Resources: &[]*string{apigw("/apikeys")},
		Conditions: &map[string]any{
			"StringEquals":              map[string]any{"aws:RequestTag/" + KeyTagKey: tag},
			"ForAllValues:StringEquals": map[string]any{"aws:TagKeys": []string{KeyTagKey}},
		},
	}))
	nag.Suppress(role, "AwsSolutions-IAM5",
		"The rotation's API key IDs are not known in advance; DELETE applies only to keys carrying this construct's tag (aws:ResourceTag)",
		"/Resource::arn:<AWS::Partition>:apigateway:<AWS::Region>::\\/apikeys\\/\\*/")
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String("DeleteOnlyTaggedApiKeys"), Actions: jsii.Strings("apigateway:DELETE"), Resources: &[]*string{apigw("/apikeys/*")},
		Conditions: &map[string]any{"StringEquals": map[string]any{"aws:ResourceTag/" + KeyTagKey: tag}},
	}))
	// Disable (never delete) the CloudFormation-owned first key, and read
	// and enable it again after a rollback to its value.
	role.AddToPrincipalPolicy(stmt([]string{"apigateway:GET", "apigateway:PATCH"}, apigw("/apikeys/"+*f.ApiKey.Ref())))
	// Find a key a retried step created by its name, and manage this usage
	// plan's keys. GET on /apikeys cannot be scoped (no resource-level
	// permission for listing): it also allows listing with includeValues,
	// which the handler never asks for (README.md, Region).
	role.AddToPrincipalPolicy(stmt([]string{"apigateway:GET"}, apigw("/apikeys"), apigw(*planKeys)))
	role.AddToPrincipalPolicy(stmt([]string{"apigateway:POST"}, apigw(*planKeys)))
}
