package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/blueprints-cdk/blueprints/assertions/local"
	"github.com/blueprints-cdk/blueprints/internal/wschat"
)

// t0 is the handler's clock in these tests.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

const (
	table  = "connections"
	stage  = "dev"
	testID = "a1b2c3d4e5" // the API id in the requests
)

// logBuffer collects a handler's log lines.
type logBuffer = local.LogBuffer

// chat is a connections table on dynalite, a fake @connections API, and
// the environment the construct would set, pointed at both.
type chat struct {
	db   *dynamodb.Client
	api  *connectionsAPI
	env  map[string]string
	logs *logBuffer
}

func newChat(t testing.TB) *chat {
	t.Helper()
	d := local.StartDynalite(t)
	db := d.Client()
	_, err := db.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:            aws.String(table),
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String(wschat.PartitionKey), KeyType: types.KeyTypeHash}},
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String(wschat.PartitionKey), AttributeType: types.ScalarAttributeTypeS}},
		BillingMode:          types.BillingModePayPerRequest,
	})
	if err == nil {
		err = d.WaitActive(context.Background(), table)
	}
	if err != nil {
		t.Fatal(err)
	}
	api := startConnectionsAPI(t, stage)
	return &chat{db: db, api: api, logs: &logBuffer{}, env: map[string]string{
		wschat.EnvTableName: table, "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
		"AWS_ENDPOINT_URL_DYNAMODB": d.Endpoint, "AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI": api.Endpoint(),
	}}
}

// sdkHandler is the function of route as newHandler builds it from the
// chat's environment plus extra (name, value, …), SDK retries included.
func (c *chat) sdkHandler(t testing.TB, route string, extra ...string) *Handler {
	t.Helper()
	env := maps.Clone(c.env)
	env[wschat.EnvRoute] = route
	for i := 0; i+1 < len(extra); i += 2 {
		env[extra[i]] = extra[i+1]
	}
	h, err := newHandler(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	h.Log = slog.New(slog.NewJSONHandler(c.logs, nil))
	h.Now = func() time.Time { return t0 }
	return h
}

// handler is sdkHandler with one request per post (RetryMaxAttempts 1):
// the SDK's standard retries of 429s and 500s would only slow the tests.
func (c *chat) handler(t testing.TB, route string, extra ...string) *Handler {
	h := c.sdkHandler(t, route, extra...)
	h.NewPoster = func(endpoint string) Poster {
		return apigatewaymanagementapi.New(apigatewaymanagementapi.Options{
			Region: "us-east-1", BaseEndpoint: aws.String(endpoint), RetryMaxAttempts: 1,
			Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
		})
	}
	return h
}

// store writes connections as $connect would have at connectedAt.
func (c *chat) store(t testing.TB, connectedAt time.Time, ids ...string) {
	t.Helper()
	for batch := range slices.Chunk(ids, 25) {
		var writes []types.WriteRequest
		for _, id := range batch {
			writes = append(writes, types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{
				wschat.PartitionKey:         &types.AttributeValueMemberS{Value: id},
				wschat.ConnectedAtAttribute: number(connectedAt.UnixMilli()),
				wschat.TTLAttribute:         number(connectedAt.Add(wschat.MaxConnectionDuration).Unix()),
			}}})
		}
		pending := map[string][]types.WriteRequest{table: writes}
		for len(pending) > 0 {
			out, err := c.db.BatchWriteItem(context.Background(), &dynamodb.BatchWriteItemInput{RequestItems: pending})
			if err != nil {
				t.Fatal(err)
			}
			pending = out.UnprocessedItems
		}
	}
}

// ids is every connection id in the table, sorted.
func (c *chat) ids(t testing.TB) []string {
	t.Helper()
	var ids []string
	for p := dynamodb.NewScanPaginator(c.db, &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)}); p.HasMorePages(); {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, item := range out.Items {
			ids = append(ids, item[wschat.PartitionKey].(*types.AttributeValueMemberS).Value)
		}
	}
	slices.Sort(ids)
	return ids
}

// request is an event of connection id on the test API's stage.
func request(id, body string) events.APIGatewayWebsocketProxyRequest {
	return events.APIGatewayWebsocketProxyRequest{Body: body, RequestContext: events.APIGatewayWebsocketProxyRequestContext{
		ConnectionID: id, APIID: testID, Stage: stage, EventType: "MESSAGE", RouteKey: "sendmessage",
		DomainName: testID + ".execute-api.us-east-1.amazonaws.com",
	}}
}

// sendBody is the message a client sends: {"action":"sendmessage","data":…}.
func sendBody(t testing.TB, data string) string {
	t.Helper()
	b, err := json.Marshal(map[string]string{"action": "sendmessage", "data": data})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// send has from send data, and returns the response's status and summary.
func send(t testing.TB, h *Handler, from, data string) (int, Summary) {
	t.Helper()
	res, err := h.Handle(context.Background(), request(from, sendBody(t, data)))
	if err != nil {
		t.Fatal(err)
	}
	var sum Summary
	if err := json.Unmarshal([]byte(res.Body), &sum); err != nil {
		t.Fatalf("body %q: %v", res.Body, err)
	}
	if sum.Recipients != sum.Sent+sum.Gone+sum.Failed+sum.Unreached {
		t.Errorf("%+v: recipients is not the sum of the outcomes", sum)
	}
	return res.StatusCode, sum
}

func TestConnectStoresTheConnectionWithWhenItConnectedAndExpires(t *testing.T) {
	c := newChat(t)
	h := c.handler(t, wschat.RouteConnect)
	res, err := h.Handle(context.Background(), request("R0oXAdfD0kwCH6w=", ""))
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("%+v %v", res, err)
	}
	out, err := c.db.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(table), Key: map[string]types.AttributeValue{wschat.PartitionKey: &types.AttributeValueMemberS{Value: "R0oXAdfD0kwCH6w="}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		wschat.PartitionKey:         "R0oXAdfD0kwCH6w=",
		wschat.ConnectedAtAttribute: strconv.FormatInt(t0.UnixMilli(), 10),
		wschat.TTLAttribute:         strconv.FormatInt(t0.Add(2*time.Hour).Unix(), 10),
	}
	got := map[string]string{}
	for k, v := range out.Item {
		switch v := v.(type) {
		case *types.AttributeValueMemberS:
			got[k] = v.Value
		case *types.AttributeValueMemberN:
			got[k] = v.Value
		}
	}
	if !maps.Equal(got, want) || len(out.Item) != len(want) {
		t.Errorf("item %v, want %v", out.Item, want)
	}
}

func TestDisconnectDeletesTheConnectionAndMayBeRepeated(t *testing.T) {
	c := newChat(t)
	c.store(t, t0, "gone", "stays")
	h := c.handler(t, wschat.RouteDisconnect)
	for range 2 {
		res, err := h.Handle(context.Background(), request("gone", ""))
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("%+v %v", res, err)
		}
	}
	if res, err := h.Handle(context.Background(), request("never-stored", "")); err != nil || res.StatusCode != http.StatusOK {
		t.Errorf("a missing item: %+v %v", res, err)
	}
	if got := c.ids(t); !slices.Equal(got, []string{"stays"}) {
		t.Errorf("table %v, want [stays]", got)
	}
}

func TestATableFailureIsA500ThatDoesNotTellTheClientWhy(t *testing.T) {
	c := newChat(t)
	for _, route := range []string{wschat.RouteConnect, wschat.RouteDisconnect} {
		h := c.handler(t, route, wschat.EnvTableName, "no-such-table")
		res, err := h.Handle(context.Background(), request("abc", ""))
		if err != nil || res.StatusCode != http.StatusInternalServerError || res.Body != `{"error":"internal error"}` {
			t.Errorf("%s: %+v %v", route, res, err)
		}
	}
	if !strings.Contains(c.logs.String(), "ResourceNotFoundException") {
		t.Errorf("the cause is not logged: %s", c.logs)
	}
}

func TestARequestWithoutAConnectionIDIsRefused(t *testing.T) {
	c := newChat(t)
	res, err := c.handler(t, wschat.RouteConnect).Handle(context.Background(), request("", ""))
	if err != nil || res.StatusCode != http.StatusBadRequest {
		t.Errorf("%+v %v", res, err)
	}
	if ids := c.ids(t); len(ids) != 0 {
		t.Errorf("stored %v", ids)
	}
}

func TestABroadcastReachesEveryConnectionTheSenderIncluded(t *testing.T) {
	c := newChat(t)
	ids := []string{"alice", "bob", "carol", "dave", "erin"}
	c.store(t, t0.Add(-time.Hour), ids...)
	// The handler as newHandler builds it: the management endpoint from
	// AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI, the SDK's own retries.
	h := c.sdkHandler(t, wschat.RouteSend)
	status, sum := send(t, h, "alice", "hello world")
	if status != http.StatusOK || sum != (Summary{Recipients: 5, Sent: 5, Complete: true}) {
		t.Errorf("%d %+v", status, sum)
	}
	for _, id := range ids {
		if got := c.api.received(id); len(got) != 1 || string(got[0]) != "hello world" {
			t.Errorf("%s received %q", id, got)
		}
	}
	if got := c.ids(t); !slices.Equal(got, ids) {
		t.Errorf("table %v", got)
	}
}

func TestTheLogCountsTheBroadcastAndNeverCarriesTheData(t *testing.T) {
	c := newChat(t)
	c.store(t, t0.Add(-time.Hour), "alice", "bob", "gone")
	c.api.answer("gone", answerGone)
	const secret = "TOP-SECRET-MESSAGE-42"
	if status, _ := send(t, c.handler(t, wschat.RouteSend), "alice", secret); status != http.StatusOK {
		t.Fatal(status)
	}
	logs := c.logs.String()
	if strings.Contains(logs, secret) {
		t.Errorf("the log carries the data:\n%s", logs)
	}
	for _, want := range []string{`"msg":"broadcast"`, `"recipients":3`, `"sent":2`, `"gone":1`, `"failed":0`, `"unreached":0`, `"bytes":21`} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log lacks %s:\n%s", want, logs)
		}
	}
}

func TestAGoneConnectionIsDeletedAndTheOthersStillGetTheMessage(t *testing.T) {
	c := newChat(t)
	c.store(t, t0.Add(-time.Hour), "alice", "bob", "carol", "gone-named", "gone-bare")
	c.api.answer("gone-named", answerGone)
	c.api.answer("gone-bare", answerBareGone) // a 410 without GoneException's name is gone too
	status, sum := send(t, c.handler(t, wschat.RouteSend, wschat.EnvConcurrency, "1"), "alice", "hi")
	if status != http.StatusOK || sum != (Summary{Recipients: 5, Sent: 3, Gone: 2, Complete: true}) {
		t.Errorf("%d %+v", status, sum)
	}
	if got := c.api.receivers(); !slices.Equal(got, []string{"alice", "bob", "carol"}) {
		t.Errorf("received by %v", got)
	}
	if got := c.ids(t); !slices.Equal(got, []string{"alice", "bob", "carol"}) {
		t.Errorf("table %v: want exactly the gone rows deleted", got)
	}
}

func TestAConnectionGoneWithinTheGraceOfItsConnectIsKept(t *testing.T) {
	c := newChat(t)
	c.store(t, t0.Add(-time.Hour), "alice", "old")
	c.store(t, t0.Add(-ConnectGrace+time.Second), "connecting") // $connect stored it; the handshake is not finished
	c.api.answer("old", answerGone)
	c.api.answer("connecting", answerGone)
	if status, sum := send(t, c.handler(t, wschat.RouteSend), "alice", "hi"); status != http.StatusOK || sum.Gone != 2 {
		t.Errorf("%d %+v", status, sum)
	}
	if got := c.ids(t); !slices.Equal(got, []string{"alice", "connecting"}) {
		t.Errorf("table %v, want alice and connecting", got)
	}
}

func TestThrottledAndFailedPostsKeepTheirRowsAndDoNotStopTheOthers(t *testing.T) {
	c := newChat(t)
	ids := []string{"alice", "bob", "carol", "failed", "throttled"}
	c.store(t, t0.Add(-time.Hour), ids...)
	c.api.answer("throttled", answerThrottled)
	c.api.answer("failed", answerFailed)
	// One post at a time: the failures come before, between or after the
	// successes, and none stops the rest.
	status, sum := send(t, c.handler(t, wschat.RouteSend, wschat.EnvConcurrency, "1"), "alice", "hi")
	if status != http.StatusOK || sum != (Summary{Recipients: 5, Sent: 3, Failed: 2, Complete: true}) {
		t.Errorf("%d %+v", status, sum)
	}
	if got := c.api.receivers(); !slices.Equal(got, []string{"alice", "bob", "carol"}) {
		t.Errorf("received by %v", got)
	}
	if got := c.ids(t); !slices.Equal(got, ids) {
		t.Errorf("table %v, want every row kept", got)
	}
	if logs := c.logs.String(); !strings.Contains(logs, `"throttled":true`) || !strings.Contains(logs, "InternalFailure") {
		t.Errorf("the failures are not logged:\n%s", logs)
	}
}

func TestEveryPageOfAThousandsStrongTableIsRead(t *testing.T) {
	c := newChat(t)
	ids := make([]string, 2500)
	for i := range ids {
		ids[i] = fmt.Sprintf("conn-%04d=", i)
	}
	c.store(t, t0.Add(-time.Hour), ids...)
	h := c.handler(t, wschat.RouteSend, wschat.EnvScanPageSize, "100")
	counted := &countingTable{Table: h.DB}
	h.DB = counted
	status, sum := send(t, h, ids[0], "to all 2500")
	if status != http.StatusOK || sum != (Summary{Recipients: 2500, Sent: 2500, Complete: true}) {
		t.Errorf("%d %+v", status, sum)
	}
	for _, id := range ids {
		if got := c.api.received(id); len(got) != 1 || string(got[0]) != "to all 2500" {
			t.Fatalf("%s received %q", id, got)
		}
	}
	if counted.scans < 25 || slices.ContainsFunc(counted.limits, func(l int32) bool { return l != 100 }) || len(counted.limits) != counted.scans {
		t.Errorf("%d scans with limits %v: want at least 25 pages of 100", counted.scans, counted.limits)
	}
}

func TestAScanFailureIsA500AfterTheConnectionsAlreadyRead(t *testing.T) {
	c := newChat(t)
	c.store(t, t0.Add(-time.Hour), "a", "b", "c", "d", "e", "f")
	h := c.handler(t, wschat.RouteSend, wschat.EnvScanPageSize, "2")
	h.DB = &countingTable{Table: h.DB, failAfter: 1}
	res, err := h.Handle(context.Background(), request("a", sendBody(t, "hi")))
	if err != nil || res.StatusCode != http.StatusInternalServerError {
		t.Fatalf("%+v %v", res, err)
	}
	var sum Summary
	if err := json.Unmarshal([]byte(res.Body), &sum); err != nil || sum != (Summary{Recipients: 2, Sent: 2}) {
		t.Errorf("%s %v", res.Body, err)
	}
	if strings.Contains(res.Body, "secret detail") || !strings.Contains(c.logs.String(), "secret detail") {
		t.Errorf("the cause must be logged, not answered: %s", res.Body)
	}
}

func TestTheDeadlineStopsABroadcastWhosePostsHang(t *testing.T) {
	c := newChat(t)
	var ids []string
	for i := range 10 {
		ids = append(ids, fmt.Sprint("hung-", i))
		c.api.answer(ids[i], answerBlock)
	}
	c.store(t, t0.Add(-time.Hour), ids...)
	h := c.handler(t, wschat.RouteSend, wschat.EnvConcurrency, "2")
	h.Config.Deadline = 300 * time.Millisecond
	start := time.Now()
	status, sum := send(t, h, "hung-0", "hi")
	elapsed := time.Since(start)
	if status != http.StatusOK || sum != (Summary{Recipients: 10, Unreached: 10, Complete: true}) {
		t.Errorf("%d %+v", status, sum)
	}
	if elapsed < h.Config.Deadline || elapsed > h.Config.Deadline+3*time.Second {
		t.Errorf("took %v with a %v deadline", elapsed, h.Config.Deadline)
	}
	if n := c.api.started.Load(); n > 2 {
		t.Errorf("%d posts started at once; the concurrency is 2", n)
	}
	if got := c.ids(t); !slices.Equal(got, ids) {
		t.Errorf("table %v: an unreached connection is kept", got)
	}
	if !strings.Contains(c.logs.String(), "broadcast stopped at the deadline") {
		t.Errorf("not logged:\n%s", c.logs)
	}
}

func TestTheDeadlineCountsOnlyTheHungPostUnreached(t *testing.T) {
	c := newChat(t)
	c.store(t, t0.Add(-time.Hour), "alice", "bob", "carol", "hung")
	c.api.answer("hung", answerBlock)
	h := c.handler(t, wschat.RouteSend, wschat.EnvConcurrency, "4")
	h.Config.Deadline = 300 * time.Millisecond
	status, sum := send(t, h, "alice", "hi")
	if status != http.StatusOK || sum != (Summary{Recipients: 4, Sent: 3, Unreached: 1, Complete: true}) {
		t.Errorf("%d %+v", status, sum)
	}
	if got := c.api.receivers(); !slices.Equal(got, []string{"alice", "bob", "carol"}) {
		t.Errorf("received by %v", got)
	}
}

func TestIDsThatLookLikeBase64AreEscapedInThePathAndDecodedBack(t *testing.T) {
	c := newChat(t)
	ids := []string{"+/=+/=", "R0oXAdfD0kwCH6w=", "a+b/c=="}
	c.store(t, t0.Add(-time.Hour), ids...)
	c.store(t, t0.Add(-time.Hour), "a+b/c=x") // close to the gone id, and kept
	c.api.answer("a+b/c==", answerGone)
	if status, sum := send(t, c.handler(t, wschat.RouteSend), "R0oXAdfD0kwCH6w=", "hi"); status != http.StatusOK || sum.Sent != 3 || sum.Gone != 1 {
		t.Fatalf("%d %+v", status, sum)
	}
	if got := c.api.receivers(); !slices.Equal(got, []string{"+/=+/=", "R0oXAdfD0kwCH6w=", "a+b/c=x"}) {
		t.Errorf("received by %v", got)
	}
	paths := strings.Join(c.api.rawPaths, "\n")
	for _, escaped := range []string{"/%2B%2F%3D%2B%2F%3D", "/R0oXAdfD0kwCH6w%3D", "/a%2Bb%2Fc%3D%3D", "/a%2Bb%2Fc%3Dx"} {
		if !strings.Contains(paths, "connections"+escaped+"\n") && !strings.HasSuffix(paths, "connections"+escaped) {
			t.Errorf("no post to the path ending %s in:\n%s", escaped, paths)
		}
	}
	if got := c.ids(t); !slices.Equal(got, []string{"+/=+/=", "R0oXAdfD0kwCH6w=", "a+b/c=x"}) {
		t.Errorf("table %v: want exactly a+b/c== deleted", got)
	}
}

func TestTheDataArrivesByteForByte(t *testing.T) {
	c := newChat(t)
	c.store(t, t0.Add(-time.Hour), "alice", "bob")
	h := c.handler(t, wschat.RouteSend, wschat.EnvMaxMessageBytes, "64")
	const want = "\"'</script>😀\x00"
	for _, body := range []string{
		sendBody(t, want), // encoding/json writes < as \u003c
		`{"action":"sendmessage","data":"\"'</script>😀\u0000"}`,
		`{"action":"sendmessage","data":"\"\u0027\u003c\/script\u003e\ud83d\ude00\u0000"}`,
		`  {"data" : "\"'</script>😀\u0000", "action":"sendmessage", "extra": [1, {"data": 2}]}  `,
	} {
		res, err := h.Handle(context.Background(), request("alice", body))
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("%s: %+v %v", body, res, err)
		}
	}
	for _, id := range []string{"alice", "bob"} {
		got := c.api.received(id)
		if len(got) != 4 {
			t.Fatalf("%s received %d posts", id, len(got))
		}
		for _, g := range got {
			if !bytes.Equal(g, []byte(want)) {
				t.Errorf("%s received %q (% x), want %q", id, g, g, want)
			}
		}
	}
	// The limit counts bytes: 16 four-byte characters are 64 bytes.
	if status, sum := send(t, h, "alice", strings.Repeat("😀", 16)); status != http.StatusOK || sum.Sent != 2 {
		t.Errorf("64 bytes at a limit of 64: %d %+v", status, sum)
	}
	if got := c.api.received("bob"); string(got[len(got)-1]) != strings.Repeat("😀", 16) {
		t.Errorf("bob received %q", got[len(got)-1])
	}
}

func TestABadMessageGetsOneErrorFrameAndNothingIsBroadcast(t *testing.T) {
	const example = `{\"action\":\"sendmessage\",\"data\":\"…\"}`
	notObject := `{"error":"the message must be a JSON object such as ` + example + `"}`
	noData := `{"error":"the message has no \"data\"; send ` + example + `"}`
	notString := `{"error":"\"data\" must be a string"}`
	cases := []struct {
		body      string
		base64    bool
		wantFrame string
	}{
		{"hello", false, notObject},
		{"", false, notObject},
		{`{"action":"sendmessage","data":"abc`, false, notObject},
		{`[{"data":"x"}]`, false, notObject},
		{`"data"`, false, notObject},
		{`null`, false, notObject},
		{`42`, false, notObject},
		{`{"action":"sendmessage"} trailing`, false, notObject},
		{"!!not base64!!", true, notObject},
		{`{"action":"sendmessage"}`, false, noData},
		{`{}`, false, noData},
		{`{"action":"sendmessage","Data":"x"}`, false, noData},
		{`{"action":"sendmessage","data":7}`, false, notString},
		{`{"action":"sendmessage","data":{"text":"x"}}`, false, notString},
		{`{"action":"sendmessage","data":["x"]}`, false, notString},
		{`{"action":"sendmessage","data":null}`, false, notString},
		{`{"action":"sendmessage","data":true}`, false, notString},
		{`{"action":"sendmessage","data":""}`, false, `{"error":"\"data\" is empty"}`},
		{`{"action":"sendmessage","data":"123456789"}`, false, `{"error":"\"data\" is longer than 8 bytes"}`},
		{`{"action":"sendmessage","data":"ééééé"}`, false, `{"error":"\"data\" is longer than 8 bytes"}`}, // 5 characters, 10 bytes
	}
	c := newChat(t)
	ids := []string{"bob", "carol", "sender"}
	c.store(t, t0.Add(-time.Hour), ids...)
	c.api.answer("carol", answerGone) // a broadcast would delete it
	h := c.handler(t, wschat.RouteSend, wschat.EnvMaxMessageBytes, "8")
	for i, tc := range cases {
		req := request("sender", tc.body)
		req.IsBase64Encoded = tc.base64
		res, err := h.Handle(context.Background(), req)
		if err != nil || res.StatusCode != http.StatusOK || res.Body != tc.wantFrame {
			t.Errorf("%q: %+v %v; want 400 %s", tc.body, res, err, tc.wantFrame)
		}
		got := c.api.received("sender")
		if len(got) != i+1 || string(got[i]) != tc.wantFrame {
			t.Errorf("%q: the sender received %q, want one more frame %s", tc.body, got, tc.wantFrame)
		}
	}
	if got := c.api.receivers(); !slices.Equal(got, []string{"sender"}) {
		t.Errorf("received by %v: want the sender alone", got)
	}
	if got := c.api.attemptsOf("carol"); got != 0 {
		t.Errorf("carol was posted to %d times", got)
	}
	if got := c.ids(t); !slices.Equal(got, ids) {
		t.Errorf("table %v", got)
	}
	// The same message, well formed and base64-encoded, is broadcast.
	req := request("sender", base64.StdEncoding.EncodeToString([]byte(`{"action":"sendmessage","data":"12345678"}`)))
	req.IsBase64Encoded = true
	if res, err := h.Handle(context.Background(), req); err != nil || res.StatusCode != http.StatusOK {
		t.Errorf("8 bytes, base64-encoded: %+v %v", res, err)
	}
	if got := c.api.received("bob"); len(got) != 1 || string(got[0]) != "12345678" {
		t.Errorf("bob received %q", got)
	}
}

func TestTheDefaultRouteTellsTheSenderAloneTheSendAction(t *testing.T) {
	c := newChat(t)
	c.store(t, t0.Add(-time.Hour), "bob", "sender")
	h := c.handler(t, wschat.RouteDefault, wschat.EnvSendAction, "chat")
	res, err := h.Handle(context.Background(), request("sender", `{"action":"dance","data":"x"}`))
	want := `{"error":"unknown action; send {\"action\":\"chat\",\"data\":\"…\"}"}`
	if err != nil || res.StatusCode != http.StatusOK || res.Body != want {
		t.Errorf("%+v %v; want 400 %s", res, err, want)
	}
	if got := c.api.received("sender"); len(got) != 1 || string(got[0]) != want {
		t.Errorf("the sender received %q", got)
	}
	if got := c.api.receivers(); !slices.Equal(got, []string{"sender"}) {
		t.Errorf("received by %v", got)
	}
}

func TestTheManagementEndpointIsTheRequestsCallbackURLOneClientEach(t *testing.T) {
	var asked []string
	h := &Handler{
		Config: wschat.Config{Route: wschat.RouteDefault, SendAction: wschat.DefaultSendAction},
		Region: "eu-west-1", Log: slog.New(slog.DiscardHandler),
		NewPoster: func(endpoint string) Poster { asked = append(asked, endpoint); return &countingPoster{} },
	}
	for _, s := range []string{"dev", "dev", "prod_2", "dev"} {
		req := request("abc", "{}")
		req.RequestContext.Stage = s
		req.RequestContext.DomainName = "chat.example.com" // a custom domain: not the callback URL
		if _, err := h.Handle(context.Background(), req); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"https://" + testID + ".execute-api.eu-west-1.amazonaws.com/dev", "https://" + testID + ".execute-api.eu-west-1.amazonaws.com/prod_2"}
	if !slices.Equal(asked, want) {
		t.Errorf("clients for %v, want %v", asked, want)
	}
	for _, bad := range [][3]string{
		{"evil.example.com/x?", "eu-west-1", "dev"}, {"", "eu-west-1", "dev"}, {testID, "eu-west-1", "dev/../x"},
		{testID, "eu-west-1", ""}, {testID, "example.com#", "dev"},
	} {
		if ep, err := ManagementEndpoint(bad[0], bad[1], bad[2]); err == nil {
			t.Errorf("%q: %s", bad, ep)
		}
	}
	if ep, _ := ManagementEndpoint("abc123", "cn-north-1", "dev"); ep != "https://abc123.execute-api.cn-north-1.amazonaws.com.cn/dev" {
		t.Errorf("China: %s", ep)
	}
	// A malformed request builds no client: the send route answers 500.
	h.Config.Route, h.DB = wschat.RouteSend, &memTable{ids: []string{"abc"}}
	req := request("abc", `{"action":"sendmessage","data":"x"}`)
	req.RequestContext.APIID = "evil.example.com/x?"
	if res, _ := h.Handle(context.Background(), req); res.StatusCode != http.StatusInternalServerError || len(asked) != 2 {
		t.Errorf("%+v, clients for %v", res, asked)
	}
	// A fixed endpoint (a local run) is used whatever the request says.
	h.Endpoint = "http://127.0.0.1:1/local"
	if res, _ := h.Handle(context.Background(), req); res.StatusCode != http.StatusOK || asked[len(asked)-1] != h.Endpoint {
		t.Errorf("%+v, clients for %v", res, asked)
	}
}

func TestNewHandlerReadsTheContractsEnvironment(t *testing.T) {
	env := map[string]string{
		wschat.EnvTableName: "connections", wschat.EnvRoute: wschat.RouteSend, wschat.EnvSendAction: "chat",
		wschat.EnvMaxMessageBytes: "1000", wschat.EnvConcurrency: "8", wschat.EnvScanPageSize: "50", wschat.EnvDeadline: "20s",
		"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "SECRET",
	}
	h, err := newHandler(func(k string) string { return env[k] })
	want := wschat.Config{TableName: "connections", Route: wschat.RouteSend, SendAction: "chat", MaxMessageBytes: 1000, Concurrency: 8,
		ScanPageSize: 50, Deadline: 20 * time.Second}
	if err != nil || h.Config != want || h.DB == nil || h.NewPoster == nil || h.Region != "eu-west-1" || h.Endpoint != "" {
		t.Fatalf("got %+v %v", h, err)
	}
	env["AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI"] = "http://127.0.0.1:9999/dev"
	if h, err := newHandler(func(k string) string { return env[k] }); err != nil || h.Endpoint != "http://127.0.0.1:9999/dev" {
		t.Errorf("a local run's endpoint: %+v %v", h, err)
	}
	for name, value := range map[string]string{
		wschat.EnvTableName: "", wschat.EnvRoute: "broadcast", wschat.EnvSendAction: "$default", wschat.EnvConcurrency: "0",
		wschat.EnvMaxMessageBytes: "200000", wschat.EnvScanPageSize: "-1", wschat.EnvDeadline: "29s",
		"AWS_REGION": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI": "127.0.0.1:9999",
	} {
		_, err := newHandler(func(k string) string {
			if k == name {
				return value
			}
			return env[k]
		})
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%q: want an error naming it, got %v", name, value, err)
		}
	}
}

func BenchmarkBroadcastPerRecipient(b *testing.B) {
	const recipients = 1000
	ids := make([]string, recipients)
	for i := range ids {
		ids[i] = fmt.Sprintf("Conn%06d=", i)
	}
	p := &countingPoster{}
	h := &Handler{
		Config: wschat.Config{TableName: table, Route: wschat.RouteSend, SendAction: wschat.DefaultSendAction,
			MaxMessageBytes: wschat.DefaultMaxMessageBytes, Concurrency: wschat.DefaultConcurrency, ScanPageSize: 100, Deadline: wschat.DefaultDeadline},
		DB: &memTable{ids: ids}, Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return t0 },
	}
	data := []byte(strings.Repeat("x", 256))
	b.ReportAllocs()
	for b.Loop() {
		if sum, err := h.Broadcast(context.Background(), p, data); err != nil || sum.Sent != recipients {
			b.Fatalf("%+v %v", sum, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*recipients), "ns/recipient")
}
