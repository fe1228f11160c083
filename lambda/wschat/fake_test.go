package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/blueprints-cdk/blueprints/internal/wschat"
)

// Misbehaviours the fake @connections API answers for chosen connection ids.
const (
	answerGone      = http.StatusGone
	answerThrottled = http.StatusTooManyRequests
	answerFailed    = http.StatusInternalServerError
	// answerBareGone is a 410 without the error's name, as a proxy in
	// front of the API might answer.
	answerBareGone = -http.StatusGone
	// answerBlock never answers: the post waits until the client gives up.
	// Nothing bounds a post but its context (the SDK's default HTTP client
	// sets no overall timeout: aws/transport/http, BuildableClient), so
	// the broadcast's deadline must.
	answerBlock = -1
)

// connectionsAPI is a fake of one stage's @connections API on 127.0.0.1,
// driven by the real apigatewaymanagementapi client. It answers
// POST /{stage}/@connections/{connection_id} (API Gateway developer guide,
// "Use @connections commands in your backend service": the callback URL is
// https://{api-id}.execute-api.{region}.amazonaws.com/{stage}, and the
// connection id is URL-encoded in the path, as in its example
// /prod/%40connections/R0oXAdfD0kwCH6w%3D).
type connectionsAPI struct {
	*httptest.Server
	stage   string
	closing chan struct{}

	mu        sync.Mutex
	answers   map[string]int      // connection id → a misbehaviour; 200 otherwise
	delivered map[string][][]byte // connection id → the data of each post answered 200
	attempts  map[string]int      // connection id → posts received, whatever the answer
	rawPaths  []string            // the escaped path of every post
	started   atomic.Int64        // posts received
}

func startConnectionsAPI(t testing.TB, stage string) *connectionsAPI {
	t.Helper()
	f := &connectionsAPI{
		stage: stage, closing: make(chan struct{}),
		answers: map[string]int{}, delivered: map[string][][]byte{}, attempts: map[string]int{},
	}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(func() {
		close(f.closing) // releases blocked posts, so that Close does not wait for them
		f.Close()
	})
	return f
}

// Endpoint is the stage's callback URL on the fake.
func (f *connectionsAPI) Endpoint() string { return f.URL + "/" + f.stage }

func (f *connectionsAPI) answer(id string, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answers[id] = status
}

// received is the data of every post delivered to id.
func (f *connectionsAPI) received(id string) [][]byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.delivered[id])
}

// attemptsOf is how many posts to id the fake received.
func (f *connectionsAPI) attemptsOf(id string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.attempts[id]
}

// receivers is every connection id that got at least one post delivered.
func (f *connectionsAPI) receivers() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ids []string
	for id := range f.delivered {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func (f *connectionsAPI) serve(w http.ResponseWriter, r *http.Request) {
	// "These requests use IAM authorization, so you must sign them with
	// Signature Version 4 (SigV4)" (the same page): an unsigned request is
	// refused 403 ForbiddenException (API Gateway Management API reference,
	// PostToConnection, Errors). The fake checks the signature's scope, not
	// its value.
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=") || !strings.Contains(auth, "/execute-api/aws4_request") {
		apiError(w, http.StatusForbidden, "ForbiddenException", "Forbidden")
		return
	}
	// The path's segments, each unescaped on its own: an id's "/" arrives
	// as %2F and is part of the id, not a separator.
	raw := r.URL.EscapedPath()
	segs := strings.Split(raw, "/")
	if r.Method != http.MethodPost || len(segs) != 4 || segs[0] != "" || segs[1] != f.stage ||
		(segs[2] != "@connections" && segs[2] != "%40connections") {
		apiError(w, http.StatusNotFound, "NotFoundException", "No method found matching route "+raw)
		return
	}
	id, err := url.PathUnescape(segs[3])
	if err != nil || id == "" {
		apiError(w, http.StatusBadRequest, "BadRequestException", "Invalid connection id")
		return
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	f.started.Add(1)
	f.mu.Lock()
	f.attempts[id]++
	f.rawPaths = append(f.rawPaths, raw)
	answer := f.answers[id]
	if answer == 0 {
		f.delivered[id] = append(f.delivered[id], data)
	}
	f.mu.Unlock()
	switch answer {
	case 0:
		// A successful post answers 200 with an empty body (Management
		// API reference, PostToConnection, Response Syntax).
		w.WriteHeader(http.StatusOK)
	case answerGone:
		// "GoneException: The connection with the provided id no longer
		// exists", 410 (Management API reference, PostToConnection,
		// Errors): the client disconnected, or never finished connecting
		// (AWS Knowledge Center, "410 GoneException" for WebSocket APIs).
		apiError(w, http.StatusGone, "GoneException", "")
	case answerBareGone:
		w.WriteHeader(http.StatusGone)
	case answerThrottled:
		// "LimitExceededException: The client is sending more than the
		// allowed number of requests per unit of time or the WebSocket
		// client side buffer is full", 429 (the same reference).
		apiError(w, http.StatusTooManyRequests, "LimitExceededException", "Limit Exceeded")
	case answerFailed:
		// Any AWS API may fail with "InternalFailure: The request
		// processing has failed because of an unknown error, exception or
		// failure", HTTP 500 (the API references' Common Errors).
		apiError(w, http.StatusInternalServerError, "InternalFailure", "Internal server error")
	case answerBlock:
		select {
		case <-r.Context().Done():
		case <-f.closing:
		}
	}
}

// apiError answers as the REST-JSON protocol does: the error's name in the
// x-amzn-ErrorType header, its message in a JSON body.
func apiError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	_, _ = io.WriteString(w, `{"message":`+strconv.Quote(message)+`}`)
}

// countingTable counts the Scans of the table it wraps and the Limit they
// asked for, and can fail the nth Scan.
type countingTable struct {
	Table
	mu        sync.Mutex
	scans     int
	limits    []int32
	failAfter int // the Scan after this many fails; 0: none
}

func (c *countingTable) Scan(ctx context.Context, in *dynamodb.ScanInput, opts ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	c.mu.Lock()
	c.scans++
	n := c.scans
	if in.Limit != nil {
		c.limits = append(c.limits, *in.Limit)
	}
	c.mu.Unlock()
	if c.failAfter > 0 && n > c.failAfter {
		// A Scan may fail with a server error (DynamoDB API reference,
		// Scan, Errors: InternalServerError, HTTP 500).
		return nil, &types.InternalServerError{Message: aws.String("internal error: secret detail 123")}
	}
	return c.Table.Scan(ctx, in, opts...)
}

// memTable is a table in memory for the benchmarks: its Scan returns the
// ids in pages as DynamoDB does (DynamoDB API reference, Scan: at most
// Limit items a page, and LastEvaluatedKey on every page but the last).
type memTable struct {
	ids []string
}

func (m *memTable) PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	return &dynamodb.PutItemOutput{}, nil
}

func (m *memTable) DeleteItem(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	return &dynamodb.DeleteItemOutput{}, nil
}

func (m *memTable) Scan(_ context.Context, in *dynamodb.ScanInput, _ ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	start := 0
	if k, ok := in.ExclusiveStartKey["i"].(*types.AttributeValueMemberN); ok {
		start, _ = strconv.Atoi(k.Value)
	}
	end := len(m.ids)
	if in.Limit != nil {
		end = min(end, start+int(*in.Limit))
	}
	out := &dynamodb.ScanOutput{Items: make([]map[string]types.AttributeValue, 0, end-start)}
	for _, id := range m.ids[start:end] {
		out.Items = append(out.Items, map[string]types.AttributeValue{wschat.PartitionKey: &types.AttributeValueMemberS{Value: id}})
	}
	if end < len(m.ids) {
		out.LastEvaluatedKey = map[string]types.AttributeValue{"i": &types.AttributeValueMemberN{Value: strconv.Itoa(end)}}
	}
	return out, nil
}

// countingPoster accepts every post without a network, as the API does a
// post to a live connection: PostToConnection's output has no members
// (Management API reference, PostToConnection, Response Syntax: HTTP 200).
type countingPoster struct {
	posts atomic.Int64
	bytes atomic.Int64
}

func (p *countingPoster) PostToConnection(_ context.Context, in *apigatewaymanagementapi.PostToConnectionInput,
	_ ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.PostToConnectionOutput, error) {
	p.posts.Add(1)
	p.bytes.Add(int64(len(in.Data)))
	return &apigatewaymanagementapi.PostToConnectionOutput{}, nil
}
