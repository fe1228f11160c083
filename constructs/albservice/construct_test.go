package albservice_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	cdkassertions "github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/assertions"
	"github.com/blueprints-cdk/blueprints/constructs/albservice"
	"github.com/blueprints-cdk/blueprints/constructs/dynamoproxy"
)

var env = &awscdk.Environment{Region: jsii.String("us-east-1")}

func twoServices(a *albservice.AlbToEcsServices) {
	for _, name := range []string{"orders", "inventory"} {
		a.AddService(name, &albservice.ServiceOptions{
			PathPatterns: jsii.Strings("/"+name, "/"+name+"/*"),
			Image:        awsecs.ContainerImage_FromRegistry(jsii.String("public.ecr.aws/example/"+name+":1.0"), nil),
		})
	}
}

// fargate is the default: a new VPC and Fargate cluster, HTTP listener.
var fargate = assertions.Cached(func(app awscdk.App) awscdk.Stack {
	stack := awscdk.NewStack(app, jsii.String("AlbServiceFargate"), &awscdk.StackProps{Env: env})
	a := albservice.NewAlbToEcsServices(stack, "Microservices", nil)
	twoServices(a)
	api := dynamoproxy.NewApiGatewayToDynamoDB(stack, "Api", nil) // a REST API with the project's defaults
	a.AddApiGatewayProxy(api.RestApi.Root(), "helloworld", "/orders", nil)
	return stack
})

// bridge runs on a cluster with EC2 capacity whose instances' security group
// is in the cluster's connections, as constructs/spotcluster provides it;
// with HTTPS.
var bridgeInstances awsec2.SecurityGroup // built by bridge

var bridge = assertions.Cached(func(app awscdk.App) awscdk.Stack {
	stack := awscdk.NewStack(app, jsii.String("AlbServiceEc2"), &awscdk.StackProps{Env: env})
	vpc := awsec2.NewVpc(stack, jsii.String("Vpc"), &awsec2.VpcProps{MaxAzs: jsii.Number(2), NatGateways: jsii.Number(1)})
	vpc.AddFlowLog(jsii.String("FlowLog"), nil)
	instances := awsec2.NewSecurityGroup(stack, jsii.String("Instances"), &awsec2.SecurityGroupProps{Vpc: vpc, Description: jsii.String("container instances")})
	bridgeInstances = instances
	cluster := awsecs.Cluster_FromClusterAttributes(stack, jsii.String("Ec2Cluster"), &awsecs.ClusterAttributes{
		ClusterName: jsii.String("spot"), Vpc: vpc, HasEc2Capacity: jsii.Bool(true), SecurityGroups: &[]awsec2.ISecurityGroup{instances},
	})
	cert := awscertificatemanager.Certificate_FromCertificateArn(stack, jsii.String("Cert"), jsii.String("arn:aws:acm:us-east-1:123456789012:certificate/abc"))
	twoServices(albservice.NewAlbToEcsServices(stack, "Microservices", &albservice.Props{ExistingCluster: cluster, Ec2: jsii.Bool(true), Certificate: cert}))
	return stack
})

func props(res map[string]any) map[string]any { return res["Properties"].(map[string]any) }

func TestEachServiceHasItsTargetGroupHealthCheckDelayAndRule(t *testing.T) {
	r := fargate(t)
	assertions.ResourceCountIs(t, r, "AWS::ElasticLoadBalancingV2::LoadBalancer", 1)
	assertions.ResourceCountIs(t, r, "AWS::ElasticLoadBalancingV2::TargetGroup", 2)
	assertions.HasResourceProperties(t, r, "AWS::ElasticLoadBalancingV2::TargetGroup", map[string]any{
		"HealthCheckPath": "/health", "HealthCheckIntervalSeconds": 15.0, "HealthyThresholdCount": 2.0,
		"UnhealthyThresholdCount": 3.0, "Matcher": map[string]any{"HttpCode": "200"}, "TargetType": "ip", "Port": 8080.0,
		"TargetGroupAttributes": assertions.ArrayWith(map[string]any{"Key": "deregistration_delay.timeout_seconds", "Value": "30"}),
	})
	priorities := map[float64]string{}
	for _, rule := range assertions.Find(r, "AWS::ElasticLoadBalancingV2::ListenerRule", nil) {
		p := props(rule)
		cond := fmt.Sprint(p["Conditions"])
		priorities[p["Priority"].(float64)] = cond
	}
	if !strings.Contains(priorities[10], "[/orders /orders/*]") || !strings.Contains(priorities[20], "[/inventory /inventory/*]") {
		t.Errorf("listener rules: %v", priorities)
	}
}

func TestUnmatchedPathsGetAJSON404(t *testing.T) {
	assertions.HasResourceProperties(t, fargate(t), "AWS::ElasticLoadBalancingV2::Listener", map[string]any{
		"Port": 80.0, "Protocol": "HTTP",
		"DefaultActions": []any{map[string]any{"Type": "fixed-response", "FixedResponseConfig": map[string]any{
			"StatusCode": "404", "ContentType": "application/json", "MessageBody": `{"message":"Not found"}`,
		}}},
	})
}

func TestFargateTasksAdmitOnlyTheLoadBalancerOnTheContainerPort(t *testing.T) {
	r := fargate(t)
	alb := assertions.OnlyProperties(t, r, "AWS::ElasticLoadBalancingV2::LoadBalancer", nil)
	albSG := alb["SecurityGroups"].([]any)[0].(map[string]any)["Fn::GetAtt"].([]any)[0]
	ingress := assertions.Find(r, "AWS::EC2::SecurityGroupIngress", nil)
	if len(ingress) != 2 {
		t.Fatalf("want one ingress rule per service, got %d", len(ingress))
	}
	for id, rule := range ingress {
		p := props(rule)
		if p["FromPort"] != 8080.0 || p["ToPort"] != 8080.0 || fmt.Sprint(p["SourceSecurityGroupId"]) != fmt.Sprintf("map[Fn::GetAtt:[%s GroupId]]", albSG) {
			t.Errorf("%s: %v", id, p)
		}
	}
	for id, sg := range assertions.Find(r, "AWS::EC2::SecurityGroup", nil) {
		if strings.HasPrefix(fmt.Sprint(props(sg)["GroupDescription"]), "Tasks of") && props(sg)["SecurityGroupIngress"] != nil {
			t.Errorf("%s has inline ingress: %v", id, props(sg)["SecurityGroupIngress"])
		}
	}
	assertions.HasResourceProperties(t, r, "AWS::ECS::TaskDefinition", map[string]any{
		"NetworkMode": "awsvpc", "RequiresCompatibilities": []any{"FARGATE"},
		"RuntimePlatform": map[string]any{"CpuArchitecture": "ARM64", "OperatingSystemFamily": "LINUX"},
	})
	assertions.HasResourceProperties(t, r, "AWS::ECS::Service", map[string]any{
		"NetworkConfiguration": map[string]any{"AwsvpcConfiguration": assertions.ObjectLike(map[string]any{"AssignPublicIp": "DISABLED"})},
	})
}

func TestEc2ServicesUseBridgeNetworkingWithDynamicHostPorts(t *testing.T) {
	r := bridge(t)
	tds := assertions.Find(r, "AWS::ECS::TaskDefinition", map[string]any{"NetworkMode": "bridge"})
	if len(tds) != 2 {
		t.Fatalf("want 2 bridge task definitions, got %d", len(tds))
	}
	for id, td := range tds {
		c := props(td)["ContainerDefinitions"].([]any)[0].(map[string]any)
		if fmt.Sprint(c["PortMappings"]) != "[map[ContainerPort:8080 HostPort:0 Protocol:tcp]]" {
			t.Errorf("%s: port mappings %v", id, c["PortMappings"])
		}
	}
	instanceSG := assertions.LogicalID(bridgeInstances)
	rules := assertions.Find(r, "AWS::EC2::SecurityGroupIngress", map[string]any{"GroupId": map[string]any{"Fn::GetAtt": []any{instanceSG, "GroupId"}}})
	if len(rules) == 0 {
		t.Fatal("no ingress to the instances")
	}
	for id, rule := range rules {
		p := props(rule)
		if p["FromPort"] != 32768.0 || p["ToPort"] != 65535.0 || p["SourceSecurityGroupId"] == nil {
			t.Errorf("%s: the instances must admit only the load balancer on the ephemeral range: %v", id, p)
		}
	}
	assertions.HasResourceProperties(t, r, "AWS::ElasticLoadBalancingV2::TargetGroup", map[string]any{"TargetType": "instance"})
}

func TestHTTPSWithARedirectWhenACertificateIsGiven(t *testing.T) {
	r := bridge(t)
	assertions.HasResourceProperties(t, r, "AWS::ElasticLoadBalancingV2::Listener", map[string]any{
		"Port": 443.0, "Protocol": "HTTPS", "SslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
		"Certificates": []any{map[string]any{"CertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/abc"}},
	})
	assertions.HasResourceProperties(t, r, "AWS::ElasticLoadBalancingV2::Listener", map[string]any{
		"Port": 80.0, "Protocol": "HTTP",
		"DefaultActions": []any{map[string]any{"Type": "redirect", "RedirectConfig": map[string]any{"Port": "443", "Protocol": "HTTPS", "StatusCode": "HTTP_301"}}},
	})
}

func TestLogsCircuitBreakerHealthCheckAndScaling(t *testing.T) {
	r := fargate(t)
	for id, td := range assertions.Find(r, "AWS::ECS::TaskDefinition", nil) {
		c := props(td)["ContainerDefinitions"].([]any)[0].(map[string]any)
		logs := c["LogConfiguration"].(map[string]any)
		opts := logs["Options"].(map[string]any)
		if logs["LogDriver"] != "awslogs" || opts["awslogs-stream-prefix"] == nil || opts["awslogs-group"] == nil {
			t.Errorf("%s: logs %v", id, logs)
		}
		command := fmt.Sprint(c["HealthCheck"].(map[string]any)["Command"])
		if command != "[CMD /service -healthcheck]" || c["StopTimeout"] != 30.0 || c["ReadonlyRootFilesystem"] != true {
			t.Errorf("%s: health check %v, stop timeout %v", id, c["HealthCheck"], c["StopTimeout"])
		}
	}
	assertions.ResourceCountIs(t, r, "AWS::Logs::LogGroup", 4) // two services, the VPC flow logs and the API access logs
	assertions.HasResourceProperties(t, r, "AWS::ECS::Service", map[string]any{
		"DeploymentConfiguration": assertions.ObjectLike(map[string]any{
			"DeploymentCircuitBreaker": map[string]any{"Enable": true, "Rollback": true},
		}),
	})
	assertions.ResourceCountIs(t, r, "AWS::ApplicationAutoScaling::ScalableTarget", 2)
	metrics := map[string]int{}
	for _, p := range assertions.Find(r, "AWS::ApplicationAutoScaling::ScalingPolicy", nil) {
		cfg := props(p)["TargetTrackingScalingPolicyConfiguration"].(map[string]any)
		metrics[cfg["PredefinedMetricSpecification"].(map[string]any)["PredefinedMetricType"].(string)]++
	}
	if metrics["ECSServiceAverageCPUUtilization"] != 2 || metrics["ALBRequestCountPerTarget"] != 2 {
		t.Errorf("scaling policies: %v", metrics)
	}
}

func TestLoadBalancerDropsInvalidHeadersAndLogsToAnSSES3Bucket(t *testing.T) {
	r := fargate(t)
	attrs := fmt.Sprint(assertions.OnlyProperties(t, r, "AWS::ElasticLoadBalancingV2::LoadBalancer", nil)["LoadBalancerAttributes"])
	for _, want := range []string{"routing.http.drop_invalid_header_fields.enabled Value:true", "access_logs.s3.enabled Value:true"} {
		if !strings.Contains(attrs, want) {
			t.Errorf("load balancer attributes lack %s: %s", want, attrs)
		}
	}
	assertions.HasResourceProperties(t, r, "AWS::S3::Bucket", map[string]any{
		"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{map[string]any{
			"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "AES256"},
		}}},
		"PublicAccessBlockConfiguration": map[string]any{"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true},
	})
}

func TestAnAPIGatewayHTTPProxyCanFrontAService(t *testing.T) {
	r := fargate(t)
	resource := assertions.OnlyLogicalID(t, r, "AWS::ApiGateway::Resource", map[string]any{"PathPart": "helloworld"})
	m := assertions.OnlyProperties(t, r, "AWS::ApiGateway::Method", map[string]any{"ResourceId": map[string]any{"Ref": resource}})
	integ := m["Integration"].(map[string]any)
	uri := assertions.JSON(integ["Uri"])
	if m["HttpMethod"] != "GET" || integ["Type"] != "HTTP_PROXY" || !strings.Contains(uri, `"http://"`) || !strings.Contains(uri, `"/orders"`) {
		t.Errorf("proxy: %v %v %s", m["HttpMethod"], integ["Type"], uri)
	}
}

func TestBadPropsFailWithAClearMessage(t *testing.T) {
	cases := map[string]struct {
		build func(s awscdk.Stack)
		want  string
	}{
		"no region": {func(awscdk.Stack) {
			albservice.NewAlbToEcsServices(awscdk.NewStack(assertions.NewApp(), jsii.String("NoRegion"), nil), "Bad", nil)
		}, "explicit region"},
		"ec2 without cluster": {func(s awscdk.Stack) {
			albservice.NewAlbToEcsServices(s, "Bad", &albservice.Props{Ec2: jsii.Bool(true)})
		}, "Props.Ec2 needs Props.ExistingCluster"},
		"empty strategies": {func(s awscdk.Stack) {
			albservice.NewAlbToEcsServices(s, "Bad", &albservice.Props{CapacityProviderStrategies: &[]*awsecs.CapacityProviderStrategy{}})
		}, "Props.CapacityProviderStrategies is empty"},
		"no image": {func(s awscdk.Stack) {
			albservice.NewAlbToEcsServices(s, "A", nil).AddService("Bad", &albservice.ServiceOptions{PathPatterns: jsii.Strings("/x")})
		}, "ServiceOptions.PathPatterns and ServiceOptions.Image are required"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			stack := awscdk.NewStack(assertions.NewApp(), jsii.String("S"), &awscdk.StackProps{Env: env})
			assertions.PanicsWith(t, func() { c.build(stack) }, c.want, `"Bad"`)
		})
	}
}

func TestFargateSuite(t *testing.T) { assertions.Suite(t, fargate(t)) }

func TestEc2Suite(t *testing.T) { assertions.Suite(t, bridge(t)) }

// The access-log bucket is versioned, so its noncurrent versions expire too:
// otherwise nothing would ever leave it.
func TestAccessLogsExpireFullyNoncurrentVersionsIncluded(t *testing.T) {
	assertions.HasResourceProperties(t, fargate(t), "AWS::S3::Bucket", map[string]any{
		"VersioningConfiguration": map[string]any{"Status": "Enabled"},
		"LifecycleConfiguration": map[string]any{"Rules": []any{map[string]any{
			"ExpirationInDays": 365.0, "NoncurrentVersionExpiration": map[string]any{"NoncurrentDays": 30.0}, "Status": "Enabled",
		}}},
	})
}

// A service's architecture reaches its tasks: Fargate's runtime platform,
// or on EC2 a placement constraint; an unknown one is refused.
func TestTheServiceArchitectureReachesItsTasks(t *testing.T) {
	stack := awscdk.NewStack(assertions.NewApp(), jsii.String("S"), &awscdk.StackProps{Env: env})
	a := albservice.NewAlbToEcsServices(stack, "A", nil)
	a.AddService("x86", &albservice.ServiceOptions{PathPatterns: jsii.Strings("/x"), Image: awsecs.ContainerImage_FromRegistry(jsii.String("r"), nil),
		Architecture: jsii.String(albservice.X8664)})
	cdkassertions.Template_FromStack(stack, nil).HasResourceProperties(jsii.String("AWS::ECS::TaskDefinition"), map[string]any{
		"RuntimePlatform": map[string]any{"CpuArchitecture": "X86_64", "OperatingSystemFamily": "LINUX"},
	})
	assertions.PanicsWith(t, func() {
		a.AddService("bad", &albservice.ServiceOptions{PathPatterns: jsii.Strings("/b"), Image: awsecs.ContainerImage_FromRegistry(jsii.String("r"), nil),
			Architecture: jsii.String("riscv64")})
	}, `ServiceOptions.Architecture "riscv64"`, `"bad"`)
}

// Capacity provider strategies replace the launch type, so that ECS managed
// scaling counts the tasks ("Amazon ECS capacity providers": a service uses
// either a launch type or a capacity provider strategy).
func TestCapacityProviderStrategiesReplaceTheLaunchType(t *testing.T) {
	r, err := assertions.Synth(func(app awscdk.App) awscdk.Stack {
		stack := awscdk.NewStack(app, jsii.String("AlbServiceStrategies"), &awscdk.StackProps{Env: env})
		vpc := awsec2.NewVpc(stack, jsii.String("Vpc"), &awsec2.VpcProps{MaxAzs: jsii.Number(2), NatGateways: jsii.Number(1)})
		cluster := awsecs.Cluster_FromClusterAttributes(stack, jsii.String("Ec2Cluster"), &awsecs.ClusterAttributes{
			ClusterName: jsii.String("spot"), Vpc: vpc, HasEc2Capacity: jsii.Bool(true),
		})
		strategies := []*awsecs.CapacityProviderStrategy{{CapacityProvider: jsii.String("spot-group"), Weight: jsii.Number(1)}}
		twoServices(albservice.NewAlbToEcsServices(stack, "Microservices", &albservice.Props{
			ExistingCluster: cluster, Ec2: jsii.Bool(true), CapacityProviderStrategies: &strategies,
		}))
		return stack
	}, assertions.WithoutValidation())
	if err != nil {
		t.Fatal(err)
	}
	services := assertions.Find(r, "AWS::ECS::Service", nil)
	if len(services) != 2 {
		t.Fatalf("want 2 services, got %d", len(services))
	}
	for id, svc := range services {
		p := props(svc)
		if p["LaunchType"] != nil || assertions.JSON(p["CapacityProviderStrategy"]) != `[{"CapacityProvider":"spot-group","Weight":1}]` {
			t.Errorf("%s: launch type %v, strategy %v", id, p["LaunchType"], p["CapacityProviderStrategy"])
		}
	}
}

// The page's architecture diagram is this stack's (make diagrams).
func TestDiagram(t *testing.T) { assertions.Diagram(t, fargate(t), "README.md") }
