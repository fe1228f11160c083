// Package emailstack is the EmailStack sample: the email-hygiene pipeline
// (SES → SNS → Lambda → DynamoDB) with its suppression lookup API.
package emailstack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/constructs/emailhygiene"
)

// Props configures the EmailStack sample.
type Props struct {
	awscdk.StackProps
}

// EmailStack is the sample email stack.
type EmailStack struct {
	awscdk.Stack
	// Hygiene is the pipeline.
	Hygiene *emailhygiene.EmailHygiene
}

// NewEmailStack builds the sample email stack. Send mail through the
// ConfigurationSetName output's configuration set to feed the pipeline.
func NewEmailStack(scope constructs.Construct, id string, props *Props) *EmailStack {
	if props == nil {
		props = &Props{}
	}
	stack := awscdk.NewStack(scope, jsii.String(id), &props.StackProps)
	s := &EmailStack{Stack: stack}
	// The account-wide API Gateway CloudWatch role belongs to ApiStack
	// (apistack.CloudWatchRoleContext); one stack per account and region owns it.
	s.Hygiene = emailhygiene.NewEmailHygiene(stack, "Hygiene", nil)
	awscdk.NewCfnOutput(stack, jsii.String("ConfigurationSetName"), &awscdk.CfnOutputProps{
		Description: jsii.String("Send with this SES configuration set to record bounces, complaints and deliveries"),
		Value:       s.Hygiene.ConfigurationSet.ConfigurationSetName(),
	})
	awscdk.NewCfnOutput(stack, jsii.String("TableName"), &awscdk.CfnOutputProps{Value: s.Hygiene.Table.TableName()})
	awscdk.NewCfnOutput(stack, jsii.String("AlarmTopicArn"), &awscdk.CfnOutputProps{
		Description: jsii.String("Subscribe to hear of SES events that could not be applied (a message in either dead-letter queue)"),
		Value:       s.Hygiene.Alarms.TopicArn(),
	})
	awscdk.NewCfnOutput(stack, jsii.String("LookupUrl"), &awscdk.CfnOutputProps{
		Description: jsii.String("GET <url>suppressions/{email}, signed with SigV4 (IAM authorization)"),
		Value:       s.Hygiene.Lookup.CreatedRestApi.Url(),
	})
	return s
}
