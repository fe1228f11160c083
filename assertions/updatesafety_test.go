package assertions_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/blueprints-cdk/blueprints/assertions"
)

// template parses a template written in the test.
func template(t *testing.T, s string) *assertions.Result {
	t.Helper()
	var j map[string]any
	if err := json.Unmarshal([]byte(s), &j); err != nil {
		t.Fatal(err)
	}
	return &assertions.Result{ID: "Stack", JSON: j}
}

func findingsOf(t *testing.T, before, after *assertions.Result, allowed map[string]string) []string {
	t.Helper()
	replaced, err := assertions.Replacements(before, after)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range assertions.UpdateSafetyFindings(replaced, allowed) {
		out = append(out, f.String())
	}
	return out
}

func sameFindings(t *testing.T, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// fleetBefore is a fleet whose AMI is an SSM parameter's, a table and a
// function.
func fleetBefore(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "updatesafety-fleet.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The deploy-time route: the template text is the same, but a new AMI in
// the SSM parameter updates the launch template, whose LatestVersionNumber
// the fleet's create-only LaunchTemplateConfigs names, and the fleet's
// replacement replaces its scalable target.
func TestUpdateSafetyFindsWhatADeployTimeValueReplaces(t *testing.T) {
	r := template(t, fleetBefore(t))
	got := findingsOf(t, r, r, nil)
	want := []string{
		"ReplacedStateful at Fleet deploy-time: AWS::EC2::SpotFleet will replace" +
			" (SpotFleetRequestConfigData/LaunchTemplateConfigs/LaunchTemplateSpecification/Version) by route deploy-time:" +
			" references Template.LatestVersionNumber, which changes when this deployment updates Template",
		"ReplacedStateful at Target deploy-time: AWS::ApplicationAutoScaling::ScalableTarget will replace (ResourceId)" +
			" by route deploy-time: references Fleet, which this deployment replaces",
	}
	sameFindings(t, got, want)
	// An allowance for each silences exactly those; a stale one is a finding.
	allowed := map[string]string{
		assertions.Allow("Fleet", assertions.RouteDeployTime):  "known",
		assertions.Allow("Target", assertions.RouteDeployTime): "follows the fleet",
		assertions.Allow("Table", assertions.RouteDiff):        "stale",
	}
	stale := "UnusedAllowance at Table diff: allowed to be replaced, but this change replaces nothing there (or the reason is empty): remove the allowance"
	if got := findingsOf(t, r, r, allowed); !slices.Equal(got, []string{stale}) {
		t.Errorf("with allowances: %q", got)
	}
	blank := map[string]string{assertions.Allow("Fleet", assertions.RouteDeployTime): " ", assertions.Allow("Target", assertions.RouteDeployTime): "x"}
	if got := findingsOf(t, r, r, blank); len(got) != 2 || !strings.HasPrefix(got[0], "ReplacedStateful at Fleet") {
		t.Errorf("an empty reason allows nothing: %q", got)
	}
}

// A launch template with a pinned image is updated only when its text
// changes, and then it replaces the fleet too.
func TestUpdateSafetyFollowsAPinnedLaunchTemplateOnlyWhenItChanges(t *testing.T) {
	pinned := func(ami string) *assertions.Result {
		r := template(t, fleetBefore(t))
		lt := r.JSON["Resources"].(map[string]any)["Template"].(map[string]any)["Properties"].(map[string]any)
		lt["LaunchTemplateData"] = map[string]any{"ImageId": ami}
		return r
	}
	before := pinned("ami-0123456789abcdef0")
	if got := findingsOf(t, before, before, nil); got != nil {
		t.Errorf("an unchanged pinned template: %q", got)
	}
	got := findingsOf(t, before, pinned("ami-0fedcba9876543210"), nil)
	if len(got) != 2 || !strings.HasPrefix(got[0], "ReplacedStateful at Fleet deploy-time") ||
		!strings.Contains(got[0], "changes when this deployment updates Template") {
		t.Errorf("a new pinned image: %q", got)
	}
}

// The diff route, nested: cloudformation-diff itself looks only at
// top-level properties, and SpotFleetRequestConfigData is not create-only
// as a whole; its LaunchTemplateConfigs is. The deploy-time allowances do
// not cover it.
func TestUpdateSafetyFindsNestedCreateOnlyChangesAndKeyChanges(t *testing.T) {
	before := template(t, fleetBefore(t))
	after := template(t, strings.NewReplacer(`"t4g.small"`, `"t4g.medium"`, `"pk"`, `"id"`, `"TargetCapacity": 2`, `"TargetCapacity": 3`).Replace(fleetBefore(t)))
	got := findingsOf(t, before, after, deployTimeAllowances)
	want := []string{
		"ReplacedStateful at Fleet diff: AWS::EC2::SpotFleet will replace (SpotFleetRequestConfigData/LaunchTemplateConfigs/Overrides/InstanceType)" +
			" by route diff: a property that requires replacement changed",
		"ReplacedStateful at Table diff: AWS::DynamoDB::Table will replace (KeySchema/AttributeName)" +
			" by route diff: a property that requires replacement changed",
	}
	sameFindings(t, got, want)
}

// A list whose length changes is compared as a whole: a create-only
// property under it is a replacement.
func TestUpdateSafetyChecksCreateOnlyPropertiesUnderAChangedList(t *testing.T) {
	before := template(t, fleetBefore(t))
	after := template(t, fleetBefore(t))
	fleet := after.JSON["Resources"].(map[string]any)["Fleet"].(map[string]any)["Properties"].(map[string]any)["SpotFleetRequestConfigData"].(map[string]any)
	config := fleet["LaunchTemplateConfigs"].([]any)[0].(map[string]any)
	config["Overrides"] = append(config["Overrides"].([]any), map[string]any{"InstanceType": "m7g.large"})
	replaced, err := assertions.Replacements(before, after)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range replaced {
		if r.LogicalID == "Fleet" && r.Route == assertions.RouteDiff && r.Impact == "WILL_REPLACE" {
			return
		}
	}
	t.Errorf("a second override went unnoticed: %+v", replaced)
}

// deployTimeAllowances allow the test template's known deploy-time route.
var deployTimeAllowances = map[string]string{
	assertions.Allow("Fleet", assertions.RouteDeployTime):  "x",
	assertions.Allow("Target", assertions.RouteDeployTime): "x",
}

// An update in place (a new handler build, a capacity change) replaces
// nothing; a removed resource is reported, a table as stateful.
func TestUpdateSafetyPassesUpdatesAndFailsRemovedTables(t *testing.T) {
	before := template(t, fleetBefore(t))
	allowed := deployTimeAllowances
	next := assertions.NextBuild(before)
	if assertions.JSON(next.JSON) == assertions.JSON(before.JSON) {
		t.Fatal("NextBuild changed no asset hash")
	}
	if got := findingsOf(t, before, next, allowed); got != nil {
		t.Errorf("a new build: %q", got)
	}
	// A deployment CDK renamed is a snapshot: the old one's removal is not
	// reported.
	before.JSON["Resources"].(map[string]any)["Deployment1234"] = map[string]any{
		"Type": "AWS::ApiGateway::Deployment", "Properties": map[string]any{"RestApiId": "api"},
	}
	removed := template(t, fleetBefore(t))
	delete(removed.JSON["Resources"].(map[string]any), "Table")
	delete(removed.JSON["Resources"].(map[string]any), "Fn")
	lost := []string{
		"Replaced at Fn diff: AWS::Lambda::Function will destroy () by route diff: removed from the template",
		"ReplacedStateful at Table diff: AWS::DynamoDB::Table will destroy () by route diff: removed from the template",
	}
	if got := findingsOf(t, before, removed, allowed); !slices.Equal(got, lost) {
		t.Errorf("removals: %q", got)
	}
}
