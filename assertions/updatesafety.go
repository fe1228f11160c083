package assertions

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/blueprints-cdk/blueprints/internal/module"
)

// Replacement is one resource the next deployment would replace (or delete),
// as updatesafety.js finds it.
type Replacement struct {
	LogicalID string `json:"logicalId"`
	Type      string `json:"type"`
	// Route is "diff" (the template text changed in a property that requires
	// replacement, or the resource was removed) or "deploy-time" (the text is
	// the same, but a replacing property's value is resolved again at deploy
	// time: an SSM parameter, a launch template's version, a replaced
	// resource's ID).
	Route string `json:"route"`
	// Impact is cloudformation-diff's ResourceImpact: WILL_REPLACE,
	// MAY_REPLACE or WILL_DESTROY.
	Impact string   `json:"impact"`
	Paths  []string `json:"paths"`
	Detail []string `json:"detail"`
}

// Stateful lists the resource types whose replacement loses data, capacity
// or an identity that clients hold: their findings are "ReplacedStateful".
// (Every replacement needs an allowance; these are the ones a reviewer must
// not wave through.)
var Stateful = map[string]bool{
	"AWS::DynamoDB::Table":                        true,
	"AWS::S3::Bucket":                             true,
	"AWS::EC2::SpotFleet":                         true,
	"AWS::ApplicationAutoScaling::ScalableTarget": true,
	"AWS::KMS::Key":                               true,
	"AWS::SecretsManager::Secret":                 true,
	"AWS::ApiGateway::ApiKey":                     true,
	"AWS::CloudFront::Distribution":               true,
	// Messages waiting (a dead-letter queue's above all), subscriptions
	// made outside the stack, logs kept for their retention.
	"AWS::SQS::Queue":     true,
	"AWS::SNS::Topic":     true,
	"AWS::Logs::LogGroup": true,
}

// Snapshots are the types CDK renames on purpose when their content
// changes: the old one is removed, a new one added, and nothing is lost.
var Snapshots = map[string]bool{
	"AWS::ApiGateway::Deployment": true,
	"AWS::Lambda::Version":        true,
}

// The routes of a Replacement, which an allowance names after the logical
// ID: Allow(id, RouteDeployTime).
const (
	RouteDiff       = "diff"
	RouteDeployTime = "deploy-time"
)

// Allow is the key of an allowance: one resource, by one route.
func Allow(logicalID, route string) string { return logicalID + " " + route }

// NextBuild returns the stack as the next build of every handler and image
// would synthesize it: CDK names an asset by its hash (a Lambda's
// Code.S3Key is "<hash>.zip", an image's tag is the hash), and a new build
// changes that hash and nothing else in the template. (Tests skip bundling,
// and a skipped bundle's hash is made from the construct path, which no
// build changes; so the new hashes are made here.)
func NextBuild(r *Result) *Result {
	next := *r
	next.JSON = rehash(r.JSON).(map[string]any)
	return &next
}

var assetHashPattern = regexp.MustCompile(`[0-9a-f]{64}`)

func rehash(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = rehash(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = rehash(e)
		}
		return out
	case string:
		return assetHashPattern.ReplaceAllStringFunc(v, func(h string) string {
			sum := sha256.Sum256([]byte(h))
			return hex.EncodeToString(sum[:])
		})
	}
	return v
}

// Replacements runs the update-safety analysis (updatesafety.js, on
// @aws-cdk/cloudformation-diff and the resource specification it ships) on a
// stack synthesized before and after a change.
func Replacements(before, after *Result) ([]Replacement, error) {
	in, err := json.Marshal(map[string]any{"before": before.JSON, "after": after.JSON})
	if err != nil {
		return nil, err
	}
	out, err := analyser.ask(in)
	if err != nil {
		return nil, err
	}
	var res struct {
		Resources []Replacement `json:"resources"`
		Error     string        `json:"error"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		return nil, fmt.Errorf("updatesafety.js output: %w", err)
	}
	if res.Error != "" {
		return nil, fmt.Errorf("updatesafety.js: %s", res.Error)
	}
	return res.Resources, nil
}

// analyser is the test process's one updatesafety.js: it loads the
// resource specification once, and answers a line per request.
var analyser nodeLines

// nodeLines is a Node script that answers one JSON line per request line;
// it starts on the first request, again if it died, and ends with the test
// process (its stdin closes).
type nodeLines struct {
	mu     sync.Mutex
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Reader
	stderr *bytes.Buffer
}

func (n *nodeLines) ask(request []byte) ([]byte, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd == nil {
		_, self, _, _ := runtime.Caller(0)
		cmd, err := module.NodeCommand(filepath.Join(filepath.Dir(self), "updatesafety.js"), "@aws-cdk/cloudformation-diff")
		if err != nil {
			return nil, err
		}
		stdin, err := cmd.StdinPipe()
		if err != nil {
			return nil, err
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			return nil, err
		}
		n.stderr = &bytes.Buffer{}
		cmd.Stderr = n.stderr
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		n.cmd, n.stdin, n.stdout = cmd, stdin, bufio.NewReaderSize(stdout, 1<<20)
	}
	line, err := n.write(request)
	if err != nil {
		_ = n.cmd.Process.Kill()
		_ = n.cmd.Wait()
		why := fmt.Errorf("updatesafety.js: %w: %s", err, n.stderr.String())
		n.cmd = nil
		return nil, why
	}
	return line, nil
}

func (n *nodeLines) write(request []byte) ([]byte, error) {
	if _, err := n.stdin.Write(append(request, '\n')); err != nil {
		return nil, err
	}
	return n.stdout.ReadBytes('\n')
}

// UpdateSafetyFindings compares what the change replaces with the allowed
// replacements (Allow(logical ID, route) → the reason, which the test
// states in a comment as well). Every replacement without an allowance is a finding
// (rule "Replaced", or "ReplacedStateful" for the Stateful types), and so is
// every allowance nothing needed ("UnusedAllowance"), so that allowances do
// not outlive their reason.
func UpdateSafetyFindings(replaced []Replacement, allowed map[string]string) []Finding {
	var out []Finding
	used := map[string]bool{}
	for _, r := range replaced {
		if r.Impact == "WILL_DESTROY" && Snapshots[r.Type] {
			continue
		}
		key := Allow(r.LogicalID, r.Route)
		if reason, ok := allowed[key]; ok && strings.TrimSpace(reason) != "" {
			used[key] = true
			continue
		}
		rule := "Replaced"
		if Stateful[r.Type] {
			rule = "ReplacedStateful"
		}
		msg := fmt.Sprintf("%s %s (%s) by route %s", r.Type, strings.ToLower(strings.ReplaceAll(r.Impact, "_", " ")), strings.Join(r.Paths, ", "), r.Route)
		if len(r.Detail) > 0 {
			msg += ": " + strings.Join(r.Detail, "; ")
		}
		out = append(out, Finding{Rule: rule, Where: key, Message: msg})
	}
	ids := make([]string, 0, len(allowed))
	for id := range allowed {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if !used[id] {
			out = append(out, Finding{Rule: "UnusedAllowance", Where: id,
				Message: "allowed to be replaced, but this change replaces nothing there (or the reason is empty): remove the allowance"})
		}
	}
	sortFindings(out)
	return out
}

// UpdateSafe fails the test unless the stack, synthesized before and after a
// change that happens in real life (a new AMI, a changed unrelated prop, a
// new handler build), replaces exactly the allowed resources.
func UpdateSafe(t testing.TB, before, after *Result, allowed map[string]string) {
	t.Helper()
	if reflect.DeepEqual(before.JSON, after.JSON) && len(allowed) == 0 {
		// Only the deploy-time route can find anything, and only an
		// allowance makes that expected: an unchanged template is a test
		// whose change did not happen.
		t.Fatal("update safety: the change left the template as it was")
	}
	replaced, err := Replacements(before, after)
	if err != nil {
		t.Fatalf("update safety: %v", err)
	}
	report(t, "update safety", UpdateSafetyFindings(replaced, allowed))
}
