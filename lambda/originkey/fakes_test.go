package main

// HTTP-level fakes of Secrets Manager, CloudFront, WAFv2 and API Gateway,
// driven through the real aws-sdk-go-v2 clients, so request serialization is
// real. The API Gateway fake also enforces the rotation's IAM policy: it
// creates only tagged keys, deletes only tagged keys and disables only the
// first (CloudFormation-owned) key.

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/wafv2"
)

// world is the state the fakes share, so a test can check, at any moment,
// that the value CloudFront sends is one the origin accepts.
type world struct {
	t        testing.TB // fails the test when a fake cannot read or answer a request
	mu       sync.Mutex
	mode     string              // Header or ApiKey
	versions map[string]*version // Secrets Manager versions by id
	accepted []string            // WAF pattern set (Header mode)
	lock     int                 // WAF lock token
	keys     map[string]*apiKey  // API Gateway keys by id (ApiKey mode)
	plan     []string            // ids of the usage plan's keys
	nextKey  int
	writes   int    // changes to what the origin accepts
	sent     string // CloudFront's origin header value
	status   string // CloudFront distribution status
	etag     int
	fail     map[string]bool // operations that fail (an outage)

	// Real AWS is not instant, and the fakes model it:
	//   - the origin applies a change lag after it is made (AWS WAF API
	//     Reference, UpdateRegexPatternSet: "a few seconds to a number of
	//     minutes"; API keys likewise reach API Gateway's nodes late);
	//   - CloudFront's edges may send any value set since the last Deployed
	//     (CloudFront developer guide, "Distribution status": edges pick a
	//     change up one by one while the status is InProgress), and the
	//     status stays InProgress for deployPolls reads of the distribution;
	//   - the probe target answers from the origin's applied state.
	now         time.Time     // simulated time
	lag         time.Duration // origin propagation delay to the node the probe reaches
	slowLag     time.Duration // and to the slowest node an edge may reach (at least lag)
	history     []snapshot    // what the origin accepted, from when
	edges       map[string]bool
	deployPolls int // GetDistribution reads that find InProgress after an update
	pollsLeft   int
	violations  []string // invariant breaks: an edge sends what the origin refuses
	calls       int      // requests served, of every fake
	failCall    int      // the request number that fails once with a 500 (0: none)
}

// snapshot is what the origin was configured to accept from at on.
type snapshot struct {
	at  time.Time
	set map[string]bool
}

type version struct {
	value  string
	stages []string
}

type apiKey struct {
	Name    string            `json:"name"`
	Value   string            `json:"value"`
	Enabled bool              `json:"enabled"`
	Tags    map[string]string `json:"tags"`
}

const keyTag = "FrontDoor1234"

func (w *world) originAccepts(value string) bool {
	if w.mode == "Header" {
		return slices.Contains(w.accepted, "^"+value+"$")
	}
	for _, id := range w.plan {
		if k := w.keys[id]; k.Value == value && k.Enabled {
			return true
		}
	}
	return false
}

// resetOrigin makes the origin accept only current0, as after the first
// deployment, since long before the simulation starts.
func (w *world) resetOrigin() {
	w.accepted = []string{"^" + current0 + "$"}
	w.keys = map[string]*apiKey{"boot": {Name: "FrontDoorKey", Value: current0, Enabled: true}}
	w.plan = []string{"boot"}
	w.history = []snapshot{{at: w.now.Add(-24 * time.Hour), set: w.configured()}}
}

// configured is the set of values the origin is configured to accept now.
func (w *world) configured() map[string]bool {
	out := map[string]bool{}
	if w.mode == "Header" {
		for _, p := range w.accepted {
			out[strings.TrimSuffix(strings.TrimPrefix(p, "^"), "$")] = true
		}
		return out
	}
	for _, id := range w.plan {
		if k := w.keys[id]; k.Enabled {
			out[k.Value] = true
		}
	}
	return out
}

// changed records a change of the origin's configuration, which it applies
// lag later.
func (w *world) changed() {
	w.writes++
	w.history = append(w.history, snapshot{at: w.now, set: w.configured()})
}

// applied is what an origin node lag behind accepts now: the
// configuration of lag ago.
func (w *world) applied(lag time.Duration) map[string]bool {
	var set map[string]bool
	for _, s := range w.history {
		if !s.at.After(w.now.Add(-lag)) {
			set = s.set
		}
	}
	return set
}

// slowest is the lag of the slowest origin node.
func (w *world) slowest() time.Duration { return max(w.lag, w.slowLag) }

// check records a break of the invariant: some edge may send a value that
// the slowest origin node, as applied now, refuses. The probe reaches a
// faster node (lag), so it cannot see this: the settle margin must cover it.
func (w *world) check(when string) {
	applied := w.applied(w.slowest())
	for v := range w.edges {
		if !applied[v] {
			w.violations = append(w.violations, fmt.Sprintf("%s at +%v: an edge may send %q, which the origin refuses", when, w.now.Sub(start), v))
		}
	}
}

// current0 is the secret's value at the first deployment: an origin key of
// KeyLength letters and digits, as the rotation manages.
const current0 = "current0current0current0current0current0current0"

// start is the simulation's time zero.
var start = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// simClock is the world's simulated time: Sleep advances it, checking the
// invariant at every moment the origin's applied state changes.
type simClock struct{ w *world }

func (c simClock) Now() time.Time {
	c.w.mu.Lock()
	defer c.w.mu.Unlock()
	return c.w.now
}

func (c simClock) Sleep(_ context.Context, d time.Duration) error {
	w := c.w
	w.mu.Lock()
	defer w.mu.Unlock()
	end := w.now.Add(d)
	for {
		next := end
		for _, s := range w.history {
			for _, lag := range []time.Duration{w.lag, w.slowest()} {
				if at := s.at.Add(lag); at.After(w.now) && at.Before(next) {
					next = at
				}
			}
		}
		w.now = next
		w.check("sleeping")
		if !next.Before(end) {
			return nil
		}
	}
}

// probe answers as the origin does: 403 to a value it does not accept now.
func (w *world) probe(rw http.ResponseWriter, r *http.Request) {
	w.mu.Lock()
	defer w.mu.Unlock()
	header := map[string]string{"Header": "X-Origin-Verify", "ApiKey": "x-api-key"}[w.mode]
	if !w.applied(w.lag)[r.Header.Get(header)] {
		if w.mode == "Header" { // the web ACL's block marks its 403
			rw.Header().Set("x-amzn-waf-origin-key", "refused")
		}
		rw.WriteHeader(http.StatusForbidden)
		w.write(rw, `{"message":"Forbidden"}`)
		return
	}
	w.write(rw, `{"message":"Not found"}`)
}

// write sends body. A fake that cannot answer would make the handler under
// test fail for the wrong reason, so that fails the test.
func (w *world) write(rw io.Writer, body string) {
	if _, err := io.WriteString(rw, body); err != nil {
		w.t.Errorf("fake AWS: writing the response: %v", err)
	}
}

// writeJSON sends v as JSON, as write does.
func (w *world) writeJSON(rw io.Writer, v any) {
	if err := json.NewEncoder(rw).Encode(v); err != nil {
		w.t.Errorf("fake AWS: writing the response: %v", err)
	}
}

// readJSON decodes a request body into in; an empty body leaves in nil. A
// body that is not JSON (the real client sent something the fake does not
// understand) fails the test, and readJSON returns false.
func (w *world) readJSON(r *http.Request, in *map[string]any) bool {
	if err := json.NewDecoder(r.Body).Decode(in); err != nil && !errors.Is(err, io.EOF) {
		w.t.Errorf("fake AWS: %s %s: reading the request: %v", r.Method, r.URL.Path, err)
		return false
	}
	return true
}

func (w *world) jsonError(rw http.ResponseWriter, typ, msg string) {
	rw.Header().Set("Content-Type", "application/x-amz-json-1.1")
	rw.WriteHeader(400)
	w.writeJSON(rw, map[string]string{"__type": typ, "message": msg})
}

// jsonRequest reads a JSON 1.1 request (Secrets Manager, WAFv2): its
// operation, named by X-Amz-Target, and its body. It answers an outage of
// that operation (w.fail["<service>:<op>"]) itself, with ok false.
func (w *world) jsonRequest(rw http.ResponseWriter, r *http.Request, service, targetPrefix, outage string) (op string, in map[string]any, ok bool) {
	op = strings.TrimPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
	if w.fail[service+":"+op] {
		w.jsonError(rw, outage, "outage")
		return op, nil, false
	}
	if !w.readJSON(r, &in) {
		w.jsonError(rw, "SerializationException", "the request body is not JSON")
		return op, nil, false
	}
	return op, in, true
}

func (w *world) secretsManager(rw http.ResponseWriter, r *http.Request) {
	w.mu.Lock()
	defer w.mu.Unlock()
	op, in, ok := w.jsonRequest(rw, r, "sm", "secretsmanager.", "InternalServiceError")
	if !ok {
		return
	}
	out := map[string]any{}
	switch op {
	case "DescribeSecret":
		stages := map[string][]string{}
		for id, v := range w.versions {
			stages[id] = v.stages
		}
		out = map[string]any{"ARN": in["SecretId"], "RotationEnabled": true, "VersionIdsToStages": stages}
	case "GetSecretValue":
		for id, v := range w.versions {
			// A version Secrets Manager made for a rotation has no value until createSecret.
			idMatches := in["VersionId"] == nil || in["VersionId"] == id
			stageMatches := in["VersionStage"] == nil || slices.Contains(v.stages, in["VersionStage"].(string))
			if v.value != "" && idMatches && stageMatches {
				out = map[string]any{"VersionId": id, "SecretString": v.value, "VersionStages": v.stages}
			}
		}
		if len(out) == 0 {
			w.jsonError(rw, "ResourceNotFoundException", "no such version")
			return
		}
	case "PutSecretValue":
		id := in["ClientRequestToken"].(string)
		if v, ok := w.versions[id]; ok && v.value != "" && v.value != in["SecretString"] {
			w.jsonError(rw, "ResourceExistsException", "version exists with another value")
			return
		}
		var stages []string
		for _, s := range in["VersionStages"].([]any) {
			stages = append(stages, s.(string))
		}
		w.versions[id] = &version{value: in["SecretString"].(string), stages: stages}
		out = map[string]any{"VersionId": id}
	case "UpdateSecretVersionStage":
		stage, to, from := in["VersionStage"].(string), in["MoveToVersionId"].(string), in["RemoveFromVersionId"]
		if from != nil && from != "" {
			v := w.versions[from.(string)]
			v.stages = slices.DeleteFunc(v.stages, func(s string) bool { return s == stage })
			if stage == "AWSCURRENT" {
				for _, o := range w.versions {
					o.stages = slices.DeleteFunc(o.stages, func(s string) bool { return s == "AWSPREVIOUS" })
				}
				v.stages = append(v.stages, "AWSPREVIOUS")
			}
		}
		t := w.versions[to]
		t.stages = append(slices.DeleteFunc(t.stages, func(s string) bool { return s == "AWSPENDING" }), stage)
	default:
		w.jsonError(rw, "InvalidRequestException", "unknown operation "+op)
		return
	}
	rw.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.writeJSON(rw, out)
}

func (w *world) waf(rw http.ResponseWriter, r *http.Request) {
	w.mu.Lock()
	defer w.mu.Unlock()
	op, in, ok := w.jsonRequest(rw, r, "waf", "AWSWAF_20190729.", "WAFInternalErrorException")
	if !ok {
		return
	}
	switch op {
	case "GetRegexPatternSet":
		var list []map[string]string
		for _, p := range w.accepted {
			list = append(list, map[string]string{"RegexString": p})
		}
		w.writeJSON(rw, map[string]any{
			"LockToken":       fmt.Sprint(w.lock),
			"RegexPatternSet": map[string]any{"Name": in["Name"], "Id": in["Id"], "RegularExpressionList": list},
		})
	case "UpdateRegexPatternSet":
		if in["LockToken"] != fmt.Sprint(w.lock) {
			w.jsonError(rw, "WAFOptimisticLockException", "stale lock token")
			return
		}
		w.accepted = nil
		for _, r := range in["RegularExpressionList"].([]any) {
			w.accepted = append(w.accepted, r.(map[string]any)["RegexString"].(string))
		}
		w.lock++
		w.changed()
		w.writeJSON(rw, map[string]any{"NextLockToken": fmt.Sprint(w.lock)})
	default:
		w.jsonError(rw, "WAFInvalidOperationException", "unknown operation "+op)
	}
}

func (w *world) restError(rw http.ResponseWriter, status int, typ, msg string) {
	rw.Header().Set("X-Amzn-ErrorType", typ)
	rw.WriteHeader(status)
	w.writeJSON(rw, map[string]string{"message": msg})
}

func (w *world) apiGateway(rw http.ResponseWriter, r *http.Request) {
	w.mu.Lock()
	defer w.mu.Unlock()
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	route := r.Method + " /" + parts[0]
	if len(parts) == 3 {
		route += "/{id}/" + parts[2]
	} else if len(parts) == 2 {
		route += "/{id}"
	}
	if w.fail["ag:"+route] {
		w.restError(rw, 503, "ServiceUnavailableException", "outage")
		return
	}
	var in map[string]any
	if !w.readJSON(r, &in) {
		w.restError(rw, 400, "SerializationException", "the request body is not JSON")
		return
	}
	rw.Header().Set("Content-Type", "application/json")
	id := ""
	if len(parts) > 1 {
		id = parts[1]
	}
	switch route {
	case "GET /usageplans/{id}/keys":
		var items []map[string]string
		for _, kid := range w.plan {
			items = append(items, map[string]string{"id": kid, "name": w.keys[kid].Name, "type": "API_KEY", "value": w.keys[kid].Value})
		}
		w.writeJSON(rw, map[string]any{"item": items})
	case "POST /usageplans/{id}/keys":
		kid := in["keyId"].(string)
		if w.keys[kid] == nil {
			w.restError(rw, 404, "NotFoundException", "no such key")
			return
		}
		if slices.Contains(w.plan, kid) {
			w.restError(rw, 409, "ConflictException", "key already in the plan")
			return
		}
		w.plan = append(w.plan, kid)
		w.changed()
		rw.WriteHeader(201)
		w.writeJSON(rw, map[string]string{"id": kid, "type": "API_KEY"})
	case "POST /apikeys":
		var k apiKey
		b, _ := json.Marshal(in)
		if err := json.Unmarshal(b, &k); err != nil {
			w.t.Errorf("fake API Gateway: CreateApiKey sent %s: %v", b, err)
			w.restError(rw, 400, "BadRequestException", "not an API key")
			return
		}
		if k.Tags[TagKey] != keyTag {
			w.restError(rw, 403, "AccessDeniedException", "not allowed without the request tag")
			return
		}
		for _, o := range w.keys {
			if o.Value == k.Value {
				w.restError(rw, 409, "ConflictException", "API Key already exists")
				return
			}
		}
		w.nextKey++
		kid := fmt.Sprint("k", w.nextKey)
		w.keys[kid] = &k
		w.changed()
		rw.WriteHeader(201)
		w.writeJSON(rw, map[string]any{"id": kid, "name": k.Name, "enabled": k.Enabled})
	case "GET /apikeys":
		var items []map[string]string
		for kid, k := range w.keys {
			if strings.HasPrefix(k.Name, r.URL.Query().Get("name")) {
				items = append(items, map[string]string{"id": kid, "name": k.Name})
			}
		}
		w.writeJSON(rw, map[string]any{"item": items})
	case "DELETE /apikeys/{id}":
		k := w.keys[id]
		switch {
		case k == nil:
			w.restError(rw, 404, "NotFoundException", "no such key")
		case k.Tags[TagKey] != keyTag:
			w.restError(rw, 403, "AccessDeniedException", "not allowed without the resource tag")
		default:
			delete(w.keys, id)
			w.plan = slices.DeleteFunc(w.plan, func(s string) bool { return s == id })
			w.changed()
			rw.WriteHeader(202)
		}
	case "GET /apikeys/{id}":
		if id != "boot" { // the rotation may read the first key only
			w.restError(rw, 403, "AccessDeniedException", "only the first key may be read")
			return
		}
		w.writeJSON(rw, map[string]any{"id": id, "name": w.keys[id].Name, "enabled": w.keys[id].Enabled})
	case "PATCH /apikeys/{id}":
		if id != "boot" {
			w.restError(rw, 403, "AccessDeniedException", "only the first key may be updated")
			return
		}
		for _, op := range in["patchOperations"].([]any) {
			if o := op.(map[string]any); o["path"] == "/enabled" {
				w.keys[id].Enabled = o["value"] == "true"
			}
		}
		w.changed()
		w.writeJSON(rw, map[string]any{"id": id, "enabled": w.keys[id].Enabled})
	default:
		w.restError(rw, 400, "BadRequestException", "unknown route "+route)
	}
}

const distributionConfig = `<DistributionConfig xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/">` +
	`<CallerReference>ref</CallerReference><Comment>front door</Comment><Enabled>true</Enabled>` +
	`<Origins><Quantity>1</Quantity><Items><Origin><Id>api</Id><DomainName>api.example.com</DomainName>` +
	`<CustomHeaders><Quantity>1</Quantity><Items>` +
	`<OriginCustomHeader><HeaderName>%s</HeaderName><HeaderValue>%s</HeaderValue></OriginCustomHeader>` +
	`</Items></CustomHeaders>` +
	`</Origin></Items></Origins>` +
	`<DefaultCacheBehavior><TargetOriginId>api</TargetOriginId><ViewerProtocolPolicy>redirect-to-https</ViewerProtocolPolicy></DefaultCacheBehavior>` +
	`</DistributionConfig>`

func (w *world) cloudFront(rw http.ResponseWriter, r *http.Request) {
	w.mu.Lock()
	defer w.mu.Unlock()
	config := strings.HasSuffix(r.URL.Path, "/config")
	op := r.Method + map[bool]string{true: " config", false: ""}[config]
	if w.fail["cf:"+op] {
		rw.WriteHeader(500)
		w.write(rw, `<ErrorResponse><Error><Code>ServiceUnavailable</Code><Message>outage</Message></Error></ErrorResponse>`)
		return
	}
	rw.Header().Set("Content-Type", "text/xml")
	switch op {
	case "GET config":
		rw.Header().Set("ETag", fmt.Sprint("E", w.etag))
		w.write(rw, w.config())
	case "PUT config":
		if r.Header.Get("If-Match") != fmt.Sprint("E", w.etag) {
			rw.WriteHeader(412)
			w.write(rw, `<ErrorResponse><Error><Code>PreconditionFailed</Code><Message>stale ETag</Message></Error></ErrorResponse>`)
			return
		}
		var cfg struct {
			Values []string `xml:"Origins>Items>Origin>CustomHeaders>Items>OriginCustomHeader>HeaderValue"`
		}
		if err := xml.NewDecoder(r.Body).Decode(&cfg); err != nil || len(cfg.Values) != 1 {
			rw.WriteHeader(400)
			w.write(rw, fmt.Sprintf(`<ErrorResponse><Error><Code>MalformedXML</Code><Message>%v</Message></Error></ErrorResponse>`, err))
			return
		}
		w.sent, w.status, w.pollsLeft = cfg.Values[0], "InProgress", w.deployPolls
		w.edges[w.sent] = true // the old values stay on some edges until Deployed
		w.etag++
		rw.Header().Set("ETag", fmt.Sprint("E", w.etag))
		w.write(rw, w.distribution())
	case "GET":
		if w.status == "InProgress" {
			if w.pollsLeft--; w.pollsLeft <= 0 {
				w.status, w.edges = "Deployed", map[string]bool{w.sent: true}
			}
		}
		w.write(rw, w.distribution())
	default:
		rw.WriteHeader(400)
	}
}

func (w *world) config() string {
	return fmt.Sprintf(distributionConfig, map[string]string{"Header": "X-Origin-Verify", "ApiKey": "x-api-key"}[w.mode], w.sent)
}

func (w *world) distribution() string {
	cfg := strings.Replace(w.config(), ` xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"`, "", 1)
	return fmt.Sprintf(`<Distribution xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Id>DIST</Id><Status>%s</Status>%s</Distribution>`, w.status, cfg)
}

// newWorld starts the fakes with one current value, accepted and sent, and a
// handler whose real clients talk to them; mode is Header or ApiKey.
func newWorld(t testing.TB, mode, random string) (*world, *Handler) {
	w := &world{
		t:        t,
		mode:     mode,
		versions: map[string]*version{"v0": {value: current0, stages: []string{"AWSCURRENT"}}},
		sent:     current0, status: "Deployed", fail: map[string]bool{},
		now: start, edges: map[string]bool{current0: true}, deployPolls: 1,
	}
	w.resetOrigin()
	creds := credentials.NewStaticCredentialsProvider("test", "test", "")
	serve := func(h http.HandlerFunc) string {
		// After every call, the invariant must still hold.
		s := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			w.mu.Lock()
			w.calls++
			failNow := w.calls == w.failCall
			w.mu.Unlock()
			if failNow { // an internal error of the service, once
				rw.WriteHeader(http.StatusInternalServerError)
				return
			}
			h(rw, r)
			w.mu.Lock()
			defer w.mu.Unlock()
			w.check(r.Method + " " + r.URL.Path)
		}))
		t.Cleanup(s.Close)
		return s.URL
	}
	h := newTestHandler(random)
	h.Clock = simClock{w}
	h.Probe = &HTTPProber{URL: serve(w.probe) + "/origin-probe", Header: h.Config.HeaderName, Client: http.DefaultClient}
	if mode == "Header" {
		h.Probe.(*HTTPProber).RefusedHeader = "x-amzn-waf-origin-key"
	}
	h.Secrets = secretsmanager.New(secretsmanager.Options{
		Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(serve(w.secretsManager)), RetryMaxAttempts: 1,
	})
	if mode == "Header" {
		h.Origin = &PatternSet{Name: "keys", ID: "id", Scope: "REGIONAL",
			WAF: wafv2.New(wafv2.Options{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(serve(w.waf)), RetryMaxAttempts: 1})}
	} else {
		h.Config.HeaderName = "x-api-key"
		h.Probe.(*HTTPProber).Header = "x-api-key"
		h.Origin = &APIKeys{UsagePlanID: "plan", Bootstrap: "boot", Tag: keyTag,
			APIGateway: apigateway.New(apigateway.Options{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(serve(w.apiGateway)), RetryMaxAttempts: 1})}
	}
	h.CloudFront = cloudfront.New(cloudfront.Options{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(serve(w.cloudFront)), RetryMaxAttempts: 1})
	return w, h
}
