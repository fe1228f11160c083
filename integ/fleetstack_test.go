//go:build integ

package integ

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/blueprints-cdk/blueprints/internal/asgeni"
)

// TestFleetStack scales the group to one instance and waits until it is
// in service with its management interface at device index 1, tagged by
// the construct; then scales back to zero. Online only: the launch hook,
// EventBridge and EC2 are real here (the handler's steps are tested
// offline against EC2 and Auto Scaling fakes).
func TestFleetStack(t *testing.T) {
	env, out := deployed(t, "FleetStack")
	group := out["GroupName"]
	as, ec := autoscaling.NewFromConfig(env.Config), ec2.NewFromConfig(env.Config)
	scale := func(ctx context.Context, n int32) error {
		_, err := as.SetDesiredCapacity(ctx, &autoscaling.SetDesiredCapacityInput{AutoScalingGroupName: &group, DesiredCapacity: &n})
		return err
	}
	t.Cleanup(func() {
		if err := scale(context.Background(), 0); err != nil {
			t.Errorf("scaling %s back to 0: %v", group, err)
		}
	})
	Run(t, "FleetStack", []NamedCheck{{
		Name: "a new instance enters service with its management interface", Resource: "Auto Scaling group " + group,
		Run: func(ctx context.Context) error {
			if err := scale(ctx, 1); err != nil {
				return err
			}
			// The heartbeat is 7 minutes; a launch normally takes 1 or 2.
			return Eventually(ctx, 9*time.Minute, func(ctx context.Context) error { return inServiceWithInterface(ctx, as, ec, group) })
		},
	}})
}

func inServiceWithInterface(ctx context.Context, as *autoscaling.Client, ec *ec2.Client, group string) error {
	g, err := as.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{group}})
	if err != nil || len(g.AutoScalingGroups) != 1 {
		return fmt.Errorf("describing %s: %v", group, err)
	}
	for _, i := range g.AutoScalingGroups[0].Instances {
		if i.LifecycleState != "InService" {
			continue
		}
		// The construct's interface: its owner tag, attached to this
		// instance at device index 1.
		d, err := ec.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{Filters: []ec2types.Filter{
			{Name: aws.String("tag-key"), Values: []string{asgeni.OwnerTagKey}},
			{Name: aws.String("attachment.instance-id"), Values: []string{*i.InstanceId}},
			{Name: aws.String("attachment.device-index"), Values: []string{"1"}},
		}})
		if err != nil {
			return err
		}
		if len(d.NetworkInterfaces) == 1 {
			return nil
		}
		return fmt.Errorf("instance %s is in service with %d interfaces of the construct at device index 1, want 1", *i.InstanceId, len(d.NetworkInterfaces))
	}
	return fmt.Errorf("no instance of %s in service yet", group)
}
