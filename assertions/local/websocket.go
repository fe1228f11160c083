package local

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/coder/websocket"
)

// The WebSocket API quotas the gateway enforces (Amazon API Gateway
// developer guide, "Amazon API Gateway quotas for configuring and running a
// WebSocket API").
const (
	// WebSocketMaxMessage is the largest message API Gateway accepts, 128 KB;
	// a larger one closes the connection with status 1009 before any route
	// runs.
	WebSocketMaxMessage = 128 * 1024
	// WebSocketMaxFrame is the largest frame, 32 KB: a larger one closes the
	// connection with 1009 too. coder/websocket reassembles frames before
	// the gateway sees a message, so the gateway treats every message as
	// one frame, as browsers and wscat send them: over 32 KB, it closes.
	// (AWS accepts a fragmented message up to 128 KB; the gateway does not.)
	WebSocketMaxFrame = 32 * 1024
	// WebSocketIdleTimeout closes a connection that sent nothing for 10
	// minutes.
	WebSocketIdleTimeout = 10 * time.Minute
)

// WebSocketAPI emulates, on 127.0.0.1, a WebSocket API of a synthesized
// template as API Gateway runs it: it accepts real WebSocket clients,
// selects each message's route with the API's route selection expression,
// invokes the route's Lambda proxy integration (a Function) with the event
// API Gateway sends, and serves the @connections management API. Each
// behaviour names the API Gateway documentation it follows.
type WebSocketAPI struct {
	// URL is the stage's ws:// URL, like the deployed wss:// one.
	URL string
	// CallbackURL is the @connections endpoint, stage included: the value
	// for a handler's AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI.
	CallbackURL string
	// Stage is the template's stage name.
	Stage string
	// IdleTimeout closes a silent connection. Default: WebSocketIdleTimeout.
	IdleTimeout time.Duration
	// LoseDisconnects models $disconnect as what it is, best-effort ("Working
	// with routes for WebSocket APIs": API Gateway tries its best to deliver
	// the $disconnect event but cannot guarantee it): when set, the gateway
	// notices closed connections but invokes no $disconnect.
	LoseDisconnects bool
	// NewConnectionID makes connection ids. Default: 16 characters of
	// standard base64 ending in "=", the shape of API Gateway's (which may
	// hold "+", "/" and "=").
	NewConnectionID func() string
	// Functions serve the routes' integrations, by the function's logical
	// id (RouteFunctions names them). Set them once the gateway listens, so
	// that their environment can name CallbackURL.
	Functions map[string]*Function

	selection string            // the body field the route selection expression reads
	routes    map[string]string // route key → function logical id
	srv       *http.Server
	host      string
	wg        sync.WaitGroup

	mu      sync.Mutex
	closing bool // Close was called: no more $disconnect
	conns   map[string]*wsConn
	order   []string // connection ids, in connect order
	events  []string // what happened, for a test's failure message
}

type wsConn struct {
	id                    string
	c                     *websocket.Conn
	idle                  *time.Timer // closes the connection after IdleTimeout without traffic
	connectedAt, lastSeen time.Time
	sourceIP, userAgent   string
	gone                  chan struct{} // closed once the gateway noticed the connection closed
}

// StartWebSocketAPI serves the template's WebSocket API until the test
// ends; set its Functions before a client connects.
func StartWebSocketAPI(t testing.TB, template map[string]any) *WebSocketAPI {
	t.Helper()
	api, err := NewWebSocketAPI(template)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := api.Close(); err != nil {
			t.Errorf("stopping the WebSocket API: %v", err)
		}
	})
	return api
}

// NewWebSocketAPI reads the template's one WebSocket API (its route
// selection expression, routes, Lambda proxy integrations and stage) and
// starts serving it; Close stops it.
func NewWebSocketAPI(template map[string]any) (*WebSocketAPI, error) {
	a := &WebSocketAPI{routes: map[string]string{}, conns: map[string]*wsConn{}, IdleTimeout: WebSocketIdleTimeout, NewConnectionID: connectionID}
	if err := a.read(template); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	a.host = ln.Addr().String()
	a.URL = "ws://" + a.host + "/" + a.Stage
	a.CallbackURL = "http://" + a.host + "/" + a.Stage
	mux := http.NewServeMux()
	mux.HandleFunc("GET /"+a.Stage, a.serveConnect)
	mux.HandleFunc("POST /"+a.Stage+"/@connections/{id}", a.servePost)
	mux.HandleFunc("GET /"+a.Stage+"/@connections/{id}", a.serveGet)
	mux.HandleFunc("DELETE /"+a.Stage+"/@connections/{id}", a.serveDelete)
	a.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = a.srv.Serve(ln) }() // Serve returns ErrServerClosed on Close
	return a, nil
}

// read finds the API, its routes and their functions in the template.
func (a *WebSocketAPI) read(template map[string]any) error {
	resources, _ := template["Resources"].(map[string]any)
	integrations := map[string]string{} // integration logical id → function logical id
	var apis []string
	for id, r := range resources {
		res, _ := r.(map[string]any)
		props, _ := res["Properties"].(map[string]any)
		switch res["Type"] {
		case "AWS::ApiGatewayV2::Api":
			if props["ProtocolType"] != "WEBSOCKET" {
				continue
			}
			apis = append(apis, id)
			expr, _ := props["RouteSelectionExpression"].(string)
			// Only $request.body.<path> selections are modelled ("Working
			// with routes for WebSocket APIs", route selection expressions).
			path, ok := strings.CutPrefix(expr, "$request.body.")
			if !ok || path == "" {
				return fmt.Errorf("%s: route selection expression %q is not $request.body.<path>", id, expr)
			}
			a.selection = path
		case "AWS::ApiGatewayV2::Integration":
			if props["IntegrationType"] != "AWS_PROXY" {
				return fmt.Errorf("%s: only Lambda proxy integrations are modelled, not %v", id, props["IntegrationType"])
			}
			fn := getAttArn(props["IntegrationUri"])
			if fn == "" {
				return fmt.Errorf("%s: no function in IntegrationUri %s", id, mustJSON(props["IntegrationUri"]))
			}
			integrations[id] = fn
		case "AWS::ApiGatewayV2::Stage":
			a.Stage, _ = props["StageName"].(string)
		}
	}
	if len(apis) != 1 {
		return fmt.Errorf("want one WebSocket API in the template, found %v", apis)
	}
	for id, r := range resources {
		res, _ := r.(map[string]any)
		if res["Type"] != "AWS::ApiGatewayV2::Route" {
			continue
		}
		props, _ := res["Properties"].(map[string]any)
		key, _ := props["RouteKey"].(string)
		integration := ""
		targetProp, _ := props["Target"].(map[string]any)
		if target, ok := targetProp["Fn::Join"].([]any); ok && len(target) == 2 {
			parts, _ := target[1].([]any)
			for _, part := range parts {
				if m, ok := part.(map[string]any); ok {
					integration, _ = m["Ref"].(string)
				}
			}
		}
		fn := integrations[integration]
		if fn == "" {
			return fmt.Errorf("route %s (%s): no Lambda integration %q", key, id, integration)
		}
		a.routes[key] = fn
	}
	if a.Stage == "" {
		return errors.New("the template has no AWS::ApiGatewayV2::Stage")
	}
	return nil
}

// getAttArn finds the function of a Lambda integration URI: the logical id
// in its Fn::GetAtt [id, Arn].
func getAttArn(v any) string {
	switch x := v.(type) {
	case map[string]any:
		if ga, ok := x["Fn::GetAtt"].([]any); ok && len(ga) == 2 && ga[1] == "Arn" {
			s, _ := ga[0].(string)
			return s
		}
		for _, y := range x {
			if s := getAttArn(y); s != "" {
				return s
			}
		}
	case []any:
		for _, y := range x {
			if s := getAttArn(y); s != "" {
				return s
			}
		}
	}
	return ""
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// connectionID makes an id like API Gateway's: 11 random bytes in standard
// base64, 16 characters with a trailing "=".
func connectionID() string {
	b := make([]byte, 11)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.StdEncoding.EncodeToString(b)
}

// Close closes every connection (without $disconnect) and stops serving.
func (a *WebSocketAPI) Close() error {
	a.mu.Lock()
	a.closing = true
	for _, c := range a.conns {
		_ = c.c.CloseNow()
	}
	a.mu.Unlock()
	err := a.srv.Close()
	a.wg.Wait()
	return err
}

// RouteFunctions are the functions' logical ids, by route key.
func (a *WebSocketAPI) RouteFunctions() map[string]string {
	out := map[string]string{}
	for k, v := range a.routes {
		out[k] = v
	}
	return out
}

// function is the route's Function, or nil.
func (a *WebSocketAPI) function(route string) *Function {
	id, ok := a.routes[route]
	if !ok {
		return nil
	}
	if f := a.Functions[id]; f != nil {
		return f
	}
	a.logf("%s: no Function %s in WebSocketAPI.Functions", route, id)
	return nil
}

// ConnectionIDs are the ids of every connection so far, in connect order.
func (a *WebSocketAPI) ConnectionIDs() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.order...)
}

// WaitGone waits until the gateway has noticed that connection id closed.
func (a *WebSocketAPI) WaitGone(ctx context.Context, id string) error {
	a.mu.Lock()
	c := a.conns[id]
	a.mu.Unlock()
	if c == nil {
		return fmt.Errorf("no connection %q", id)
	}
	select {
	case <-c.gone:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("connection %q still open: %w", id, ctx.Err())
	}
}

// Events is what the gateway did, one line each, for a test's message.
func (a *WebSocketAPI) Events() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return strings.Join(a.events, "\n")
}

func (a *WebSocketAPI) logf(format string, args ...any) {
	a.mu.Lock()
	a.events = append(a.events, fmt.Sprintf(format, args...))
	a.mu.Unlock()
}

// event is the Lambda proxy event of a route ("Set up a WebSocket API
// integration request in API Gateway"; its shape is aws-lambda-go's
// APIGatewayWebsocketProxyRequest).
func (a *WebSocketAPI) event(c *wsConn, route, eventType string, body []byte) events.APIGatewayWebsocketProxyRequest {
	now := time.Now()
	rid := connectionID()
	e := events.APIGatewayWebsocketProxyRequest{
		RequestContext: events.APIGatewayWebsocketProxyRequestContext{
			RouteKey: route, EventType: eventType, MessageDirection: "IN", Stage: a.Stage, APIID: "local",
			DomainName: a.host, ConnectionID: c.id, ConnectedAt: c.connectedAt.UnixMilli(), RequestID: rid, ExtendedRequestID: rid,
			RequestTime: now.UTC().Format("02/Jan/2006:15:04:05 -0700"), RequestTimeEpoch: now.UnixMilli(),
			Identity: events.APIGatewayRequestIdentity{SourceIP: c.sourceIP, UserAgent: c.userAgent},
		},
	}
	if eventType == "MESSAGE" {
		e.RequestContext.MessageID = rid
		e.Body = string(body)
	}
	return e
}

// invoke runs a route's function within API Gateway's 29-second integration
// timeout ("Amazon API Gateway quotas for configuring and running a
// WebSocket API") and returns its status code, or 0 when the integration
// failed.
func (a *WebSocketAPI) invoke(ctx context.Context, fn *Function, e events.APIGatewayWebsocketProxyRequest) int {
	payload, err := json.Marshal(e)
	if err != nil {
		return 0
	}
	timeout := DefaultIntegrationTimeout
	if fn.Timeout > 0 && fn.Timeout < timeout {
		timeout = fn.Timeout
	}
	inv, err := fn.Invoke(ctx, payload, timeout)
	route := e.RequestContext.RouteKey
	switch {
	case err != nil:
		a.logf("%s %s: %v", route, e.RequestContext.ConnectionID, err)
		return 0
	case inv.TimedOut || inv.Error != nil:
		a.logf("%s %s: integration failed: timed out %v, %+v", route, e.RequestContext.ConnectionID, inv.TimedOut, inv.Error)
		return 0
	}
	var resp events.APIGatewayProxyResponse
	if err := json.Unmarshal(inv.Payload, &resp); err != nil {
		a.logf("%s %s: malformed Lambda proxy response %s", route, e.RequestContext.ConnectionID, inv.Payload)
		return 0
	}
	a.logf("%s %s: %d", route, e.RequestContext.ConnectionID, resp.StatusCode)
	return resp.StatusCode
}

// serveConnect runs $connect before the handshake completes: a 2xx from
// its integration accepts the connection, anything else refuses it ("Working
// with routes for WebSocket APIs", $connect; "Set up a WebSocket API
// integration response": a non-2xx $connect response rejects the
// connection). A failed integration is refused with 500 here; what AWS
// answers then is not documented.
func (a *WebSocketAPI) serveConnect(w http.ResponseWriter, r *http.Request) {
	c := &wsConn{id: a.NewConnectionID(), connectedAt: time.Now(), gone: make(chan struct{}), userAgent: r.UserAgent()}
	c.sourceIP, _, _ = net.SplitHostPort(r.RemoteAddr)
	if fn := a.function("$connect"); fn != nil {
		e := a.event(c, "$connect", "CONNECT", nil)
		e.Headers, e.MultiValueHeaders = map[string]string{}, map[string][]string{}
		for k, v := range r.Header {
			e.Headers[k], e.MultiValueHeaders[k] = v[len(v)-1], v
		}
		if q := r.URL.Query(); len(q) > 0 {
			e.QueryStringParameters, e.MultiValueQueryStringParameters = map[string]string{}, map[string][]string(q)
			for k, v := range q {
				e.QueryStringParameters[k] = v[len(v)-1]
			}
		}
		if status := a.invoke(r.Context(), fn, e); status < 200 || status > 299 {
			if status == 0 {
				status = http.StatusInternalServerError
			}
			http.Error(w, http.StatusText(status), status)
			return
		}
	}
	ws, err := websocket.Accept(w, r, nil)
	if err != nil {
		a.logf("$connect %s: handshake: %v", c.id, err)
		return
	}
	ws.SetReadLimit(WebSocketMaxMessage) // larger: closed with 1009
	c.c, c.lastSeen = ws, time.Now()
	a.mu.Lock()
	a.conns[c.id], a.order = c, append(a.order, c.id)
	a.mu.Unlock()
	a.wg.Add(1)
	defer a.wg.Done()
	a.readLoop(c)
}

// readLoop routes each message until the connection closes, then runs
// $disconnect.
func (a *WebSocketAPI) readLoop(c *wsConn) {
	ctx := context.Background()
	// A connection without traffic for IdleTimeout is closed. The quotas
	// page gives the 10 minutes, not the close code (1001 here) nor which
	// traffic counts: messages both ways, as third parties report
	// (andyrichardson/subscriptionless#3), so servePost resets it too. A
	// timer, since a cancelled Read drops a connection without a close frame.
	a.mu.Lock()
	c.idle = time.AfterFunc(a.IdleTimeout, func() { _ = c.c.Close(websocket.StatusGoingAway, "Going away") })
	a.mu.Unlock()
	defer c.idle.Stop()
	for {
		typ, data, err := c.c.Read(ctx)
		if err != nil {
			a.logf("closed %s: %v", c.id, err)
			break
		}
		c.idle.Reset(a.IdleTimeout)
		switch {
		// API Gateway closes a connection that sends a binary frame with
		// 1003 ("Binary media types for WebSocket APIs in API Gateway").
		case typ == websocket.MessageBinary:
			_ = c.c.Close(websocket.StatusUnsupportedData, "Binary frames are not supported")
			continue
		case len(data) > WebSocketMaxFrame:
			_ = c.c.Close(websocket.StatusMessageTooBig, "Message too big")
			continue
		}
		a.mu.Lock()
		c.lastSeen = time.Now()
		a.mu.Unlock()
		route := a.route(data)
		if fn := a.function(route); fn != nil {
			e := a.event(c, route, "MESSAGE", data)
			if status := a.invoke(ctx, fn, e); status == 0 {
				// A failed integration answers the sender even on a one-way
				// route (undocumented; observed in
				// aws-samples/simple-websockets-chat-app#42).
				msg := fmt.Sprintf(`{"message": "Internal server error", "connectionId":%q, "requestId":%q}`, c.id, e.RequestContext.RequestID)
				_ = c.c.Write(ctx, websocket.MessageText, []byte(msg))
			}
		}
	}
	close(c.gone)
	a.mu.Lock()
	closing := a.closing
	a.mu.Unlock()
	if fn := a.function("$disconnect"); fn != nil && !a.LoseDisconnects && !closing {
		a.invoke(ctx, fn, a.event(c, "$disconnect", "DISCONNECT", nil))
	}
}

// route evaluates the route selection expression on a message: the value
// at the body's path, a scalar made a string, if the message is JSON and a
// route has that key; otherwise $default ("Working with routes for
// WebSocket APIs": a message that is not JSON, or whose value matches no
// route key, goes to $default). A value naming a $ route also goes to
// $default: our assumption, which the page does not cover.
func (a *WebSocketAPI) route(data []byte) string {
	var v any
	if json.Unmarshal(data, &v) != nil {
		return "$default"
	}
	for _, part := range strings.Split(a.selection, ".") {
		obj, ok := v.(map[string]any)
		if !ok {
			return "$default"
		}
		v = obj[part]
	}
	var key string
	switch x := v.(type) {
	case string:
		key = x
	case float64, bool:
		key = fmt.Sprint(x)
	default:
		return "$default"
	}
	if _, known := a.routes[key]; !known || strings.HasPrefix(key, "$") {
		return "$default"
	}
	return key
}

// live is the connection id, if it is open.
func (a *WebSocketAPI) live(id string) *wsConn {
	a.mu.Lock()
	c := a.conns[id]
	a.mu.Unlock()
	if c == nil {
		return nil
	}
	select {
	case <-c.gone:
		return nil
	default:
		return c
	}
}

// gone answers a request for a connection that is not open: 410 with
// GoneException ("Use @connections commands in your backend service").
func gone(w http.ResponseWriter, id string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Errortype", "GoneException")
	w.WriteHeader(http.StatusGone)
	_, _ = fmt.Fprintf(w, `{"message":%s}`, strconv.Quote("connection "+id+" is gone"))
}

// servePost sends the body to the connection as one message: POST
// @connections/{id} (PostToConnection; its data is at most 128 KB, else
// 413 PayloadTooLargeException).
func (a *WebSocketAPI) servePost(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	body, err := io.ReadAll(io.LimitReader(r.Body, WebSocketMaxMessage+1))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if len(body) > WebSocketMaxMessage {
		w.Header().Set("X-Amzn-Errortype", "PayloadTooLargeException")
		http.Error(w, `{"message":"payload too large"}`, http.StatusRequestEntityTooLarge)
		return
	}
	c := a.live(id)
	if c == nil {
		a.logf("POST %s: 410", id)
		gone(w, id)
		return
	}
	if err := c.c.Write(r.Context(), websocket.MessageText, body); err != nil {
		a.logf("POST %s: write failed, 410: %v", id, err)
		gone(w, id)
		return
	}
	a.mu.Lock()
	if c.idle != nil {
		c.idle.Reset(a.IdleTimeout)
	}
	a.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// serveGet describes the connection: GET @connections/{id}
// (GetConnection: connectedAt, identity, lastActiveAt).
func (a *WebSocketAPI) serveGet(w http.ResponseWriter, r *http.Request) {
	c := a.live(r.PathValue("id"))
	if c == nil {
		gone(w, r.PathValue("id"))
		return
	}
	a.mu.Lock()
	doc := map[string]any{
		"connectedAt": c.connectedAt.UTC().Format(time.RFC3339), "lastActiveAt": c.lastSeen.UTC().Format(time.RFC3339),
		"identity": map[string]string{"sourceIp": c.sourceIP, "userAgent": c.userAgent},
	}
	a.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(doc)
}

// serveDelete closes the connection from the backend: DELETE
// @connections/{id} (DeleteConnection; 204, and $disconnect follows).
func (a *WebSocketAPI) serveDelete(w http.ResponseWriter, r *http.Request) {
	c := a.live(r.PathValue("id"))
	if c == nil {
		gone(w, r.PathValue("id"))
		return
	}
	_ = c.c.Close(websocket.StatusNormalClosure, "")
	w.WriteHeader(http.StatusNoContent)
}

// Open are the ids of the connections that are open now, sorted.
func (a *WebSocketAPI) Open() []string {
	var out []string
	for _, id := range a.ConnectionIDs() {
		if a.live(id) != nil {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}
