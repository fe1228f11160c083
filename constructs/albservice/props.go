package albservice

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/internal/defaults"
	"github.com/blueprints-cdk/blueprints/internal/ptr"
)

// Props configures an AlbToEcsServices. Every field is optional; nil means
// the default: a new VPC over two Availability Zones with one NAT gateway, a
// Fargate cluster, and an internet-facing HTTP load balancer.
type Props struct {
	// ExistingCluster runs the services. On a cluster with EC2 capacity set
	// Ec2 (bridge networking). Mutually exclusive with VpcProps; when it is
	// given, the load balancer goes in its VPC.
	ExistingCluster awsecs.ICluster
	// VpcProps are the new VPC's props. Default: 2 AZs, 1 NAT gateway.
	VpcProps *awsec2.VpcProps

	// Ec2 runs the services on the cluster's EC2 capacity with bridge
	// networking and dynamic host ports (hostPort 0), the post's central
	// point; the load balancer reaches the instances on the ephemeral port
	// range only, through the cluster's connections. Default: false (Fargate,
	// awsvpc: each task has its own security group that admits the load
	// balancer on the container port only).
	Ec2 *bool
	// CapacityProviderStrategies place the services' tasks on the cluster's
	// capacity providers instead of its EC2 launch type, so that ECS managed
	// scaling counts them: spotcluster's CapacityProviderStrategies, with
	// Ec2. Default: none (the EC2 or Fargate launch type).
	CapacityProviderStrategies *[]*awsecs.CapacityProviderStrategy

	// InternetFacing puts the load balancer in public subnets. Default: true.
	InternetFacing *bool
	// Certificate adds an HTTPS listener on 443, and makes port 80 redirect
	// to it. Default: none (HTTP on 80 only).
	Certificate awscertificatemanager.ICertificate
	// ExistingAccessLogBucket receives the load balancer's access logs; it
	// must use SSE-S3 (ALB cannot write to SSE-KMS buckets). Default: a new
	// bucket with SSE-S3, public access blocked and SSL enforced.
	ExistingAccessLogBucket awss3.IBucket

	// RemovalPolicy of the new access-log bucket. Default: RETAIN.
	RemovalPolicy *awscdk.RemovalPolicy
}

// ServiceOptions is one service: what AddService needs is PathPatterns and
// Image; the rest has defaults.
type ServiceOptions struct {
	// PathPatterns route to the service, e.g. /orders and /orders/*. Required.
	PathPatterns *[]*string
	// Image is the container image. Required.
	Image awsecs.ContainerImage
	// ContainerPort the container listens on. Default: 8080.
	ContainerPort *float64
	// Priority of the listener rule. Default: 10 for the first service, 20
	// for the second, and so on.
	Priority *float64
	// Environment of the container. Default: none.
	Environment *map[string]*string

	// HealthCheckPath, HealthCheckInterval, HealthyThreshold and
	// UnhealthyThreshold configure the target group's health check.
	// Default: /health every 15 s, healthy after 2, unhealthy after 3.
	HealthCheckPath     *string
	HealthCheckInterval awscdk.Duration
	HealthyThreshold    *float64
	UnhealthyThreshold  *float64
	// DeregistrationDelay lets in-flight requests finish before a target
	// leaves. Default: 30 s.
	DeregistrationDelay awscdk.Duration
	// ContainerHealthCheck is the container's own health check command.
	// Default: ["CMD", "/service", "-healthcheck"], the convention of
	// apps/containers/service (a minimal image has no shell or curl).
	ContainerHealthCheck *[]*string
	// StopTimeout is how long ECS waits after SIGTERM before SIGKILL; the
	// container gets it as STOP_TIMEOUT. Default: 30 s.
	StopTimeout awscdk.Duration

	// Architecture of the image: Arm64 or X8664. It sets the Fargate task's
	// runtime platform, or, on EC2, a placement constraint on the instances'
	// ecs.cpu-architecture attribute, so a task never lands on an instance
	// that cannot run its image. Default: Arm64.
	Architecture *string
	// Cpu and MemoryMiB of a task (Fargate) or container reservation (EC2).
	// Default: 256 and 512.
	Cpu       *float64
	MemoryMiB *float64
	// DesiredCount, MinCapacity and MaxCapacity of the service. Default: 2, 2, 10.
	DesiredCount *float64
	MinCapacity  *float64
	MaxCapacity  *float64
	// TargetCpuPercent and RequestsPerTarget are the auto-scaling targets.
	// Default: 60 % CPU and 1,000 requests per target per minute.
	TargetCpuPercent  *float64
	RequestsPerTarget *float64
}

// Architectures of a service's image and tasks.
const (
	Arm64 = "arm64"
	X8664 = "x86_64"
)

// config is Props with the defaults applied: all that the builders read.
type config struct {
	existingCluster         awsecs.ICluster
	vpcProps                *awsec2.VpcProps
	ec2, internetFacing     bool
	certificate             awscertificatemanager.ICertificate
	existingAccessLogBucket awss3.IBucket
	removal                 awscdk.RemovalPolicy
	strategies              *[]*awsecs.CapacityProviderStrategy
}

// resolve validates the props and applies the defaults. region is the
// stack's: ALB access logging depends on it.
func resolve(p *Props, region *string) (*config, error) {
	c := &config{
		existingCluster: p.ExistingCluster, vpcProps: p.VpcProps,
		ec2: ptr.Or(p.Ec2, false), internetFacing: ptr.Or(p.InternetFacing, true),
		certificate: p.Certificate, existingAccessLogBucket: p.ExistingAccessLogBucket,
		removal: defaults.RemovalPolicy(p.RemovalPolicy), strategies: p.CapacityProviderStrategies,
	}
	switch {
	case p.ExistingCluster != nil && p.VpcProps != nil:
		return nil, fmt.Errorf("Props.ExistingCluster and Props.VpcProps are mutually exclusive: the load balancer goes in the cluster's VPC")
	case c.ec2 && p.ExistingCluster == nil:
		return nil, fmt.Errorf("Props.Ec2 needs Props.ExistingCluster with EC2 capacity (constructs/spotcluster, for example)")
	case p.CapacityProviderStrategies != nil && len(*p.CapacityProviderStrategies) == 0:
		return nil, fmt.Errorf("Props.CapacityProviderStrategies is empty: pass nil for the launch type, or at least one strategy")
	case *awscdk.Token_IsUnresolved(region):
		return nil, fmt.Errorf("the stack needs an explicit region (StackProps.Env.Region): ALB access logging depends on it")
	}
	return c, nil
}

// service is ServiceOptions with the defaults applied: all that AddService reads.
type service struct {
	pathPatterns                                          *[]*string
	image                                                 awsecs.ContainerImage
	port, priority, cpu, memory, desired, min, max        float64
	healthyThreshold, unhealthyThreshold, cpuTarget, rpt  float64
	environment                                           map[string]*string
	userEnvironment                                       bool // the caller set some of environment
	healthCheckPath                                       string
	arch                                                  string
	healthCheckCommand                                    *[]*string
	stopTimeout, healthCheckInterval, deregistrationDelay awscdk.Duration
}

// resolveService validates one service's options and applies the defaults;
// index is its place among the load balancer's services, from 0.
func resolveService(o *ServiceOptions, index int) (*service, error) {
	if o == nil || o.PathPatterns == nil || len(*o.PathPatterns) == 0 || o.Image == nil {
		return nil, fmt.Errorf("ServiceOptions.PathPatterns and ServiceOptions.Image are required")
	}
	if n := len(*o.PathPatterns); n > 5 {
		return nil, fmt.Errorf("%d path patterns; a listener rule takes at most 5", n)
	}
	s := &service{
		pathPatterns: o.PathPatterns, image: o.Image,
		port: ptr.Or(o.ContainerPort, 8080), priority: ptr.Or(o.Priority, float64(10*(index+1))),
		cpu: ptr.Or(o.Cpu, 256), memory: ptr.Or(o.MemoryMiB, 512),
		desired: ptr.Or(o.DesiredCount, 2), min: ptr.Or(o.MinCapacity, 2), max: ptr.Or(o.MaxCapacity, 10),
		healthyThreshold: ptr.Or(o.HealthyThreshold, 2), unhealthyThreshold: ptr.Or(o.UnhealthyThreshold, 3),
		cpuTarget: ptr.Or(o.TargetCpuPercent, 60), rpt: ptr.Or(o.RequestsPerTarget, 1000),
		healthCheckPath:     ptr.Or(o.HealthCheckPath, "/health"),
		healthCheckCommand:  o.ContainerHealthCheck,
		stopTimeout:         o.StopTimeout,
		healthCheckInterval: o.HealthCheckInterval,
		deregistrationDelay: o.DeregistrationDelay,
	}
	s.arch = ptr.Or(o.Architecture, Arm64)
	if s.arch != Arm64 && s.arch != X8664 {
		return nil, fmt.Errorf("ServiceOptions.Architecture %q must be %q or %q", s.arch, Arm64, X8664)
	}
	if s.healthCheckCommand == nil {
		s.healthCheckCommand = jsii.Strings("CMD", "/service", "-healthcheck")
	}
	if s.stopTimeout == nil {
		s.stopTimeout = awscdk.Duration_Seconds(jsii.Number(30))
	}
	if s.healthCheckInterval == nil {
		s.healthCheckInterval = awscdk.Duration_Seconds(jsii.Number(15))
	}
	if s.deregistrationDelay == nil {
		s.deregistrationDelay = awscdk.Duration_Seconds(jsii.Number(30))
	}
	s.environment = map[string]*string{"STOP_TIMEOUT": jsii.String(fmt.Sprintf("%vs", *s.stopTimeout.ToSeconds(nil)))}
	if o.Environment != nil {
		s.userEnvironment = true
		for k, v := range *o.Environment {
			s.environment[k] = v
		}
	}
	return s, nil
}
