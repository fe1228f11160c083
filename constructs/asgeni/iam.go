package asgeni

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"

	contract "github.com/blueprints-cdk/blueprints/internal/asgeni"
	"github.com/blueprints-cdk/blueprints/internal/nag"
)

// grant gives the handler's role what it calls, on the narrowest resources
// the Service Authorization Reference ("Actions, resources, and condition
// keys for Amazon EC2" and "... for Amazon EC2 Auto Scaling") allows:
//
//   - CreateNetworkInterface authorizes the new interface, its subnet and
//     its security groups: the interface only with this construct's owner
//     tag in the request, and only these subnets and groups. Tagging on
//     create needs ec2:CreateTags, allowed only within that call
//     (ec2:CreateAction).
//   - AttachNetworkInterface authorizes the interface and the instance:
//     only interfaces with the owner tag, and only instances that carry this
//     group's name in the tag Auto Scaling puts on them.
//   - ModifyNetworkInterfaceAttribute (DeleteOnTermination of the
//     attachment) and DeleteNetworkInterface: only interfaces with the owner
//     tag.
//   - CompleteLifecycleAction: this group only.
//   - DescribeInstances and DescribeNetworkInterfaces support no
//     resource-level permissions: they are the only actions on "*".
func (e *SecondaryEni) grant(c *config) {
	stack := awscdk.Stack_Of(e.Construct)
	ec2Arn := func(resource, name string) *string {
		return stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("ec2"), Resource: jsii.String(resource), ResourceName: jsii.String(name)})
	}
	interfaces := ec2Arn("network-interface", "*")
	owned := func(key string) *map[string]any {
		return &map[string]any{"StringEquals": map[string]any{key + "/" + contract.OwnerTagKey: *e.Node().Addr()}}
	}
	var placement []*string
	for _, z := range c.zones {
		placement = append(placement, ec2Arn("subnet", *z.subnet.SubnetId()))
	}
	for _, g := range e.SecurityGroups {
		placement = append(placement, ec2Arn("security-group", *g.SecurityGroupId()))
	}
	statements := []*awsiam.PolicyStatementProps{
		{Sid: jsii.String("CreateOwnedInterfaces"), Actions: jsii.Strings("ec2:CreateNetworkInterface"),
			Resources: &[]*string{interfaces}, Conditions: owned("aws:RequestTag")},
		{Sid: jsii.String("InTheManagementSubnetsAndGroups"), Actions: jsii.Strings("ec2:CreateNetworkInterface"), Resources: &placement},
		{Sid: jsii.String("TagThemOnCreate"), Actions: jsii.Strings("ec2:CreateTags"), Resources: &[]*string{interfaces},
			Conditions: &map[string]any{"StringEquals": map[string]any{
				"ec2:CreateAction": "CreateNetworkInterface", "aws:RequestTag/" + contract.OwnerTagKey: *e.Node().Addr(),
			}}},
		{Sid: jsii.String("UseOwnedInterfaces"),
			Actions:   jsii.Strings("ec2:AttachNetworkInterface", "ec2:ModifyNetworkInterfaceAttribute", "ec2:DeleteNetworkInterface"),
			Resources: &[]*string{interfaces}, Conditions: owned("aws:ResourceTag")},
		{Sid: jsii.String("OnTheGroupsInstances"), Actions: jsii.Strings("ec2:AttachNetworkInterface", "ec2:ModifyNetworkInterfaceAttribute"),
			Resources: &[]*string{ec2Arn("instance", "*")},
			Conditions: &map[string]any{"StringEquals": map[string]any{
				"aws:ResourceTag/" + GroupNameTag: c.group.AutoScalingGroupName(),
			}}},
		{Sid: jsii.String("CompleteTheGroupsActions"), Actions: jsii.Strings("autoscaling:CompleteLifecycleAction"),
			Resources: &[]*string{c.group.AutoScalingGroupArn()}},
		{Sid: jsii.String("Describe"), Actions: jsii.Strings("ec2:DescribeInstances", "ec2:DescribeNetworkInterfaces"),
			Resources: jsii.Strings("*")},
	}
	for _, s := range statements {
		e.Handler.Role.AddToPolicy(awsiam.NewPolicyStatement(s))
	}
	nag.Suppress(e.Handler.Role, "AwsSolutions-IAM5",
		"Interfaces and instances are created at run time, so their ARNs end in *; tag conditions (the construct's owner tag, "+
			"the group's aws:autoscaling:groupName) narrow them. ec2:DescribeInstances and ec2:DescribeNetworkInterfaces support only \"*\"",
		`/^Resource::arn:[^:]+:ec2:[^:]+:.+:(network-interface|instance)\/\*$/`, "Resource::*")
	nag.Suppress(e.Handler.Role, "AwsSolutions-IAM5",
		"An Auto Scaling group's ARN has an id CloudFormation does not return (autoScalingGroup:<id>:autoScalingGroupName/<name>): "+
			"the group's name narrows it to this group",
		`/^Resource::arn:[^:]+:autoscaling:[^:]+:.+:autoScalingGroup:\*:autoScalingGroupName\/.+$/`)
}
