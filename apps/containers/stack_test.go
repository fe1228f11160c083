package containers_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/apps/containers"
	"github.com/blueprints-cdk/blueprints/assertions"
)

var built *containers.ContainersStack // by containersStack

var containersStack = assertions.Cached(func(app awscdk.App) awscdk.Stack {
	built = containers.NewContainersStack(app, "ContainersStack", &containers.Props{
		StackProps: awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("us-east-1")}},
	})
	return built.Stack
}, assertions.WithContext(containers.NatGatewaysContext, 2.0))

func TestTwoServicesRoutedByPathInATwoAZVpc(t *testing.T) {
	r := containersStack(t)
	assertions.ResourceCountIs(t, r, "AWS::ECS::Service", 2)
	assertions.ResourceCountIs(t, r, "AWS::EC2::VPC", 1)
	assertions.ResourceCountIs(t, r, "AWS::EC2::NatGateway", 2) // from the natGateways context
	subnets := assertions.Find(r, "AWS::EC2::Subnet", nil)
	azs := map[string]bool{}
	for _, s := range subnets {
		azs[assertions.JSON(s["Properties"].(map[string]any)["AvailabilityZone"])] = true
	}
	if len(azs) != 2 {
		t.Errorf("subnets span %d AZs, want 2", len(azs))
	}
	for _, name := range []string{"orders", "inventory"} {
		assertions.HasResourceProperties(t, r, "AWS::ElasticLoadBalancingV2::ListenerRule", map[string]any{
			"Conditions": []any{map[string]any{"Field": "path-pattern", "PathPatternConfig": map[string]any{"Values": []any{"/" + name, "/" + name + "/*"}}}},
		})
	}
	assertions.HasOutput(t, r, "LoadBalancerUrl", map[string]any{"Value": assertions.AnyValue()})
}

// Synth fingerprints the image folder without Docker; .dockerignore keeps
// the context to the service's sources.
func TestTheImageContextIsOnlyTheServiceSources(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(containers.ServiceDir(), ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Fields(string(b)); !strings.Contains(string(b), "\n*\n!*.go\n*_test.go") {
		t.Errorf(".dockerignore admits more than the Go sources: %v", lines)
	}
	r := containersStack(t)
	td := assertions.Find(r, "AWS::ECS::TaskDefinition", nil)
	for id, d := range td {
		image := assertions.JSON(d["Properties"].(map[string]any)["ContainerDefinitions"].([]any)[0].(map[string]any)["Image"])
		if !strings.Contains(image, "cdk-hnb659fds-container-assets") {
			t.Errorf("%s: image %s is not the asset", id, image)
		}
	}
}

func TestTheServicesRunOnTheSpotFleetWithDynamicHostPorts(t *testing.T) {
	r := containersStack(t)
	assertions.ResourceCountIs(t, r, "AWS::EC2::SpotFleet", 1)
	assertions.ResourceCountIs(t, r, "AWS::ECS::Cluster", 1)
	cluster := assertions.OnlyLogicalID(t, r, "AWS::ECS::Cluster", nil)
	for id, svc := range assertions.Find(r, "AWS::ECS::Service", nil) {
		p := svc["Properties"].(map[string]any)
		if p["LaunchType"] != "EC2" || assertions.JSON(p["Cluster"]) != `{"Ref":"`+cluster+`"}` {
			t.Errorf("%s: %v on %v", id, p["LaunchType"], p["Cluster"])
		}
	}
	for id, td := range assertions.Find(r, "AWS::ECS::TaskDefinition", nil) {
		c := td["Properties"].(map[string]any)["ContainerDefinitions"].([]any)[0].(map[string]any)
		mode := td["Properties"].(map[string]any)["NetworkMode"]
		if mode != "bridge" || assertions.JSON(c["PortMappings"]) != `[{"ContainerPort":8080,"HostPort":0,"Protocol":"tcp"}]` {
			t.Errorf("%s: %v", id, c["PortMappings"])
		}
	}
}

func TestSuite(t *testing.T) {
	assertions.Suite(t, containersStack(t))
}

// The services are created after the fleet request and its scaling, so
// their first deployment finds instances to place tasks on.
func TestTheServicesWaitForTheFleet(t *testing.T) {
	r := containersStack(t)
	fleet, capacity := assertions.LogicalID(built.Cluster.SpotFleet), assertions.LogicalID(built.Cluster.Capacity)
	for id, svc := range assertions.Find(r, "AWS::ECS::Service", nil) {
		deps := assertions.JSON(svc["DependsOn"])
		if !strings.Contains(deps, `"`+fleet+`"`) || !strings.Contains(deps, `"`+capacity+`"`) {
			t.Errorf("%s depends on %s, not on the fleet %s and its scaling %s", id, deps, fleet, capacity)
		}
	}
}
