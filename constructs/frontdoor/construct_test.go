package frontdoor_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/assertions"
	"github.com/blueprints-cdk/blueprints/constructs/dynamoproxy"
	"github.com/blueprints-cdk/blueprints/constructs/frontdoor"
	"github.com/blueprints-cdk/blueprints/internal/nag"
)

var usEast1 = &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("us-east-1")}}

// commentsAPI is a REST API to put behind the front door: the Comments API.
func commentsAPI(stack awscdk.Stack) awsapigateway.RestApi {
	return dynamoproxy.NewApiGatewayToDynamoDB(stack, "Comments", nil).CreatedRestApi
}

// doors are the front doors the cached stacks built, by stack id.
var doors = map[string]*frontdoor.FrontDoor{}

// The minimal deployment: Header mode in front of a REST API, in us-east-1.
var header = assertions.Cached(func(app awscdk.App) awscdk.Stack {
	stack := awscdk.NewStack(app, jsii.String("FrontDoorHeader"), usEast1)
	doors[*stack.StackName()] = frontdoor.NewFrontDoor(stack, "FrontDoor", &frontdoor.Props{RestApi: commentsAPI(stack)})
	return stack
})

// The post's ApiKey mode, on custom domain names, rotating quarterly.
var apiKey = assertions.Cached(func(app awscdk.App) awscdk.Stack {
	stack := awscdk.NewStack(app, jsii.String("FrontDoorApiKey"), usEast1)
	api := commentsAPI(stack)
	doors[*stack.StackName()] = frontdoor.NewFrontDoor(stack, "FrontDoor", &frontdoor.Props{
		RestApi: api, Mode: frontdoor.ModeApiKey, RotationSchedule: frontdoor.Quarterly, RateLimit: jsii.Number(500),
		MaxBodyBytes: jsii.Number(20000),
		DomainNames:  jsii.Strings("api.example.com"),
		Certificate: awscertificatemanager.Certificate_FromCertificateArn(stack, jsii.String("Cert"),
			jsii.String("arn:aws:acm:us-east-1:111111111111:certificate/11111111-2222-3333-4444-555555555555")),
	})
	// A method added after the front door requires the key too.
	public := &awsapigateway.MethodOptions{}
	later := api.Root().AddResource(jsii.String("later"), nil).AddMethod(jsii.String("GET"), awsapigateway.NewMockIntegration(nil), public)
	nag.SuppressAuth(later, public)
	return stack
})

// An ALB origin in another region, with the edge web ACL from us-east-1.
var alb = assertions.Cached(func(app awscdk.App) awscdk.Stack {
	stack := awscdk.NewStack(app, jsii.String("FrontDoorAlb"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("eu-west-1")}})
	doors[*stack.StackName()] = frontdoor.NewFrontDoor(stack, "FrontDoor", &frontdoor.Props{
		LoadBalancer:           importedALB(stack),
		LoadBalancerDomainName: jsii.String("origin.example.com"),
		ExistingWebAclArn:      jsii.String("arn:aws:wafv2:us-east-1:111111111111:global/webacl/edge/abc"),
		RotationSchedule:       frontdoor.Daily,
	})
	return stack
})

func importedALB(stack awscdk.Stack) elbv2.IApplicationLoadBalancer {
	return elbv2.ApplicationLoadBalancer_FromApplicationLoadBalancerAttributes(stack, jsii.String("Alb"), &elbv2.ApplicationLoadBalancerAttributes{
		LoadBalancerArn:                jsii.String("arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/web/abc"),
		SecurityGroupId:                jsii.String("sg-12345678"),
		LoadBalancerDnsName:            jsii.String("web-123.eu-west-1.elb.amazonaws.com"),
		SecurityGroupAllowsAllOutbound: jsii.Bool(false),
	})
}

func distribution(t *testing.T, r *assertions.Result) map[string]any {
	t.Helper()
	return assertions.OnlyProperties(t, r, "AWS::CloudFront::Distribution", nil)["DistributionConfig"].(map[string]any)
}

// resource is the one resource of the type, whole (with Metadata and DependsOn).
func resource(t *testing.T, r *assertions.Result, typ string) map[string]any {
	t.Helper()
	return assertions.Find(r, typ, nil)[assertions.OnlyLogicalID(t, r, typ, nil)]
}

func origin(t *testing.T, r *assertions.Result) map[string]any {
	t.Helper()
	origins := distribution(t, r)["Origins"].([]any)
	if len(origins) != 1 {
		t.Fatalf("want one origin, got %v", origins)
	}
	return origins[0].(map[string]any)
}

// isKeyReference reports whether v is the secret's current value as a
// {{resolve:secretsmanager:…}} dynamic reference (CDK writes it as a join).
func isKeyReference(v any) bool {
	s := assertions.JSON(v)
	return strings.Contains(s, "{{resolve:secretsmanager:") && strings.Contains(s, `"Ref":"FrontDoorOriginKey`) && strings.Contains(s, ":SecretString:::}}")
}

func TestViewersAreRedirectedToHTTPSAndTheOriginIsReachedWithTLS12Only(t *testing.T) {
	for _, r := range []*assertions.Result{header(t), apiKey(t), alb(t)} {
		d := distribution(t, r)
		if b := d["DefaultCacheBehavior"].(map[string]any); b["ViewerProtocolPolicy"] != "redirect-to-https" {
			t.Errorf("%s: viewer protocol policy %v", r.ID, b["ViewerProtocolPolicy"])
		}
		cfg := origin(t, r)["CustomOriginConfig"].(map[string]any)
		if cfg["OriginProtocolPolicy"] != "https-only" || assertions.JSON(cfg["OriginSSLProtocols"]) != `["TLSv1.2"]` {
			t.Errorf("%s: origin config %v", r.ID, cfg)
		}
	}
	if got := origin(t, alb(t))["DomainName"]; got != "origin.example.com" {
		t.Errorf("the ALB origin must be reached by the name on its certificate, got %v", got)
	}
}

func TestViewerTLS(t *testing.T) {
	// With domain names and a certificate: TLSv1.2_2021 at least.
	cert := distribution(t, apiKey(t))["ViewerCertificate"].(map[string]any)
	if cert["MinimumProtocolVersion"] != "TLSv1.2_2021" || cert["SslSupportMethod"] != "sni-only" {
		t.Errorf("viewer certificate %v", cert)
	}
	if assertions.JSON(distribution(t, apiKey(t))["Aliases"]) != `["api.example.com"]` {
		t.Error("the domain names are not the distribution's aliases")
	}
	// Without them, CloudFront's default certificate pins TLSv1, and nag
	// rule CFR4 is suppressed with that reason.
	d := resource(t, header(t), "AWS::CloudFront::Distribution")
	if !strings.Contains(assertions.NagSuppressions(d), `"id":"AwsSolutions-CFR4"`) || !strings.Contains(assertions.NagSuppressions(d), "TLSv1") {
		t.Errorf("CFR4 must be suppressed with the reason: %s", assertions.NagSuppressions(d))
	}
	withCert := resource(t, apiKey(t), "AWS::CloudFront::Distribution")
	if strings.Contains(assertions.NagSuppressions(withCert), "AwsSolutions-CFR4") {
		t.Error("CFR4 must not be suppressed when the distribution has a certificate")
	}
}

func TestCachingIsOffAndEverythingButHostIsForwarded(t *testing.T) {
	b := distribution(t, header(t))["DefaultCacheBehavior"].(map[string]any)
	want := map[string]any{
		"CachePolicyId":           "4135ea2d-6df8-44a3-9df3-4b5a84be39ad", // Managed-CachingDisabled
		"OriginRequestPolicyId":   "b689b0a8-53d0-40ab-baf2-68738e2966ac", // Managed-AllViewerExceptHostHeader
		"ResponseHeadersPolicyId": "67f7725c-6f97-4210-82d7-5512b31e9d03", // Managed-SecurityHeadersPolicy
	}
	for k, v := range want {
		if b[k] != v {
			t.Errorf("%s = %v, want %v", k, b[k], v)
		}
	}
	if assertions.JSON(b["AllowedMethods"]) != `["GET","HEAD","OPTIONS","PUT","PATCH","POST","DELETE"]` {
		t.Errorf("an API needs every method: %v", b["AllowedMethods"])
	}
}

func TestAccessLogsGoToAnEncryptedPrivateSSLOnlyBucket(t *testing.T) {
	r := header(t)
	bucket := assertions.LogicalID(doors[r.ID].LogBucket)
	assertions.HasResourceProperties(t, r, "AWS::CloudFront::Distribution", map[string]any{"DistributionConfig": map[string]any{
		"Logging": map[string]any{"Bucket": map[string]any{"Fn::GetAtt": []any{bucket, "RegionalDomainName"}}, "Prefix": "cloudfront/"},
	}})
	assertions.HasResourceProperties(t, r, "AWS::S3::Bucket", map[string]any{
		"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{map[string]any{
			"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "AES256"},
		}}},
		"PublicAccessBlockConfiguration": map[string]any{
			"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true,
		},
	})
	assertions.HasResourceProperties(t, r, "AWS::S3::BucketPolicy", map[string]any{
		"PolicyDocument": assertions.ObjectLike(map[string]any{"Statement": assertions.ArrayWith(assertions.ObjectLike(map[string]any{
			"Effect": "Deny", "Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
		}))}),
	})
}

func TestTheOriginKeyIsARandomSecretSentOnlyThroughDynamicReferences(t *testing.T) {
	for _, r := range []*assertions.Result{header(t), apiKey(t)} {
		assertions.HasResourceProperties(t, r, "AWS::SecretsManager::Secret", map[string]any{
			"GenerateSecretString": map[string]any{"PasswordLength": 48, "ExcludePunctuation": true, "IncludeSpace": false},
		})
		headers := origin(t, r)["OriginCustomHeaders"].([]any)
		if len(headers) != 1 || !isKeyReference(headers[0].(map[string]any)["HeaderValue"]) {
			t.Errorf("%s: the header value must be a dynamic reference to the secret: %v", r.ID, headers)
		}
	}
	if h := origin(t, header(t))["OriginCustomHeaders"].([]any)[0].(map[string]any); h["HeaderName"] != "X-Origin-Verify" {
		t.Errorf("Header mode sends %v", h["HeaderName"])
	}
	if h := origin(t, apiKey(t))["OriginCustomHeaders"].([]any)[0].(map[string]any); h["HeaderName"] != "x-api-key" {
		t.Errorf("ApiKey mode sends %v", h["HeaderName"])
	}
	// The accepted values come from the same reference.
	set := assertions.OnlyProperties(t, header(t), "AWS::WAFv2::RegexPatternSet", nil)
	list := set["RegularExpressionList"].([]any)
	if set["Scope"] != "REGIONAL" || len(list) != 1 || !isKeyReference(list[0]) ||
		!strings.Contains(assertions.JSON(list[0]), `["^{{resolve:secretsmanager:`) || !strings.HasSuffix(assertions.JSON(list[0]), `:SecretString:::}}$"]]}`) {
		t.Errorf("pattern set %v", assertions.JSON(set))
	}
	key := assertions.OnlyProperties(t, apiKey(t), "AWS::ApiGateway::ApiKey", nil)
	if !isKeyReference(key["Value"]) || key["Enabled"] != true {
		t.Errorf("the API key's value must be the secret's (not its ID, as in the post): %v", key)
	}
}

func TestTheEdgeWebAclRateLimitsViewersAndRunsTheManagedRules(t *testing.T) {
	for r, limit := range map[*assertions.Result]float64{header(t): 2000, apiKey(t): 500} {
		props := assertions.OnlyProperties(t, r, "AWS::WAFv2::WebACL", map[string]any{"Scope": "CLOUDFRONT"})
		rules := props["Rules"].([]any)
		var names []string
		for _, rule := range rules {
			rule := rule.(map[string]any)
			names = append(names, rule["Name"].(string))
			if v := rule["VisibilityConfig"].(map[string]any); v["CloudWatchMetricsEnabled"] != true || v["SampledRequestsEnabled"] != true {
				t.Errorf("%s: rule %s lacks metrics or sampling", r.ID, rule["Name"])
			}
		}
		const wantRules = "RateLimitPerViewerIp MaxBodySize AWSManagedRulesAmazonIpReputationList AWSManagedRulesAmazonIpReputationList-Block " +
			"AWSManagedRulesCommonRuleSet AWSManagedRulesCommonRuleSet-Block AWSManagedRulesKnownBadInputsRuleSet AWSManagedRulesKnownBadInputsRuleSet-Block"
		if strings.Join(names, " ") != wantRules {
			t.Errorf("%s: rules %v", r.ID, names)
		}
		rate := rules[0].(map[string]any)["Statement"].(map[string]any)["RateBasedStatement"].(map[string]any)
		if rate["Limit"] != limit || rate["AggregateKeyType"] != "IP" || rate["EvaluationWindowSec"] != 300.0 {
			t.Errorf("%s: rate rule %v", r.ID, rate)
		}
		edgeACL := assertions.LogicalID(doors[r.ID].EdgeWebAcl.WebAcl)
		assertions.HasResourceProperties(t, r, "AWS::CloudFront::Distribution", map[string]any{
			"DistributionConfig": map[string]any{"WebACLId": map[string]any{"Fn::GetAtt": []any{edgeACL, "Arn"}}},
		})
	}
	// Outside us-east-1, the existing web ACL is attached and none is created.
	assertions.ResourceCountIs(t, alb(t), "AWS::WAFv2::WebACL", 1) // the regional one
	if distribution(t, alb(t))["WebACLId"] != "arn:aws:wafv2:us-east-1:111111111111:global/webacl/edge/abc" {
		t.Errorf("WebACLId %v", distribution(t, alb(t))["WebACLId"])
	}
}

func TestHeaderModeBlocksRequestsWithoutAnAcceptedKeyAtTheOrigin(t *testing.T) {
	for _, r := range []*assertions.Result{header(t), alb(t)} {
		id := assertions.OnlyLogicalID(t, r, "AWS::WAFv2::WebACL", map[string]any{"Scope": "REGIONAL"})
		props := assertions.Find(r, "AWS::WAFv2::WebACL", nil)[id]["Properties"].(map[string]any)
		if props["DefaultAction"].(map[string]any)["Block"] == nil {
			t.Errorf("%s: the origin web ACL must block by default: %v", r.ID, props["DefaultAction"])
		}
		rules := props["Rules"].([]any)
		if len(rules) != 1 {
			t.Fatalf("%s: the origin web ACL holds only the origin-key rule: %v", r.ID, rules)
		}
		assertions.HasResourceProperties(t, r, "AWS::WAFv2::WebACL", map[string]any{"Scope": "REGIONAL", "Rules": []any{map[string]any{
			"Action": map[string]any{"Allow": map[string]any{}},
			"Statement": map[string]any{"RegexPatternSetReferenceStatement": map[string]any{
				"Arn":          map[string]any{"Fn::GetAtt": []any{assertions.LogicalID(doors[r.ID].PatternSet), "Arn"}},
				"FieldToMatch": map[string]any{"SingleHeader": map[string]any{"Name": "x-origin-verify"}},
			}},
		}}})
	}
	// On a REST API the association names the stage and waits for it.
	r := header(t)
	stage := assertions.OnlyLogicalID(t, r, "AWS::ApiGateway::Stage", nil)
	assertions.HasResource(t, r, "AWS::WAFv2::WebACLAssociation", map[string]any{
		"Properties": map[string]any{"ResourceArn": map[string]any{"Fn::Join": []any{"", assertions.ArrayWith(map[string]any{"Ref": stage})}}},
		"DependsOn":  assertions.ArrayWith(stage),
	})
	// On an ALB, it names the load balancer.
	assertions.HasResourceProperties(t, alb(t), "AWS::WAFv2::WebACLAssociation", map[string]any{
		"ResourceArn": "arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/web/abc",
	})
	assertions.ResourceCountIs(t, apiKey(t), "AWS::WAFv2::RegexPatternSet", 0)
	assertions.ResourceCountIs(t, apiKey(t), "AWS::WAFv2::WebACLAssociation", 0)
}

func TestApiKeyModeIsThePostsUsagePlanWithEveryMethodRequiringAKey(t *testing.T) {
	r := apiKey(t)
	plan := assertions.OnlyProperties(t, r, "AWS::ApiGateway::UsagePlan", nil)
	stages := assertions.JSON(plan["ApiStages"])
	if plan["UsagePlanName"] != "CloudFront_only" || !strings.Contains(stages, assertions.OnlyLogicalID(t, r, "AWS::ApiGateway::Stage", nil)) {
		t.Errorf("usage plan %v", assertions.JSON(plan))
	}
	assertions.HasResourceProperties(t, r, "AWS::ApiGateway::UsagePlanKey", map[string]any{
		"KeyId": map[string]any{"Ref": assertions.OnlyLogicalID(t, r, "AWS::ApiGateway::ApiKey", nil)}, "KeyType": "API_KEY",
	})
	methods := assertions.Find(r, "AWS::ApiGateway::Method", nil)
	if len(methods) < 3 {
		t.Fatalf("want the Comments methods and the later one, got %d", len(methods))
	}
	for id, m := range methods {
		if m["Properties"].(map[string]any)["ApiKeyRequired"] != true {
			t.Errorf("method %s does not require an API key", id)
		}
	}
	for _, m := range assertions.Find(header(t), "AWS::ApiGateway::Method", nil) {
		if m["Properties"].(map[string]any)["ApiKeyRequired"] == true {
			t.Error("Header mode must not require API keys")
		}
	}
}

func TestRotationIsScheduledButNeverOnTheFirstDeployment(t *testing.T) {
	for r, schedule := range map[*assertions.Result]string{header(t): "rate(30 days)", apiKey(t): "rate(90 days)", alb(t): "rate(1 day)"} {
		assertions.HasResourceProperties(t, r, "AWS::SecretsManager::RotationSchedule", map[string]any{
			"RotationRules": map[string]any{"ScheduleExpression": schedule}, "RotateImmediatelyOnUpdate": false,
		})
	}
	days := map[frontdoor.Schedule]float64{frontdoor.Daily: 1, frontdoor.Fortnightly: 14, frontdoor.Monthly: 30, frontdoor.Bimonthly: 60, frontdoor.Quarterly: 90}
	for s, d := range days {
		if s.Days() != d {
			t.Errorf("%s = %v days", s, s.Days())
		}
	}
	// Secrets Manager, and only it, for this account only, may invoke the
	// rotation Lambda: one permission, with aws:SourceAccount.
	for _, r := range []*assertions.Result{header(t), apiKey(t)} {
		perm := assertions.OnlyProperties(t, r, "AWS::Lambda::Permission", nil)
		want := map[string]any{
			"Action": "lambda:InvokeFunction", "Principal": "secretsmanager.amazonaws.com", "SourceAccount": map[string]any{"Ref": "AWS::AccountId"},
			"FunctionName": map[string]any{"Fn::GetAtt": []any{assertions.LogicalID(doors[r.ID].RotationFunction.Function), "Arn"}},
		}
		if assertions.JSON(perm) != assertions.JSON(want) {
			t.Errorf("%s: rotation invoke permission %s, want %s", r.ID, assertions.JSON(perm), assertions.JSON(want))
		}
	}
	// The Lambda knows what to rotate.
	env := func(r *assertions.Result) string {
		fn := assertions.OnlyProperties(t, r, "AWS::Lambda::Function", map[string]any{"Handler": "bootstrap"})
		return assertions.JSON(fn["Environment"])
	}
	for _, want := range []string{
		`"MODE":"Header"`, `"HEADER_NAME":"X-Origin-Verify"`, `"ORIGIN_ID":"FrontDoorOrigin"`, `"PATTERN_SET_ID":{"Fn::GetAtt"`, `"DISTRIBUTION_ID":{"Ref"`,
	} {
		if !strings.Contains(env(header(t)), want) {
			t.Errorf("Header environment lacks %s: %s", want, env(header(t)))
		}
	}
	for _, want := range []string{
		`"MODE":"ApiKey"`, `"HEADER_NAME":"x-api-key"`, `"USAGE_PLAN_ID":{"Ref"`, `"BOOTSTRAP_KEY_ID":{"Ref"`, `"KEY_TAG":"FrontDoorApiKey`,
	} {
		if !strings.Contains(env(apiKey(t)), want) {
			t.Errorf("ApiKey environment lacks %s: %s", want, env(apiKey(t)))
		}
	}
}

// rotationPolicy is the rotation role's inline policy statements.
func rotationPolicy(t *testing.T, r *assertions.Result) string {
	t.Helper()
	role := assertions.LogicalID(doors[r.ID].RotationFunction.Role)
	var out []string
	for _, p := range assertions.Find(r, "AWS::IAM::Policy", map[string]any{"Roles": []any{map[string]any{"Ref": role}}}) {
		out = append(out, assertions.JSON(p["Properties"].(map[string]any)["PolicyDocument"]))
	}
	return strings.Join(out, "\n")
}

func TestTheRotationLambdaMayTouchOnlyItsOwnResources(t *testing.T) {
	h := rotationPolicy(t, header(t))
	for _, want := range []string{
		`{"Action":["cloudfront:GetDistribution","cloudfront:GetDistributionConfig","cloudfront:UpdateDistribution"],"Effect":"Allow",` +
			`"Resource":{"Fn::Join":["",["arn:aws:cloudfront::",{"Ref":"AWS::AccountId"},":distribution/",{"Ref":"FrontDoorDistribution`,
		`{"Action":["wafv2:GetRegexPatternSet","wafv2:UpdateRegexPatternSet"],"Effect":"Allow","Resource":{"Fn::GetAtt":["FrontDoorAcceptedOriginKeys`,
		`{"Action":"wafv2:GetWebACL","Effect":"Allow","Resource":{"Fn::GetAtt":["FrontDoorEdgeWebAcl`,
		`"secretsmanager:PutSecretValue"`,
	} {
		if !strings.Contains(h, want) {
			t.Errorf("Header policy lacks %s:\n%s", want, h)
		}
	}
	if strings.Contains(h, "wafv2:UpdateWebACL") || strings.Contains(h, "wafv2:Delete") {
		t.Error("rotation updates only the pattern set, never a web ACL")
	}
	if strings.Contains(h, "apigateway:") {
		t.Error("Header mode needs no API Gateway access")
	}
	k := rotationPolicy(t, apiKey(t))
	for _, want := range []string{
		`"Action":"apigateway:POST","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["blueprints:origin-key"]},` +
			`"StringEquals":{"aws:RequestTag/blueprints:origin-key":"FrontDoorApiKey`,
		`"::/apikeys"]]},"Sid":"CreateOnlyTaggedApiKeys"`,
		`"Action":"apigateway:DELETE","Condition":{"StringEquals":{"aws:ResourceTag/blueprints:origin-key":"FrontDoorApiKey`,
		`"::/apikeys/*"]]},"Sid":"DeleteOnlyTaggedApiKeys"`,
		`"Action":["apigateway:GET","apigateway:PATCH"],"Effect":"Allow",` +
			`"Resource":{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":apigateway:",{"Ref":"AWS::Region"},"::/apikeys/",{"Ref":"FrontDoorApiKey`,
		`"::/usageplans/",{"Ref":"FrontDoorUsagePlan`,
	} {
		if !strings.Contains(k, want) {
			t.Errorf("ApiKey policy lacks %s:\n%s", want, k)
		}
	}
	if strings.Contains(k, "wafv2:UpdateRegexPatternSet") {
		t.Error("ApiKey mode needs no pattern set")
	}
	// The same tag value is in the policy and the Lambda's environment.
	if !strings.Contains(k, `"aws:RequestTag/blueprints:origin-key":"FrontDoorApiKeyFrontDoor`) {
		t.Errorf("tag value: %s", k)
	}
}

func TestBadPropsAreRefusedWithAClearMessage(t *testing.T) {
	build := func(region string, props func(awscdk.Stack) *frontdoor.Props) func() {
		return func() {
			app := assertions.NewApp()
			var env *awscdk.Environment
			if region != "" {
				env = &awscdk.Environment{Region: jsii.String(region)}
			}
			stack := awscdk.NewStack(app, jsii.String("Bad"), &awscdk.StackProps{Env: env})
			frontdoor.NewFrontDoor(stack, "FrontDoor", props(stack))
		}
	}
	api := func(s awscdk.Stack) awsapigateway.RestApi {
		a := awsapigateway.NewRestApi(s, jsii.String("Api"), nil)
		a.Root().AddMethod(jsii.String("GET"), nil, nil)
		return a
	}
	cases := []struct {
		region string
		props  func(awscdk.Stack) *frontdoor.Props
		want   []string
	}{
		{"us-east-1", func(s awscdk.Stack) *frontdoor.Props { return nil }, []string{"exactly one origin"}},
		{"us-east-1", func(s awscdk.Stack) *frontdoor.Props {
			return &frontdoor.Props{RestApi: api(s), LoadBalancer: importedALB(s)}
		}, []string{"exactly one origin"}},
		{"us-east-1", func(s awscdk.Stack) *frontdoor.Props { return &frontdoor.Props{LoadBalancer: importedALB(s)} },
			[]string{"Props.LoadBalancerDomainName", "Props.UseVpcOrigin", "certificate"}},
		{"us-east-1", func(s awscdk.Stack) *frontdoor.Props {
			return &frontdoor.Props{LoadBalancer: importedALB(s), UseVpcOrigin: jsii.Bool(true), Mode: frontdoor.ModeApiKey}
		}, []string{"ModeApiKey needs a REST API origin"}},
		{"us-east-1", func(s awscdk.Stack) *frontdoor.Props { return &frontdoor.Props{RestApi: api(s), Mode: "Cookie"} }, []string{`Props.Mode "Cookie"`}},
		{"us-east-1", func(s awscdk.Stack) *frontdoor.Props {
			return &frontdoor.Props{RestApi: api(s), RotationSchedule: "Weekly"}
		}, []string{`Props.RotationSchedule "Weekly"`, "Fortnightly"}},
		{"us-east-1", func(s awscdk.Stack) *frontdoor.Props {
			return &frontdoor.Props{RestApi: api(s), DomainNames: jsii.Strings("a.example.com")}
		}, []string{"Props.DomainNames and Props.Certificate go together"}},
		{"us-east-1", func(s awscdk.Stack) *frontdoor.Props {
			return &frontdoor.Props{RestApi: api(s), ExistingWebAclArn: jsii.String("arn"), RateLimit: jsii.Number(100)}
		}, []string{"Props.ExistingWebAclArn and Props.RateLimit are mutually exclusive"}},
		{"eu-west-1", func(s awscdk.Stack) *frontdoor.Props {
			return &frontdoor.Props{RestApi: api(s), ExistingWebAclArn: jsii.String("arn:aws:wafv2:eu-west-1:111111111111:regional/webacl/a/b")}
		}, []string{"is not a CLOUDFRONT-scope web ACL"}},
		{"us-east-1", func(s awscdk.Stack) *frontdoor.Props {
			return &frontdoor.Props{RestApi: api(s), RateLimit: jsii.Number(5)}
		}, []string{"RateLimit 5", "10 to 2,000,000,000"}},
		{"us-east-1", func(s awscdk.Stack) *frontdoor.Props {
			return &frontdoor.Props{
				RestApi:           api(s),
				ExistingLogBucket: awss3.Bucket_FromBucketName(s, jsii.String("B"), jsii.String("logs")),
				LogBucketProps:    &awss3.BucketProps{},
			}
		}, []string{"Props.ExistingLogBucket and Props.LogBucketProps are mutually exclusive"}},
		{"eu-west-1", func(s awscdk.Stack) *frontdoor.Props { return &frontdoor.Props{RestApi: api(s)} },
			[]string{"only be created in us-east-1", "this stack is in eu-west-1", "Props.ExistingWebAclArn"}},
		{"", func(s awscdk.Stack) *frontdoor.Props { return &frontdoor.Props{RestApi: api(s)} },
			[]string{"region is unknown at synth", "Props.ExistingWebAclArn"}},
		{"us-east-1", func(s awscdk.Stack) *frontdoor.Props {
			return &frontdoor.Props{RestApi: api(s), MaxBodyBytes: jsii.Number(frontdoor.MaxInspectableBodyBytes + 1)}
		}, []string{"Props.MaxBodyBytes 65537", "inspects at most 65536 bytes (64 KB)"}},
		{"us-east-1", func(s awscdk.Stack) *frontdoor.Props {
			return &frontdoor.Props{RestApi: api(s), MaxBodyBytes: jsii.Number(-1)}
		}, []string{"Props.MaxBodyBytes -1", "whole number of bytes from 0 to 65536"}},
		{"us-east-1", func(s awscdk.Stack) *frontdoor.Props {
			return &frontdoor.Props{RestApi: api(s), MaxBodyBytes: jsii.Number(1.5)}
		}, []string{"Props.MaxBodyBytes 1.5", "whole number"}},
		{"us-east-1", func(s awscdk.Stack) *frontdoor.Props {
			return &frontdoor.Props{RestApi: api(s), ExistingWebAclArn: jsii.String("arn"), MaxBodyBytes: jsii.Number(16384)}
		}, []string{"Props.ExistingWebAclArn and Props.MaxBodyBytes are mutually exclusive", "EdgeWebAclProps.MaxBodyBytes"}},
		// Standard logging (legacy) delivers no logs to opt-in Regions.
		{"eu-south-1", func(s awscdk.Stack) *frontdoor.Props {
			return &frontdoor.Props{RestApi: api(s), ExistingWebAclArn: edgeArn}
		}, []string{"the new log bucket would be in eu-south-1", "standard logging (legacy) does not deliver", "Props.ExistingLogBucket"}},
		{"us-east-1", func(s awscdk.Stack) *frontdoor.Props {
			return &frontdoor.Props{RestApi: api(s), ExistingLogBucket: awss3.Bucket_FromBucketAttributes(s, jsii.String("B"), &awss3.BucketAttributes{
				BucketName: jsii.String("logs"), Region: jsii.String("me-central-1"),
			})}
		}, []string{"Props.ExistingLogBucket would be in me-central-1", "frontdoor.LegacyLogRegions"}},
		{"", func(s awscdk.Stack) *frontdoor.Props {
			return &frontdoor.Props{RestApi: api(s), ExistingWebAclArn: edgeArn}
		}, []string{"Region of the new log bucket is unknown at synth", "set the stack's env region"}},
	}
	for _, c := range cases {
		assertions.PanicsWith(t, build(c.region, c.props), append([]string{`frontdoor.NewFrontDoor "FrontDoor"`}, c.want...)...)
	}
	edge := func(region string, props *frontdoor.EdgeWebAclProps) func() {
		return func() {
			stack := awscdk.NewStack(assertions.NewApp(), jsii.String("Edge"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String(region)}})
			frontdoor.NewEdgeWebAcl(stack, "Edge", props)
		}
	}
	assertions.PanicsWith(t, edge("eu-west-1", nil), `frontdoor.NewEdgeWebAcl "Edge"`, "only be created in us-east-1")
	assertions.PanicsWith(t, edge("us-east-1", &frontdoor.EdgeWebAclProps{MaxBodyBytes: jsii.Number(100000)}),
		`frontdoor.NewEdgeWebAcl "Edge"`, "EdgeWebAclProps.MaxBodyBytes 100000", "64 KB")
	assertions.PanicsWith(t, edge("us-east-1", &frontdoor.EdgeWebAclProps{RateLimit: jsii.Number(9)}),
		`frontdoor.NewEdgeWebAcl "Edge"`, "EdgeWebAclProps.RateLimit 9", "10 to 2,000,000,000")
}

// edgeArn is a CLOUDFRONT-scope web ACL for front doors outside us-east-1.
var edgeArn = jsii.String("arn:aws:wafv2:us-east-1:111111111111:global/webacl/edge/abc")

// A VPC origin needs no public name: CloudFront reaches the (internal) ALB
// inside the VPC.
var vpcOrigin = assertions.Cached(func(app awscdk.App) awscdk.Stack {
	stack := awscdk.NewStack(app, jsii.String("FrontDoorVpcOrigin"), usEast1)
	vpc := awsec2.NewVpc(stack, jsii.String("Vpc"), nil)
	lb := elbv2.NewApplicationLoadBalancer(stack, jsii.String("Lb"), &elbv2.ApplicationLoadBalancerProps{Vpc: vpc})
	doors[*stack.StackName()] = frontdoor.NewFrontDoor(stack, "FrontDoor", &frontdoor.Props{LoadBalancer: lb, UseVpcOrigin: jsii.Bool(true)})
	return stack
})

func TestAnAlbCanBeReachedThroughAVpcOrigin(t *testing.T) {
	r := vpcOrigin(t)
	assertions.HasResourceProperties(t, r, "AWS::CloudFront::VpcOrigin", map[string]any{
		"VpcOriginEndpointConfig": assertions.ObjectLike(map[string]any{"OriginProtocolPolicy": "http-only"}),
	})
	o := origin(t, r)
	if o["VpcOriginConfig"] == nil || assertions.JSON(o["OriginCustomHeaders"]) == "null" {
		t.Errorf("origin %s", assertions.JSON(o))
	}
	assertions.HasResourceProperties(t, r, "AWS::WAFv2::WebACLAssociation", map[string]any{
		"ResourceArn": map[string]any{"Ref": assertions.OnlyLogicalID(t, r, "AWS::ElasticLoadBalancingV2::LoadBalancer", nil)},
	})
}

func TestSuite(t *testing.T) {
	for _, r := range []*assertions.Result{header(t), apiKey(t), alb(t)} {
		t.Run(r.ID, func(t *testing.T) { assertions.Suite(t, r) })
	}
}

// The rotation probes the origin before CloudFront sends a new key: a
// REST API gets GET /origin-probe (MOCK, guarded by the origin check), an
// ALB its own domain name; a VPC origin, which the function cannot reach,
// gets no probe. The function may run 15 minutes.
func TestTheRotationProbesTheOriginAndMayWaitFifteenMinutes(t *testing.T) {
	for _, r := range []*assertions.Result{header(t), apiKey(t)} {
		assertions.HasResourceProperties(t, r, "AWS::ApiGateway::Resource", map[string]any{"PathPart": "origin-probe"})
		assertions.HasResourceProperties(t, r, "AWS::ApiGateway::Method", map[string]any{
			"HttpMethod": "GET", "ResourceId": map[string]any{"Ref": assertions.LogicalID(doors[r.ID].ProbeMethod.Resource())},
			"Integration": map[string]any{"Type": "MOCK"}, "AuthorizationType": "NONE",
		})
		fn := assertions.Find(r, "AWS::Lambda::Function", nil)[assertions.LogicalID(doors[r.ID].RotationFunction.Function)]["Properties"].(map[string]any)
		probe := assertions.JSON(fn["Environment"].(map[string]any)["Variables"].(map[string]any)["PROBE_URL"])
		if fn["Timeout"] != 900.0 || !strings.Contains(probe, ".execute-api.") || !strings.HasSuffix(probe, `"/origin-probe"]]}`) {
			t.Errorf("%s: timeout %v, PROBE_URL %s", r.ID, fn["Timeout"], probe)
		}
	}
	fn := assertions.Find(alb(t), "AWS::Lambda::Function", nil)[assertions.LogicalID(doors["FrontDoorAlb"].RotationFunction.Function)]
	vars := fn["Properties"].(map[string]any)["Environment"].(map[string]any)["Variables"].(map[string]any)
	if v := vars["PROBE_URL"]; v != "https://origin.example.com/origin-probe" || vars["REFUSED_HEADER"] != "x-amzn-waf-origin-key" {
		t.Errorf("ALB probe URL %v, refused header %v", v, vars["REFUSED_HEADER"])
	}
	// The origin web ACL marks its own 403, which the probe tells from an
	// application's.
	assertions.HasResourceProperties(t, alb(t), "AWS::WAFv2::WebACL", map[string]any{"Scope": "REGIONAL",
		"DefaultAction": map[string]any{"Block": map[string]any{"CustomResponse": map[string]any{
			"ResponseCode": 403.0, "ResponseHeaders": []any{map[string]any{"Name": "origin-key", "Value": "refused"}},
		}}},
	})
	r := vpcOrigin(t)
	fn = assertions.Find(r, "AWS::Lambda::Function", nil)[assertions.LogicalID(doors[r.ID].RotationFunction.Function)]
	if _, ok := fn["Properties"].(map[string]any)["Environment"].(map[string]any)["Variables"].(map[string]any)["PROBE_URL"]; ok {
		t.Error("a VPC origin cannot be probed from the function")
	}
}

// The page's architecture diagram is this stack's (make diagrams).
func TestDiagram(t *testing.T) { assertions.Diagram(t, header(t), "README.md") }
