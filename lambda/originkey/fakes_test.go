package main

// HTTP-level fakes of Secrets Manager, CloudFront and WAFv2, driven through
// the real aws-sdk-go-v2 clients, so request serialization is real.

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/wafv2"
)

// world is the state the fakes share, so a test can check, at any moment,
// that the value CloudFront sends is one the origin accepts.
type world struct {
	mu       sync.Mutex
	versions map[string]*version // Secrets Manager versions by id
	accepted []string            // WAF pattern set
	lock     int                 // WAF lock token
	sent     string              // CloudFront's origin header value
	status   string              // CloudFront distribution status
	etag     int
	fail     map[string]bool // operations that fail (an outage)
	calls    []string
}

type version struct {
	value  string
	stages []string
}

func (w *world) originAccepts(value string) bool {
	return slices.Contains(w.accepted, "^"+value+"$")
}

func jsonError(rw http.ResponseWriter, typ, msg string) {
	rw.Header().Set("Content-Type", "application/x-amz-json-1.1")
	rw.WriteHeader(400)
	json.NewEncoder(rw).Encode(map[string]string{"__type": typ, "message": msg})
}

func (w *world) secretsManager(rw http.ResponseWriter, r *http.Request) {
	w.mu.Lock()
	defer w.mu.Unlock()
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "secretsmanager.")
	w.calls = append(w.calls, "sm:"+op)
	if w.fail["sm:"+op] {
		jsonError(rw, "InternalServiceError", "outage")
		return
	}
	var in map[string]any
	json.NewDecoder(r.Body).Decode(&in)
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
			if v.value != "" && (in["VersionId"] == nil || in["VersionId"] == id) && (in["VersionStage"] == nil || slices.Contains(v.stages, in["VersionStage"].(string))) {
				out = map[string]any{"VersionId": id, "SecretString": v.value, "VersionStages": v.stages}
			}
		}
		if len(out) == 0 {
			jsonError(rw, "ResourceNotFoundException", "no such version")
			return
		}
	case "PutSecretValue":
		id := in["ClientRequestToken"].(string)
		if v, ok := w.versions[id]; ok && v.value != "" && v.value != in["SecretString"] {
			jsonError(rw, "ResourceExistsException", "version exists with another value")
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
		jsonError(rw, "InvalidRequestException", "unknown operation "+op)
		return
	}
	rw.Header().Set("Content-Type", "application/x-amz-json-1.1")
	json.NewEncoder(rw).Encode(out)
}

func (w *world) waf(rw http.ResponseWriter, r *http.Request) {
	w.mu.Lock()
	defer w.mu.Unlock()
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AWSWAF_20190729.")
	w.calls = append(w.calls, "waf:"+op)
	if w.fail["waf:"+op] {
		jsonError(rw, "WAFInternalErrorException", "outage")
		return
	}
	var in map[string]any
	json.NewDecoder(r.Body).Decode(&in)
	switch op {
	case "GetRegexPatternSet":
		var list []map[string]string
		for _, p := range w.accepted {
			list = append(list, map[string]string{"RegexString": p})
		}
		json.NewEncoder(rw).Encode(map[string]any{
			"LockToken":       fmt.Sprint(w.lock),
			"RegexPatternSet": map[string]any{"Name": in["Name"], "Id": in["Id"], "RegularExpressionList": list},
		})
	case "UpdateRegexPatternSet":
		if in["LockToken"] != fmt.Sprint(w.lock) {
			jsonError(rw, "WAFOptimisticLockException", "stale lock token")
			return
		}
		w.accepted = nil
		for _, r := range in["RegularExpressionList"].([]any) {
			w.accepted = append(w.accepted, r.(map[string]any)["RegexString"].(string))
		}
		w.lock++
		json.NewEncoder(rw).Encode(map[string]any{"NextLockToken": fmt.Sprint(w.lock)})
	default:
		jsonError(rw, "WAFInvalidOperationException", "unknown operation "+op)
	}
}

const distributionConfig = `<DistributionConfig xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/">` +
	`<CallerReference>ref</CallerReference><Comment>front door</Comment><Enabled>true</Enabled>` +
	`<Origins><Quantity>1</Quantity><Items><Origin><Id>api</Id><DomainName>api.example.com</DomainName>` +
	`<CustomHeaders><Quantity>1</Quantity><Items><OriginCustomHeader><HeaderName>X-Origin-Verify</HeaderName><HeaderValue>%s</HeaderValue></OriginCustomHeader></Items></CustomHeaders>` +
	`</Origin></Items></Origins>` +
	`<DefaultCacheBehavior><TargetOriginId>api</TargetOriginId><ViewerProtocolPolicy>redirect-to-https</ViewerProtocolPolicy></DefaultCacheBehavior>` +
	`</DistributionConfig>`

func (w *world) cloudFront(rw http.ResponseWriter, r *http.Request) {
	w.mu.Lock()
	defer w.mu.Unlock()
	config := strings.HasSuffix(r.URL.Path, "/config")
	op := r.Method + map[bool]string{true: " config", false: ""}[config]
	w.calls = append(w.calls, "cf:"+op)
	if w.fail["cf:"+op] {
		rw.WriteHeader(500)
		io.WriteString(rw, `<ErrorResponse><Error><Code>ServiceUnavailable</Code><Message>outage</Message></Error></ErrorResponse>`)
		return
	}
	rw.Header().Set("Content-Type", "text/xml")
	switch op {
	case "GET config":
		rw.Header().Set("ETag", fmt.Sprint("E", w.etag))
		fmt.Fprintf(rw, distributionConfig, w.sent)
	case "PUT config":
		if r.Header.Get("If-Match") != fmt.Sprint("E", w.etag) {
			rw.WriteHeader(412)
			io.WriteString(rw, `<ErrorResponse><Error><Code>PreconditionFailed</Code><Message>stale ETag</Message></Error></ErrorResponse>`)
			return
		}
		var cfg struct {
			Values []string `xml:"Origins>Items>Origin>CustomHeaders>Items>OriginCustomHeader>HeaderValue"`
		}
		if err := xml.NewDecoder(r.Body).Decode(&cfg); err != nil || len(cfg.Values) != 1 {
			rw.WriteHeader(400)
			fmt.Fprintf(rw, `<ErrorResponse><Error><Code>MalformedXML</Code><Message>%v</Message></Error></ErrorResponse>`, err)
			return
		}
		w.sent, w.status = cfg.Values[0], "InProgress"
		w.etag++
		rw.Header().Set("ETag", fmt.Sprint("E", w.etag))
		io.WriteString(rw, w.distribution())
	case "GET":
		io.WriteString(rw, w.distribution())
	default:
		rw.WriteHeader(400)
	}
}

func (w *world) distribution() string {
	cfg := strings.Replace(fmt.Sprintf(distributionConfig, w.sent), ` xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"`, "", 1)
	return fmt.Sprintf(`<Distribution xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Id>DIST</Id><Status>%s</Status>%s</Distribution>`, w.status, cfg)
}

// newWorld starts the three fakes with one current value, accepted and sent,
// and a handler whose real clients talk to them.
func newWorld(t *testing.T, random string) (*world, *Handler) {
	w := &world{
		versions: map[string]*version{"v0": {value: "current0", stages: []string{"AWSCURRENT"}}},
		accepted: []string{"^current0$"}, sent: "current0", status: "Deployed", fail: map[string]bool{},
	}
	creds := credentials.NewStaticCredentialsProvider("test", "test", "")
	serve := func(h http.HandlerFunc) string {
		s := httptest.NewServer(h)
		t.Cleanup(s.Close)
		return s.URL
	}
	h := newTestHandler(random)
	h.Secrets = secretsmanager.New(secretsmanager.Options{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(serve(w.secretsManager)), RetryMaxAttempts: 1})
	h.WAF = wafv2.New(wafv2.Options{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(serve(w.waf)), RetryMaxAttempts: 1})
	h.CloudFront = cloudfront.New(cloudfront.Options{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(serve(w.cloudFront)), RetryMaxAttempts: 1})
	return w, h
}
