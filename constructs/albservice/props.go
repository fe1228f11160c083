package albservice

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
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
