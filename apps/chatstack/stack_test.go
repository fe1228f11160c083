package chatstack_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/jsii-runtime-go"
	"github.com/coder/websocket"

	"github.com/blueprints-cdk/blueprints/apps/chatstack"
	"github.com/blueprints-cdk/blueprints/apps/chatstack/smoke"
	"github.com/blueprints-cdk/blueprints/assertions"
	"github.com/blueprints-cdk/blueprints/assertions/local"
	"github.com/blueprints-cdk/blueprints/constructs/wschat"
)

var chatStack = assertions.Cached(func(app awscdk.App) awscdk.Stack {
	return chatstack.NewChatStack(app, "ChatStack", &chatstack.Props{
		StackProps: awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("us-east-1")}},
	}).Stack
})

func TestSuite(t *testing.T) { assertions.Suite(t, chatStack(t)) }

// The next deployment replaces nothing after a new handler build, a new
// tag on every resource, or another message limit.
func TestUpdateSafety(t *testing.T) {
	before := chatStack(t)
	synth := func(build func(app awscdk.App) awscdk.Stack) *assertions.Result {
		r, err := assertions.Synth(build, assertions.WithoutValidation())
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	env := awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("us-east-1")}}
	for name, after := range map[string]*assertions.Result{
		"new handler build": assertions.NextBuild(before),
		"new tag": synth(func(app awscdk.App) awscdk.Stack {
			awscdk.Tags_Of(app).Add(jsii.String("cost-center"), jsii.String("chat"), nil)
			return chatstack.NewChatStack(app, "ChatStack", &chatstack.Props{StackProps: env}).Stack
		}),
		"another message limit": synth(func(app awscdk.App) awscdk.Stack {
			return chatstack.NewChatStack(app, "ChatStack", &chatstack.Props{StackProps: env, Chat: &wschat.Props{MaxMessageBytes: jsii.Number(4096)}}).Stack
		}),
	} {
		t.Run(name, func(t *testing.T) { assertions.UpdateSafe(t, before, after, nil) })
	}
}

func TestTheUrlsAreOutputs(t *testing.T) {
	r := chatStack(t)
	outputs := assertions.JSON(r.JSON["Outputs"])
	for _, want := range []string{`"WebSocketUrl":{"Description"`, `"wss://"`, `"CallbackUrl":{"Description"`, `"https://"`, `/dev"`} {
		if !strings.Contains(outputs, want) {
			t.Errorf("outputs %s lack %s", outputs, want)
		}
	}
}

// room is the deployed chat room on this machine: the gateway, the four
// functions (the real handler binary under a local Runtime API) and the
// connections table in dynalite.
type room struct {
	api   *local.WebSocketAPI
	db    *dynamodb.Client
	table string
}

func startRoom(t testing.TB, extra map[string]string) *room {
	t.Helper()
	r := chatStack(t)
	d := local.StartDynalite(t)
	refs, err := d.CreateTables(t.Context(), r.JSON)
	if err != nil {
		t.Fatal(err)
	}
	api := local.StartWebSocketAPI(t, r.JSON)
	dirs := map[string]string{}
	for _, fn := range api.RouteFunctions() {
		dirs[fn] = "lambda/wschat"
	}
	env := map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": d.Endpoint, "AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI": api.CallbackURL}
	for k, v := range extra {
		env[k] = v
	}
	api.Functions = local.StartFunctionsEnv(t, r.JSON, dirs, refs, env)
	table := refs[assertions.OnlyLogicalID(t, r, "AWS::DynamoDB::Table", nil)]
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("gateway:\n%s", api.Events())
		}
	})
	return &room{api: api, db: d.Client(), table: table}
}

// client is a connected client of the room.
type client struct{ *smoke.Client }

func (r *room) dial(t testing.TB) *client {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	before := len(r.api.ConnectionIDs())
	c, err := smoke.Dial(ctx, r.api.URL)
	if err != nil {
		t.Fatal(err)
	}
	// The gateway records the connection just after the handshake the
	// client has seen.
	if !eventually(func() bool { return len(r.api.ConnectionIDs()) > before }) {
		t.Fatal("the gateway did not record the connection")
	}
	t.Cleanup(func() { _ = c.Conn.CloseNow() })
	return &client{c}
}

func (cl *client) send(t *testing.T, msg string) {
	t.Helper()
	if err := cl.Conn.Write(t.Context(), websocket.MessageText, []byte(msg)); err != nil {
		t.Fatalf("sending: %v", err)
	}
}

// read is the next message, or an error: the connection's, or a timeout
// after wait.
func (cl *client) read(wait time.Duration) (string, error) { return cl.Next(wait) }

// eventually waits up to 30 s for ok.
func eventually(ok func() bool) bool {
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if ok() {
			return true
		}
	}
	return ok()
}

func (r *room) ids(t *testing.T) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	p := dynamodb.NewScanPaginator(r.db, &dynamodb.ScanInput{TableName: aws.String(r.table)})
	for p.HasMorePages() {
		page, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, item := range page.Items {
			out[item["connectionId"].(*types.AttributeValueMemberS).Value] = true
		}
	}
	return out
}

// Three clients connect; one sends; all three receive the data, and a bad
// message gets an error frame to its sender only.
func TestThreeClientsChat(t *testing.T) {
	r := startRoom(t, nil)
	clients := []*client{r.dial(t), r.dial(t), r.dial(t)}
	if got := r.ids(t); len(got) != 3 {
		t.Fatalf("table after three connects: %v", got)
	}
	clients[0].send(t, `{"action":"sendmessage","data":"hello world"}`)
	for i, c := range clients {
		if got, err := c.read(10 * time.Second); got != "hello world" || err != nil {
			t.Errorf("client %d got %q, %v", i, got, err)
		}
	}
	// Byte for byte, quotes, markup, emoji and NUL included.
	tricky := "\"'</script>😀\u0000"
	clients[1].send(t, `{"action":"sendmessage","data":"\"'</script>😀\u0000"}`)
	for i, c := range clients {
		if got, err := c.read(10 * time.Second); got != tricky || err != nil {
			t.Errorf("client %d got %q, %v, want %q", i, got, err, tricky)
		}
	}
	for name, msg := range map[string]string{
		"not JSON":       `hello`,
		"no data":        `{"action":"sendmessage"}`,
		"number data":    `{"action":"sendmessage","data":5}`,
		"oversized data": `{"action":"sendmessage","data":"` + strings.Repeat("x", 30*1024+1) + `"}`,
		"unknown action": `{"action":"shout","data":"hi"}`,
	} {
		t.Run(name, func(t *testing.T) {
			clients[0].send(t, msg)
			got, err := clients[0].read(10 * time.Second)
			if err != nil || !strings.HasPrefix(got, `{"error":`) {
				t.Errorf("sender got %q, %v; want an error frame", got, err)
			}
			for i, c := range clients[1:] {
				if got, err := c.read(300 * time.Millisecond); !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("client %d got %q (%v): a bad message was broadcast", i+1, got, err)
				}
			}
		})
	}
}

// A client that vanishes without $disconnect (which API Gateway delivers
// on a best-effort basis only): once the gateway has noticed the closed
// connection, the next broadcast gets 410 Gone for it and deletes exactly
// its row.
func TestAVanishedConnectionIsDeletedOnTheNextBroadcast(t *testing.T) {
	r := startRoom(t, nil)
	r.api.LoseDisconnects = true
	a, b, c := r.dial(t), r.dial(t), r.dial(t)
	ids := r.api.ConnectionIDs()
	if err := c.Conn.CloseNow(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := r.api.WaitGone(ctx, ids[2]); err != nil {
		t.Fatal(err)
	}
	if got := r.ids(t); !got[ids[2]] {
		t.Fatalf("with $disconnect lost, the row stays until a broadcast: %v", got)
	}
	// The handler keeps the row of a connection younger than its
	// ConnectGrace (a post during $connect is also a 410): this one
	// connected a minute ago.
	if _, err := r.db.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{
		TableName: aws.String(r.table), Key: map[string]types.AttributeValue{"connectionId": &types.AttributeValueMemberS{Value: ids[2]}},
		UpdateExpression:          aws.String("SET connectedAt = :t"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": &types.AttributeValueMemberN{Value: fmt.Sprint(time.Now().Add(-time.Minute).UnixMilli())}},
	}); err != nil {
		t.Fatal(err)
	}
	a.send(t, `{"action":"sendmessage","data":"still here?"}`)
	for i, conn := range []*client{a, b} {
		if got, err := conn.read(10 * time.Second); got != "still here?" || err != nil {
			t.Errorf("client %d got %q, %v", i, got, err)
		}
	}
	if !eventually(func() bool { return len(r.ids(t)) == 2 }) || !r.ids(t)[ids[0]] || !r.ids(t)[ids[1]] {
		t.Errorf("after the broadcast the table holds %v, want %s and %s", r.ids(t), ids[0], ids[1])
	}
}

// 2,500 stored connections, read in scan pages of 100: every one is
// posted to. The 2,497 that are not connected answer 410 and are deleted,
// which proves each got its post; the three clients get the message.
func TestABroadcastReachesEveryStoredConnection(t *testing.T) {
	r := startRoom(t, map[string]string{"SCAN_PAGE_SIZE": "100"})
	clients := []*client{r.dial(t), r.dial(t), r.dial(t)}
	var batch []types.WriteRequest
	flush := func() {
		if len(batch) == 0 {
			return
		}
		out, err := r.db.BatchWriteItem(t.Context(), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{r.table: batch}})
		if err != nil || len(out.UnprocessedItems) > 0 {
			t.Fatalf("storing connections: %v %v", err, out)
		}
		batch = nil
	}
	for i := range 2497 {
		batch = append(batch, types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{
			"connectionId": &types.AttributeValueMemberS{Value: fmt.Sprintf("stored%04d=", i)},
			"connectedAt":  &types.AttributeValueMemberN{Value: "0"},
		}}})
		if len(batch) == 25 {
			flush()
		}
	}
	flush()
	if got := len(r.ids(t)); got != 2500 {
		t.Fatalf("stored %d connections, want 2500", got)
	}
	clients[0].send(t, `{"action":"sendmessage","data":"to everyone"}`)
	for i, c := range clients {
		if got, err := c.read(30 * time.Second); got != "to everyone" || err != nil {
			t.Errorf("client %d got %q, %v", i, got, err)
		}
	}
	if !eventually(func() bool { return len(r.ids(t)) == 3 }) {
		t.Errorf("after the broadcast %d rows remain, want the 3 live connections", len(r.ids(t)))
	}
}

// A connection id holds "+", "/" and "=", as API Gateway's do: the
// handler's @connections calls escape it, and the message arrives.
func TestAConnectionIdIsEscaped(t *testing.T) {
	r := startRoom(t, nil)
	r.api.NewConnectionID = func() string { return "a+b/c=d" }
	odd := r.dial(t)
	if got := r.ids(t); !got["a+b/c=d"] {
		t.Fatalf("table %v", got)
	}
	odd.send(t, `{"action":"sendmessage","data":"escaped"}`)
	if got, err := odd.read(10 * time.Second); got != "escaped" || err != nil {
		t.Errorf("got %q, %v", got, err)
	}
}

// $disconnect deletes the row; a message over API Gateway's 32 KB frame
// closes the connection with 1009, and a binary frame with 1003, before
// any route runs.
func TestDisconnectAndTheMessageLimit(t *testing.T) {
	r := startRoom(t, nil)
	a, b := r.dial(t), r.dial(t)
	ids := r.api.ConnectionIDs()
	if err := a.Conn.Close(websocket.StatusNormalClosure, "bye"); err != nil {
		t.Fatal(err)
	}
	eventually(func() bool { return !r.ids(t)[ids[0]] })
	if got := r.ids(t); got[ids[0]] || !got[ids[1]] {
		t.Errorf("after $disconnect of %s the table holds %v", ids[0], got)
	}
	b.send(t, strings.Repeat("x", local.WebSocketMaxFrame+1))
	_, err := b.read(10 * time.Second)
	if websocket.CloseStatus(err) != websocket.StatusMessageTooBig {
		t.Errorf("a 32 KB+1 message: %v, want close status 1009", err)
	}
	c := r.dial(t)
	if err := c.Conn.Write(t.Context(), websocket.MessageBinary, []byte(`{"action":"sendmessage","data":"x"}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.read(10 * time.Second); websocket.CloseStatus(err) != websocket.StatusUnsupportedData {
		t.Errorf("a binary frame: %v, want close status 1003", err)
	}
}

// BenchmarkBroadcastThroughTheLocalGateway is one sendmessage to 500 live
// connections, from the client's write until every client has the
// message: the real handler, its bounded concurrency and the real SDK
// client against the local gateway. recipients/s, times the broadcast's
// 25 s deadline, bounds what one invocation reaches; on AWS each post is a
// network round trip, so measure there before relying on it
// (constructs/wschat/README.md, How far one broadcast reaches).
func BenchmarkBroadcastThroughTheLocalGateway(b *testing.B) {
	r := startRoom(b, nil)
	const n = 500
	clients := make([]*client, n)
	for i := range clients {
		clients[i] = r.dial(b)
	}
	b.ResetTimer()
	for i := range b.N {
		want := fmt.Sprint("round ", i)
		if err := clients[0].Conn.Write(b.Context(), websocket.MessageText, []byte(`{"action":"sendmessage","data":"`+want+`"}`)); err != nil {
			b.Fatal(err)
		}
		for j, c := range clients {
			if got, err := c.read(30 * time.Second); got != want || err != nil {
				b.Fatalf("client %d got %q, %v", j, got, err)
			}
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "recipients/s")
}

// A connection silent for the idle timeout (10 minutes on AWS; 300 ms
// here) is closed by the gateway with 1001, and $disconnect deletes its row.
func TestAnIdleConnectionIsClosed(t *testing.T) {
	r := startRoom(t, nil)
	r.api.IdleTimeout = 300 * time.Millisecond
	idle := r.dial(t)
	id := r.api.ConnectionIDs()[0]
	_, err := idle.read(10 * time.Second)
	if websocket.CloseStatus(err) != websocket.StatusGoingAway {
		t.Errorf("idle connection: %v, want close status 1001", err)
	}
	if !eventually(func() bool { return !r.ids(t)[id] }) {
		t.Errorf("the idle connection's row stays: %v", r.ids(t))
	}
}

// The page's architecture diagram is this stack's (make diagrams).
func TestDiagram(t *testing.T) { assertions.Diagram(t, chatStack(t), "README.md") }

// Every smoke check of `make integ` passes against the synthesized stack
// on the local WebSocket gateway: the same code, another URL.
func TestSmokeChecksOffline(t *testing.T) {
	r := startRoom(t, nil)
	for _, c := range smoke.Checks() {
		t.Run(c.Name, func(t *testing.T) {
			if err := c.Run(t.Context(), r.api.URL); err != nil {
				t.Error(err)
			}
		})
	}
}
