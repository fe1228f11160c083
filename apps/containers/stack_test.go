package containers_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"

	"github.com/blueprints-cdk/blueprints/apps/containers"
	"github.com/blueprints-cdk/blueprints/assertions"
	"github.com/blueprints-cdk/blueprints/constructs/spotcluster"
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

func TestTheServicesRunOnSpotCapacityWithDynamicHostPorts(t *testing.T) {
	r := containersStack(t)
	assertions.ResourceCountIs(t, r, "AWS::EC2::SpotFleet", 0)
	assertions.ResourceCountIs(t, r, "AWS::AutoScaling::AutoScalingGroup", 1)
	assertions.ResourceCountIs(t, r, "AWS::ECS::Cluster", 1)
	cluster := assertions.OnlyLogicalID(t, r, "AWS::ECS::Cluster", nil)
	provider := assertions.OnlyLogicalID(t, r, "AWS::ECS::CapacityProvider", nil)
	for id, svc := range assertions.Find(r, "AWS::ECS::Service", nil) {
		p := svc["Properties"].(map[string]any)
		// Placed through the capacity provider, not the EC2 launch type,
		// so that ECS managed scaling counts the tasks.
		if p["LaunchType"] != nil || assertions.JSON(p["Cluster"]) != `{"Ref":"`+cluster+`"}` ||
			assertions.JSON(p["CapacityProviderStrategy"]) != `[{"CapacityProvider":{"Ref":"`+provider+`"},"Weight":1}]` {
			t.Errorf("%s: %v %v on %v", id, p["LaunchType"], p["CapacityProviderStrategy"], p["Cluster"])
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

// The services are created after the capacity (the Auto Scaling group and
// its capacity provider association), so their first deployment finds a
// capacity provider and instances to place tasks on.
func TestTheServicesWaitForTheCapacity(t *testing.T) {
	r := containersStack(t)
	group, assoc := assertions.LogicalID(built.Cluster.AutoScalingGroup), assertions.LogicalID(built.Cluster.CapacityProviderAssociations)
	for id, svc := range assertions.Find(r, "AWS::ECS::Service", nil) {
		deps := assertions.JSON(svc["DependsOn"])
		if !strings.Contains(deps, `"`+group+`"`) || !strings.Contains(deps, `"`+assoc+`"`) {
			t.Errorf("%s depends on %s, not on the group %s and its association %s", id, deps, group, assoc)
		}
	}
}

// With -c ecsCapacity=SpotFleet (the post's), the services wait for the
// fleet request and its scaling, and the AMI is fixed at synth: pinned with
// -c ecsAmi; without it and without an account to look it up with, synth
// fails naming both context keys.
func TestTheSpotFleetChoiceNeedsAnAmiFixedAtSynth(t *testing.T) {
	build := func(app awscdk.App) *containers.ContainersStack {
		return containers.NewContainersStack(app, "ContainersStack", &containers.Props{
			StackProps: awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("us-east-1")}},
		})
	}
	app := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{containers.CapacityContext: spotcluster.SpotFleetCapacity}})
	assertions.PanicsWith(t, func() { build(app) }, "-c ecsCapacity=SpotFleet", "-c ecsAmi=ami-", "cdk.context.json")
	var fleet *containers.ContainersStack
	r, err := assertions.Synth(func(app awscdk.App) awscdk.Stack {
		fleet = build(app)
		return fleet.Stack
	}, assertions.WithContext(containers.CapacityContext, spotcluster.SpotFleetCapacity),
		assertions.WithContext(containers.AmiContext, "ami-0123456789abcdef0"), assertions.WithoutValidation())
	if err != nil {
		t.Fatal(err)
	}
	assertions.HasResourceProperties(t, r, "AWS::EC2::LaunchTemplate", map[string]any{
		"LaunchTemplateData": assertions.ObjectLike(map[string]any{"ImageId": "ami-0123456789abcdef0"}),
	})
	f, capacity := assertions.LogicalID(fleet.Cluster.SpotFleet), assertions.LogicalID(fleet.Cluster.Capacity)
	for id, svc := range assertions.Find(r, "AWS::ECS::Service", nil) {
		deps := assertions.JSON(svc["DependsOn"])
		if !strings.Contains(deps, `"`+f+`"`) || !strings.Contains(deps, `"`+capacity+`"`) || svc["Properties"].(map[string]any)["LaunchType"] != "EC2" {
			t.Errorf("%s depends on %s, not on the fleet %s and its scaling %s", id, deps, f, capacity)
		}
	}
	// A newly published AMI changes nothing: the pinned one is the template's text.
	if replaced, err := assertions.Replacements(r, r); err != nil || len(replaced) != 0 {
		t.Errorf("with the AMI pinned, a newly published one replaces %+v (%v)", replaced, err)
	}
}

// The image cross-compiles: its build stage runs on the deploy host's
// platform ($BUILDPLATFORM) and builds for the target's ($TARGETOS,
// $TARGETARCH, BuildKit's automatic platform ARGs), so an arm64 image builds
// on an x86 host without emulation. Read with BuildKit's own parser.
func TestTheImageCrossCompilesForItsTarget(t *testing.T) {
	f, err := os.Open(filepath.Join(containers.ServiceDir(), "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }() // read-only
	ast, err := parser.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	var froms, args, runs []*parser.Node
	for _, n := range ast.AST.Children {
		switch strings.ToLower(n.Value) {
		case "from":
			froms = append(froms, n)
		case "arg":
			args = append(args, n)
		case "run":
			runs = append(runs, n)
		}
	}
	if len(froms) != 2 || !slices.Contains(froms[0].Flags, "--platform=$BUILDPLATFORM") || len(froms[1].Flags) != 0 {
		t.Fatalf("want a build stage on $BUILDPLATFORM and a final stage of the target's platform, got %v", froms)
	}
	declared := map[string]bool{}
	for _, a := range args {
		if a.StartLine > froms[0].StartLine && a.StartLine < froms[1].StartLine {
			declared[a.Next.Value] = true
		}
	}
	if !declared["TARGETOS"] || !declared["TARGETARCH"] {
		t.Errorf("the build stage must declare TARGETOS and TARGETARCH, has %v", declared)
	}
	if len(runs) != 1 || !strings.Contains(runs[0].Next.Value, "GOOS=$TARGETOS GOARCH=$TARGETARCH go build") {
		t.Errorf("the build must target $TARGETOS/$TARGETARCH: %v", runs)
	}
}

// The build context is the service's Go sources only: .dockerignore,
// applied as Docker applies it, leaves nothing else of the folder.
func TestTheBuildContextIsTheServicesSourcesOnly(t *testing.T) {
	dir := containers.ServiceDir()
	f, err := os.Open(filepath.Join(dir, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }() // read-only
	patterns, err := ignorefile.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	m, err := patternmatcher.New(patterns)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var sent []string
	for _, e := range entries {
		if ignored, err := m.MatchesOrParentMatches(e.Name()); err != nil {
			t.Fatal(err)
		} else if !ignored {
			sent = append(sent, e.Name())
		}
	}
	if strings.Join(sent, " ") != "service.go" {
		t.Errorf("the build context holds %v, want the service's sources only", sent)
	}
}

// One architecture across the instances, the image and the tasks'
// placement, in both choices.
func TestInstancesImageAndPlacementShareOneArchitecture(t *testing.T) {
	for arch, want := range map[string]struct{ ami, platform string }{
		spotcluster.Arm64: {"amazon-linux-2023/arm64/recommended", "linux/arm64"},
		spotcluster.X8664: {"amazon-linux-2023/recommended", "linux/amd64"},
	} {
		r, err := assertions.Synth(func(app awscdk.App) awscdk.Stack {
			return containers.NewContainersStack(app, "ContainersStack", &containers.Props{
				StackProps:   awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("us-east-1")}},
				Architecture: jsii.String(arch),
			}).Stack
		}, assertions.KeepAssembly())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := os.RemoveAll(r.Dir); err != nil {
				t.Error(err)
			}
		})
		if params := assertions.JSON(r.JSON["Parameters"]); !strings.Contains(params, "/aws/service/ecs/optimized-ami/"+want.ami+"/image_id") {
			t.Errorf("%s: AMI parameter %s", arch, params)
		}
		for id, svc := range assertions.Find(r, "AWS::ECS::Service", nil) {
			want := `[{"Expression":"attribute:ecs.cpu-architecture == ` + arch + `","Type":"memberOf"}]`
			if c := assertions.JSON(svc["Properties"].(map[string]any)["PlacementConstraints"]); c != want {
				t.Errorf("%s: %s placement %s", arch, id, c)
			}
		}
		assets, err := os.ReadFile(filepath.Join(r.Dir, "ContainersStack.assets.json"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(assets), `"platform": "`+want.platform+`"`) {
			t.Errorf("%s: the image asset is not built for %s: %s", arch, want.platform, assets)
		}
	}
}

// The next deployment replaces no stateful or capacity resource after a new
// image build, a new tag on every resource, or one NAT gateway instead of
// two, beyond the allowances below.
func TestUpdateSafety(t *testing.T) {
	before := containersStack(t)
	// The instances are an Auto Scaling group: a new ECS-optimized AMI (the
	// SSM parameter's, read on every deployment) or a tag makes a new launch
	// template version, which updates the group in place; no allowance.
	synth := func(tag bool, nat float64) *assertions.Result {
		r, err := assertions.Synth(func(app awscdk.App) awscdk.Stack {
			if tag {
				awscdk.Tags_Of(app).Add(jsii.String("cost-center"), jsii.String("containers"), nil)
			}
			return containers.NewContainersStack(app, "ContainersStack", &containers.Props{
				StackProps: awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("us-east-1")}},
			}).Stack
		}, assertions.WithContext(containers.NatGatewaysContext, nat), assertions.WithoutValidation())
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	// A new image is a new task definition revision: ECS task definitions
	// are immutable (every ContainerDefinitions change replaces), and the
	// services roll to the new revision; nothing stateful.
	newImage := map[string]string{}
	for id := range assertions.Find(before, "AWS::ECS::TaskDefinition", nil) {
		newImage[assertions.Allow(id, assertions.RouteDiff)] = "a new image is a new task definition revision"
	}
	// One NAT gateway instead of two deletes the second gateway and
	// releases its Elastic IP, an address a partner may have allowlisted.
	oneNat, oneNatAllowed := synth(false, 1), map[string]string{}
	for _, typ := range []string{"AWS::EC2::NatGateway", "AWS::EC2::EIP"} {
		for id := range assertions.Find(before, typ, nil) {
			if _, kept := assertions.Find(oneNat, typ, nil)[id]; !kept {
				oneNatAllowed[assertions.Allow(id, assertions.RouteDiff)] = "the second NAT gateway and its address go"
			}
		}
	}
	for name, c := range map[string]struct {
		after   *assertions.Result
		allowed map[string]string
	}{
		"new image build": {assertions.NextBuild(before), newImage},
		"new tag":         {synth(true, 2), nil},
		"one NAT gateway": {oneNat, oneNatAllowed},
	} {
		t.Run(name, func(t *testing.T) { assertions.UpdateSafe(t, before, c.after, c.allowed) })
	}
	// A new AMI leaves the text as it was (it arrives through the SSM
	// parameter), so only the deploy-time route could find a replacement.
	t.Run("new AMI", func(t *testing.T) {
		if replaced, err := assertions.Replacements(before, before); err != nil || len(replaced) != 0 {
			t.Errorf("a newly published AMI replaces %+v (%v)", replaced, err)
		}
	})
}

// Upgrading a ContainersStack deployed with the Spot Fleet (before the
// Auto Scaling group became the sample's capacity) replaces what the
// CHANGELOG says, and nothing stateful: the template of that release is
// testdata/upgrade/ContainersStack-spotfleet.template.json.
func TestUpgradeFromTheSpotFleetSample(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "upgrade", "ContainersStack-spotfleet.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	var old map[string]any
	if err := json.Unmarshal(b, &old); err != nil {
		t.Fatal(err)
	}
	diff, deployTime := assertions.RouteDiff, assertions.RouteDeployTime
	allowed := map[string]string{
		// The Auto Scaling group takes the fleet's place: the request, its
		// role, its scalable target and policy are deleted.
		assertions.Allow("ClusterSpotFleet619663B7", diff):              "the fleet gives way to the Auto Scaling group",
		assertions.Allow("ClusterFleetRoleDCB56E62", diff):              "the fleet's role goes with it",
		assertions.Allow("ClusterCapacityDB73770E", diff):               "the fleet's scalable target goes with it",
		assertions.Allow("ClusterCapacityCPUReservationED69C263", diff): "and its scaling policy",
		// LaunchType is create-only on AWS::ECS::Service ("Update requires:
		// Replacement"), and a service on a capacity provider has none: both
		// services are replaced, and their scaling with them (the task
		// count goes back to DesiredCount).
		assertions.Allow("MicroservicesordersServiceFE03054A", diff):                                 "LaunchType EC2 gives way to the capacity provider strategy",
		assertions.Allow("MicroservicesinventoryService739D7E49", diff):                              "LaunchType EC2 gives way to the capacity provider strategy",
		assertions.Allow("MicroservicesordersServiceTaskCountTarget1DA3C3E3", deployTime):            "follows its service",
		assertions.Allow("MicroservicesinventoryServiceTaskCountTargetFF4255A0", deployTime):         "follows its service",
		assertions.Allow("MicroservicesordersServiceTaskCountTargetCpuD6D45BE0", deployTime):         "follows its scalable target",
		assertions.Allow("MicroservicesordersServiceTaskCountTargetRequests7FB34FCF", deployTime):    "follows its scalable target",
		assertions.Allow("MicroservicesinventoryServiceTaskCountTargetCpu8C0B7F05", deployTime):      "follows its scalable target",
		assertions.Allow("MicroservicesinventoryServiceTaskCountTargetRequestsBB7303E8", deployTime): "follows its scalable target",
		// The snapshot's image is another build's: a new task definition revision.
		assertions.Allow("MicroservicesordersTask3C15FF95", diff):    "a new image is a new task definition revision",
		assertions.Allow("MicroservicesinventoryTask2517DBAF", diff): "a new image is a new task definition revision",
	}
	assertions.UpdateSafe(t, &assertions.Result{JSON: old}, containersStack(t), allowed)
}

// The page's architecture diagram is this stack's (make diagrams).
func TestDiagram(t *testing.T) { assertions.Diagram(t, containersStack(t), "README.md") }
