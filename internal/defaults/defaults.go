// Package defaults holds the secure defaults of the resources that several
// Blueprints constructs create, so that no construct copies them: log
// retention, removal policy, table settings, VPCs and access-log buckets.
package defaults

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/internal/nag"
)

// LogRetention is how long every log group a construct creates keeps its
// events: one year covers most audit needs without keeping logs forever.
func LogRetention() awslogs.RetentionDays { return awslogs.RetentionDays_ONE_YEAR }

// RemovalPolicy returns the policy for stateful resources: the given one, or
// RETAIN, so that deleting a stack never deletes data.
func RemovalPolicy(p *awscdk.RemovalPolicy) awscdk.RemovalPolicy {
	if p != nil {
		return *p
	}
	return awscdk.RemovalPolicy_RETAIN
}

// TableProps returns the props of a table a construct creates: the caller's
// (user may be nil) over the defaults, on-demand billing, point-in-time
// recovery and encryption at rest, with the partition key the construct
// needs enforced.
func TableProps(user *awsdynamodb.TableProps, partitionKey string, removal awscdk.RemovalPolicy) *awsdynamodb.TableProps {
	def := tableDefaults(partitionKey, removal)
	if user == nil {
		return def
	}
	merged := *user
	merged.PartitionKey = def.PartitionKey
	if merged.BillingMode == "" {
		merged.BillingMode = def.BillingMode
	}
	if merged.Encryption == "" {
		merged.Encryption = def.Encryption
	}
	if merged.RemovalPolicy == "" {
		merged.RemovalPolicy = def.RemovalPolicy
	}
	if merged.PointInTimeRecoverySpecification == nil {
		merged.PointInTimeRecoverySpecification = def.PointInTimeRecoverySpecification
	}
	return &merged
}

func tableDefaults(partitionKey string, removal awscdk.RemovalPolicy) *awsdynamodb.TableProps {
	return &awsdynamodb.TableProps{
		PartitionKey:  &awsdynamodb.Attribute{Name: jsii.String(partitionKey), Type: awsdynamodb.AttributeType_STRING},
		BillingMode:   awsdynamodb.BillingMode_PAY_PER_REQUEST,
		Encryption:    awsdynamodb.TableEncryption_AWS_MANAGED,
		RemovalPolicy: removal,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
	}
}

// Vpc creates a VPC from props (default: two Availability Zones, one NAT
// gateway) with its flow logs in a log group kept for LogRetention.
func Vpc(scope constructs.Construct, props *awsec2.VpcProps) awsec2.Vpc {
	vp := awsec2.VpcProps{MaxAzs: jsii.Number(2), NatGateways: jsii.Number(1)}
	if props != nil {
		vp = *props
	}
	vpc := awsec2.NewVpc(scope, jsii.String("Vpc"), &vp)
	flowLogs := awslogs.NewLogGroup(scope, jsii.String("FlowLogs"), &awslogs.LogGroupProps{Retention: LogRetention()})
	vpc.AddFlowLog(jsii.String("FlowLog"), &awsec2.FlowLogOptions{
		Destination: awsec2.FlowLogDestination_ToCloudWatchLogs(flowLogs, nil),
	})
	return vpc
}

// LogBucket creates a bucket for a service's access logs from props (may be
// nil; default: versioned, objects expire after 365 days and their
// noncurrent versions 30 days later, removal). Whatever
// props say, it is SSE-S3 encrypted (log delivery needs no key policy),
// blocks public access and refuses requests without TLS. writerACLs lets the
// service write with an ACL (object writer ownership), as CloudFront's
// standard logs do. Its own access is not logged: that would recurse.
func LogBucket(scope constructs.Construct, id string, props *awss3.BucketProps, removal awscdk.RemovalPolicy, writerACLs bool) awss3.Bucket {
	bp := awss3.BucketProps{}
	if props != nil {
		bp = *props
	}
	bp.Encryption = awss3.BucketEncryption_S3_MANAGED
	bp.BlockPublicAccess = awss3.BlockPublicAccess_BLOCK_ALL()
	bp.EnforceSSL = jsii.Bool(true)
	if writerACLs {
		bp.ObjectOwnership = awss3.ObjectOwnership_OBJECT_WRITER
	}
	if bp.Versioned == nil {
		bp.Versioned = jsii.Bool(true)
	}
	if bp.RemovalPolicy == "" {
		bp.RemovalPolicy = removal
	}
	if bp.LifecycleRules == nil {
		// Versioned: old versions must expire too, or nothing ever leaves.
		bp.LifecycleRules = &[]*awss3.LifecycleRule{{
			Expiration: awscdk.Duration_Days(jsii.Number(365)), NoncurrentVersionExpiration: awscdk.Duration_Days(jsii.Number(30)),
		}}
	}
	bucket := awss3.NewBucket(scope, jsii.String(id), &bp)
	nag.Suppress(bucket, "AwsSolutions-S1", "This bucket holds access logs; logging its own access would recurse")
	return bucket
}
