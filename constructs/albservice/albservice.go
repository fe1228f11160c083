// Package albservice runs ECS services behind one Application Load Balancer, routed by path.
//
// It runs several ECS services behind one Application Load
// Balancer with path-based routing: the architecture of "Run Containerized
// Microservices with Amazon EC2 Container Service and Application Load
// Balancer" (a monolith's /orders and /inventory split into two services),
// with each service's logs in CloudWatch Logs as in "Centralized Container
// Logs with Amazon ECS and Amazon CloudWatch Logs".
//
// Adding a service is one call, AddService, with path patterns, an image and
// a port. Each service gets its own target group, health check,
// deregistration delay, listener rule, log group, deployment circuit breaker
// with rollback, container health check and auto scaling on CPU and on
// requests per target. Unmatched paths get a JSON 404. The services run on
// Fargate (awsvpc) or on EC2 capacity with bridge networking and dynamic host
// ports, which constructs/spotcluster provides.
package albservice

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapplicationautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/internal/defaults"
	"github.com/blueprints-cdk/blueprints/internal/nag"
	"github.com/blueprints-cdk/blueprints/internal/routes"
)

// AlbToEcsServices is the load balancer, its listeners and the services.
type AlbToEcsServices struct {
	constructs.Construct
	// Vpc is the network, created or the cluster's.
	Vpc awsec2.IVpc
	// Cluster runs the services, created or existing.
	Cluster awsecs.ICluster
	// LoadBalancer is the shared Application Load Balancer.
	LoadBalancer elbv2.ApplicationLoadBalancer
	// Listener routes the services: HTTPS with a certificate, HTTP otherwise.
	Listener elbv2.ApplicationListener
	// RedirectListener sends HTTP to HTTPS, or is nil without a certificate.
	RedirectListener elbv2.ApplicationListener
	// AccessLogs receives the load balancer's access logs, created or existing.
	AccessLogs awss3.IBucket
	// Services are the services added, in order.
	Services []*Service

	ec2        bool
	strategies *[]*awsecs.CapacityProviderStrategy
}

// Service is one ECS service behind the load balancer.
type Service struct {
	// Name is the id given to AddService.
	Name string
	// Service is the ECS service (an awsecs.FargateService or Ec2Service).
	Service awsecs.BaseService
	// TaskDefinition and Container run the image.
	TaskDefinition awsecs.TaskDefinition
	Container      awsecs.ContainerDefinition
	// TargetGroup receives the path patterns' requests.
	TargetGroup elbv2.ApplicationTargetGroup
	// LogGroup receives the container's logs (awslogs driver).
	LogGroup awslogs.LogGroup
	// Scaling scales the service between MinCapacity and MaxCapacity.
	Scaling awsecs.ScalableTaskCount
}

// NewAlbToEcsServices builds the load balancer (and, without
// ExistingCluster, a VPC and a Fargate cluster). Add services with AddService.
func NewAlbToEcsServices(scope constructs.Construct, id string, props *Props) *AlbToEcsServices {
	if props == nil {
		props = &Props{}
	}
	c, err := resolve(props, awscdk.Stack_Of(scope).Region())
	if err != nil {
		panic(fmt.Sprintf("albservice.NewAlbToEcsServices %q: %v", id, err))
	}
	a := &AlbToEcsServices{Construct: constructs.NewConstruct(scope, jsii.String(id)), ec2: c.ec2, strategies: c.strategies}
	a.buildCluster(c)
	a.buildLoadBalancer(c)
	return a
}

func (a *AlbToEcsServices) buildCluster(c *config) {
	if c.existingCluster != nil {
		a.Cluster, a.Vpc = c.existingCluster, c.existingCluster.Vpc()
		return
	}
	vpc := defaults.Vpc(a.Construct, c.vpcProps)
	a.Vpc = vpc
	a.Cluster = awsecs.NewCluster(a.Construct, jsii.String("Cluster"), &awsecs.ClusterProps{
		Vpc:                            vpc,
		ContainerInsightsV2:            awsecs.ContainerInsights_ENABLED,
		EnableFargateCapacityProviders: jsii.Bool(true),
	})
}

func (a *AlbToEcsServices) buildLoadBalancer(c *config) {
	internetFacing := c.internetFacing
	a.LoadBalancer = elbv2.NewApplicationLoadBalancer(a.Construct, jsii.String("LoadBalancer"), &elbv2.ApplicationLoadBalancerProps{
		Vpc:                     a.Vpc,
		InternetFacing:          jsii.Bool(internetFacing),
		DropInvalidHeaderFields: jsii.Bool(true),
	})
	if c.existingAccessLogBucket != nil {
		a.AccessLogs = c.existingAccessLogBucket
	} else {
		// ALB can only write to SSE-S3 buckets, not SSE-KMS.
		a.AccessLogs = defaults.LogBucket(a.Construct, "AccessLogs", nil, c.removal, false)
	}
	a.LoadBalancer.LogAccessLogs(a.AccessLogs, jsii.String("alb"))

	notFound := elbv2.ListenerAction_FixedResponse(jsii.Number(404), &elbv2.FixedResponseOptions{
		ContentType: jsii.String("application/json"),
		MessageBody: jsii.String(`{"message":"Not found"}`),
	})
	if c.certificate != nil {
		a.Listener = a.LoadBalancer.AddListener(jsii.String("Https"), &elbv2.BaseApplicationListenerProps{
			Port: jsii.Number(443), Protocol: elbv2.ApplicationProtocol_HTTPS,
			Certificates:  &[]elbv2.IListenerCertificate{elbv2.ListenerCertificate_FromCertificateManager(c.certificate)},
			SslPolicy:     elbv2.SslPolicy_RECOMMENDED_TLS,
			DefaultAction: notFound,
		})
		a.RedirectListener = a.LoadBalancer.AddListener(jsii.String("HttpRedirect"), &elbv2.BaseApplicationListenerProps{
			Port: jsii.Number(80), Protocol: elbv2.ApplicationProtocol_HTTP,
			DefaultAction: elbv2.ListenerAction_Redirect(&elbv2.RedirectOptions{Protocol: jsii.String("HTTPS"), Port: jsii.String("443"), Permanent: jsii.Bool(true)}),
		})
	} else {
		a.Listener = a.LoadBalancer.AddListener(jsii.String("Http"), &elbv2.BaseApplicationListenerProps{
			Port: jsii.Number(80), Protocol: elbv2.ApplicationProtocol_HTTP, DefaultAction: notFound,
		})
	}
	if internetFacing {
		nag.Suppress(a.LoadBalancer, "AwsSolutions-EC23",
			"An internet-facing load balancer admits any address on its listener ports; the tasks admit only the load balancer")
	}
}

// AddService runs opts.Image as a service behind opts.PathPatterns.
func (a *AlbToEcsServices) AddService(id string, opts *ServiceOptions) *Service {
	o, err := resolveService(opts, len(a.Services))
	if err != nil {
		panic(fmt.Sprintf("albservice AddService %q: %v", id, err))
	}
	c := constructs.NewConstruct(a.Construct, jsii.String(id))
	s := &Service{Name: id}
	s.LogGroup = awslogs.NewLogGroup(c, jsii.String("Logs"), &awslogs.LogGroupProps{Retention: defaults.LogRetention()})

	container := &awsecs.ContainerDefinitionOptions{
		Image:                  o.image,
		Environment:            &o.environment,
		Logging:                awsecs.LogDriver_AwsLogs(&awsecs.AwsLogDriverProps{LogGroup: s.LogGroup, StreamPrefix: jsii.String(id)}),
		StopTimeout:            o.stopTimeout,
		ReadonlyRootFilesystem: jsii.Bool(true),
		HealthCheck: &awsecs.HealthCheck{
			Command:     o.healthCheckCommand,
			Interval:    awscdk.Duration_Seconds(jsii.Number(15)),
			Retries:     jsii.Number(3),
			StartPeriod: awscdk.Duration_Seconds(jsii.Number(10)),
			Timeout:     awscdk.Duration_Seconds(jsii.Number(5)),
		},
	}
	circuit := &awsecs.DeploymentCircuitBreaker{Enable: jsii.Bool(true), Rollback: jsii.Bool(true)}
	var target elbv2.IApplicationLoadBalancerTarget
	if a.ec2 {
		td := awsecs.NewEc2TaskDefinition(c, jsii.String("Task"), &awsecs.Ec2TaskDefinitionProps{NetworkMode: awsecs.NetworkMode_BRIDGE})
		container.MemoryReservationMiB = jsii.Number(o.memory)
		container.Cpu = jsii.Number(o.cpu)
		s.Container = td.AddContainer(jsii.String("App"), container)
		// hostPort 0: Docker picks an ephemeral host port, so several tasks
		// of any service share an instance.
		s.Container.AddPortMappings(&awsecs.PortMapping{ContainerPort: jsii.Number(o.port), HostPort: jsii.Number(0)})
		svc := awsecs.NewEc2Service(c, jsii.String("Service"), &awsecs.Ec2ServiceProps{
			Cluster: a.Cluster, TaskDefinition: td, DesiredCount: jsii.Number(o.desired), CapacityProviderStrategies: a.strategies,
			CircuitBreaker: circuit, MinHealthyPercent: jsii.Number(100), MaxHealthyPercent: jsii.Number(200),
			PlacementStrategies: &[]awsecs.PlacementStrategy{awsecs.PlacementStrategy_SpreadAcrossInstances()},
			// The container agent sets ecs.cpu-architecture on every instance
			// ("Amazon ECS container instance attributes", built-in attributes).
			PlacementConstraints: &[]awsecs.PlacementConstraint{
				awsecs.PlacementConstraint_MemberOf(jsii.String("attribute:ecs.cpu-architecture == " + o.arch)),
			},
		})
		s.TaskDefinition, s.Service, target = td, svc, svc.LoadBalancerTarget(&awsecs.LoadBalancerTargetOptions{
			ContainerName: jsii.String("App"), ContainerPort: jsii.Number(o.port),
		})
	} else {
		td := awsecs.NewFargateTaskDefinition(c, jsii.String("Task"), &awsecs.FargateTaskDefinitionProps{
			Cpu: jsii.Number(o.cpu), MemoryLimitMiB: jsii.Number(o.memory),
			RuntimePlatform: &awsecs.RuntimePlatform{CpuArchitecture: cpuArchitecture(o.arch), OperatingSystemFamily: awsecs.OperatingSystemFamily_LINUX()},
		})
		s.Container = td.AddContainer(jsii.String("App"), container)
		s.Container.AddPortMappings(&awsecs.PortMapping{ContainerPort: jsii.Number(o.port)})
		sg := awsec2.NewSecurityGroup(c, jsii.String("Tasks"), &awsec2.SecurityGroupProps{
			Vpc: a.Vpc, Description: jsii.String("Tasks of " + id + ": only the load balancer may reach them"),
		})
		svc := awsecs.NewFargateService(c, jsii.String("Service"), &awsecs.FargateServiceProps{
			Cluster: a.Cluster, TaskDefinition: td, DesiredCount: jsii.Number(o.desired), CapacityProviderStrategies: a.strategies,
			CircuitBreaker: circuit, MinHealthyPercent: jsii.Number(100), MaxHealthyPercent: jsii.Number(200),
			SecurityGroups: &[]awsec2.ISecurityGroup{sg}, AssignPublicIp: jsii.Bool(false),
			VpcSubnets: &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS},
		})
		s.TaskDefinition, s.Service, target = td, svc, svc.LoadBalancerTarget(&awsecs.LoadBalancerTargetOptions{
			ContainerName: jsii.String("App"), ContainerPort: jsii.Number(o.port),
		})
	}
	nag.Suppress(s.TaskDefinition, "AwsSolutions-IAM5",
		"The execution role pulls from ECR: ecr:GetAuthorizationToken has no resource-level permissions (the least-privilege check allows nothing else on *)",
		"Resource::*")
	if o.userEnvironment {
		nag.Suppress(s.TaskDefinition, "AwsSolutions-ECS2", "Plain configuration values; secrets belong in Secrets Manager, not ServiceOptions.Environment")
	} else {
		nag.Suppress(s.TaskDefinition, "AwsSolutions-ECS2", "STOP_TIMEOUT is configuration, not a secret")
	}

	s.TargetGroup = elbv2.NewApplicationTargetGroup(c, jsii.String("Targets"), &elbv2.ApplicationTargetGroupProps{
		Vpc: a.Vpc, Port: jsii.Number(o.port), Protocol: elbv2.ApplicationProtocol_HTTP,
		Targets:             &[]elbv2.IApplicationLoadBalancerTarget{target},
		DeregistrationDelay: o.deregistrationDelay,
		HealthCheck: &elbv2.HealthCheck{
			Path:                    jsii.String(o.healthCheckPath),
			Interval:                o.healthCheckInterval,
			HealthyThresholdCount:   jsii.Number(o.healthyThreshold),
			UnhealthyThresholdCount: jsii.Number(o.unhealthyThreshold),
			HealthyHttpCodes:        jsii.String("200"),
		},
	})
	a.Listener.AddTargetGroups(jsii.String(id), &elbv2.AddApplicationTargetGroupsProps{
		TargetGroups: &[]elbv2.IApplicationTargetGroup{s.TargetGroup},
		Priority:     jsii.Number(o.priority),
		Conditions:   &[]elbv2.ListenerCondition{elbv2.ListenerCondition_PathPatterns(o.pathPatterns)},
	})

	s.Scaling = s.Service.AutoScaleTaskCount(&awsapplicationautoscaling.EnableScalingProps{
		MinCapacity: jsii.Number(o.min), MaxCapacity: jsii.Number(o.max),
	})
	s.Scaling.ScaleOnCpuUtilization(jsii.String("Cpu"), &awsecs.CpuUtilizationScalingProps{TargetUtilizationPercent: jsii.Number(o.cpuTarget)})
	s.Scaling.ScaleOnRequestCount(jsii.String("Requests"), &awsecs.RequestCountScalingProps{
		RequestsPerTarget: jsii.Number(o.rpt), TargetGroup: s.TargetGroup,
	})
	a.Services = append(a.Services, s)
	return s
}

// AddApiGatewayProxy adds GET {parent}/{pathPart} to a REST API as an HTTP
// proxy to albPath on the load balancer, as in "Using Amazon API Gateway with
// microservices deployed on Amazon ECS" (GET /helloworld to the service).
// Without a certificate the integration uses HTTP, as the post did; with
// one, HTTPS to the load balancer's DNS name, which the certificate must
// cover. opts authorize the method (default: public, with a recorded reason).
func (a *AlbToEcsServices) AddApiGatewayProxy(
	parent awsapigateway.IResource, pathPart, albPath string, opts *awsapigateway.MethodOptions,
) awsapigateway.Method {
	scheme := "http://"
	if a.RedirectListener != nil {
		scheme = "https://"
	}
	integration := awsapigateway.NewHttpIntegration(jsii.String(scheme+*a.LoadBalancer.LoadBalancerDnsName()+albPath), &awsapigateway.HttpIntegrationProps{
		HttpMethod: jsii.String("GET"),
		Proxy:      jsii.Bool(true),
	})
	o := routes.MethodOptions(opts, nil)
	m := parent.AddResource(jsii.String(pathPart), nil).AddMethod(jsii.String("GET"), integration, o)
	nag.SuppressAuth(m, o)
	return m
}

// cpuArchitecture is ECS's name of an architecture.
func cpuArchitecture(arch string) awsecs.CpuArchitecture {
	if arch == X8664 {
		return awsecs.CpuArchitecture_X86_64()
	}
	return awsecs.CpuArchitecture_ARM64()
}
