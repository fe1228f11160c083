package lambdamain

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
)

func lines(t *testing.T, b *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	dec := json.NewDecoder(b)
	for dec.More() {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			t.Fatalf("not a JSON line: %v", err)
		}
		out = append(out, m)
	}
	return out
}

func TestLoggerAddsTheRequestIdOfTheInvocation(t *testing.T) {
	var b bytes.Buffer
	log := Logger(&b).With("handler", "test")
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-1"})
	log.InfoContext(ctx, "served", "status", 200)
	log.Info("no invocation")
	got := lines(t, &b)
	if len(got) != 2 {
		t.Fatalf("want 2 lines, got %v", got)
	}
	if _, err := time.Parse(time.RFC3339Nano, fmt.Sprint(got[0]["timestamp"])); err != nil || got[0]["level"] != "INFO" {
		t.Errorf("want Lambda's timestamp and level keys: %v", got[0])
	}
	if got[0]["requestId"] != "req-1" || got[0]["msg"] != "served" || got[0]["handler"] != "test" || got[0]["status"] != float64(200) {
		t.Errorf("first line: %v", got[0])
	}
	if _, ok := got[1]["requestId"]; ok {
		t.Errorf("a line outside an invocation has no request id: %v", got[1])
	}
}

func TestAWSConfigIsLambdasRegionAndCredentials(t *testing.T) {
	env := map[string]string{"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "SECRET", "AWS_SESSION_TOKEN": "TOKEN"}
	cfg, err := AWSConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	creds, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil || cfg.Region != "eu-west-1" || creds.AccessKeyID != "AKID" || creds.SecretAccessKey != "SECRET" || creds.SessionToken != "TOKEN" {
		t.Errorf("got %s %+v %v", cfg.Region, creds, err)
	}
	for _, name := range []string{"AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} {
		_, err := AWSConfig(func(k string) string {
			if k == name {
				return ""
			}
			return env[k]
		})
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("without %s: want an error naming it, got %v", name, err)
		}
	}
}

func TestEndpointPrefersTheServicesOwnVariable(t *testing.T) {
	env := map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:1", "AWS_ENDPOINT_URL": "http://127.0.0.1:2"}
	get := func(k string) string { return env[k] }
	if got := Endpoint(get, "DYNAMODB"); got == nil || *got != "http://127.0.0.1:1" {
		t.Errorf("DYNAMODB: %v", got)
	}
	if got := Endpoint(get, "APIGATEWAYMANAGEMENTAPI"); got == nil || *got != "http://127.0.0.1:2" {
		t.Errorf("APIGATEWAYMANAGEMENTAPI: %v", got)
	}
	if got := Endpoint(func(string) string { return "" }, "DYNAMODB"); got != nil {
		t.Errorf("no variable: %v, want nil (the SDK's endpoint)", *got)
	}
}
