package local

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// Dynalite is a running in-memory DynamoDB-API server on 127.0.0.1.
type Dynalite struct {
	// Endpoint is the server's base URL, such as http://127.0.0.1:41234.
	Endpoint string
	cmd      *exec.Cmd
	stdin    io.WriteCloser
	close    sync.Once
	closeErr error
}

// StartDynalite starts a server and stops it when the test ends.
func StartDynalite(t testing.TB) *Dynalite {
	t.Helper()
	d, err := NewDynalite()
	if err != nil {
		t.Fatalf("starting dynalite: %v", err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("stopping dynalite: %v", err)
		}
	})
	return d
}

// NewDynalite starts a server; Close stops it.
func NewDynalite() (*Dynalite, error) {
	cmd, stdin, stdout, err := startNode("dynalite.js", "dynalite")
	if err != nil {
		return nil, err
	}
	d := &Dynalite{cmd: cmd, stdin: stdin}
	line, err := bufio.NewReader(stdout).ReadBytes('\n')
	var started struct{ Port int }
	if err == nil {
		err = json.Unmarshal(line, &started)
	}
	if err != nil || started.Port == 0 {
		return nil, errors.Join(fmt.Errorf("dynalite did not start (%v, %q)", err, line), d.Close())
	}
	d.Endpoint = fmt.Sprintf("http://127.0.0.1:%d", started.Port)
	return d, nil
}

// Close stops the server. The error says if it did not exit cleanly; every
// call returns the first call's.
func (d *Dynalite) Close() error {
	d.close.Do(func() { d.closeErr = stopNode(d.cmd, d.stdin) })
	return d.closeErr
}

// Client is a real aws-sdk-go-v2 DynamoDB client pointed at the server.
func (d *Dynalite) Client() *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(d.Endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
	})
}

// Call sends one DynamoDB JSON request, as an API Gateway AWS-service
// integration does (action is PutItem, Query, …), and returns the HTTP status
// and body.
func (d *Dynalite) Call(ctx context.Context, action string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.Endpoint+"/", bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810."+action)
	// dynalite checks that a SigV4 header is present, not the signature.
	req.Header.Set("X-Amz-Date", "20260101T000000Z")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	b, err := io.ReadAll(resp.Body)
	if cerr := resp.Body.Close(); err == nil {
		err = cerr
	}
	return resp.StatusCode, b, err
}
