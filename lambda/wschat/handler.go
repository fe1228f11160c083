// Package main is the handler of the wschat construct's WebSocket chat room,
// as in "Announcing WebSocket APIs in Amazon API Gateway": one binary that
// the construct deploys as four functions, one per route (ROUTE): $connect
// stores the connection in DynamoDB, $disconnect deletes it, the send
// action broadcasts the message's data to every stored connection through
// the @connections management API, and $default tells the sender which
// actions exist.
//
// Unlike the post, it deletes a gone connection by its own key, reads the
// whole table (every Scan page), answers a malformed message with a fixed
// error frame to the sender alone (never an internal error's text), bounds
// a broadcast's concurrency and duration, and keeps a connection whose post
// was throttled or failed.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	mtypes "github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/blueprints-cdk/blueprints/internal/lambdamain"
	"github.com/blueprints-cdk/blueprints/internal/wschat"
)

// ConnectGrace is how long after its $connect a connection's row survives a
// 410 GoneException. $connect stores the row before API Gateway completes
// the handshake, and a post to a connection not yet established is also
// answered 410 (AWS Knowledge Center, "How do I troubleshoot 410
// GoneException errors when posting to my API Gateway WebSocket API?"); the
// handshake waits at most for the $connect integration, whose timeout is 29
// seconds ("Amazon API Gateway quotas for configuring and running a
// WebSocket API").
const ConnectGrace = 30 * time.Second

// maxLoggedFailures bounds the failed posts logged one by one per
// broadcast; the summary counts them all.
const maxLoggedFailures = 10

// Table is the part of the DynamoDB API the handler uses; a
// *dynamodb.Client is one.
type Table interface {
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Scan(ctx context.Context, in *dynamodb.ScanInput, opts ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
}

// Poster is the part of the API Gateway management API the handler uses; a
// *apigatewaymanagementapi.Client is one.
type Poster interface {
	PostToConnection(ctx context.Context, in *apigatewaymanagementapi.PostToConnectionInput,
		opts ...func(*apigatewaymanagementapi.Options)) (*apigatewaymanagementapi.PostToConnectionOutput, error)
}

// Handler answers one route (Config.Route) of the chat room's WebSocket API.
type Handler struct {
	Config wschat.Config
	DB     Table
	// Endpoint is the management API's endpoint, stage included, when the
	// environment sets one (a local run); "" builds it from each request.
	Endpoint string
	// Region is the function's region, for the endpoint built from a request.
	Region string
	// NewPoster returns a management API client for an endpoint; the
	// handler keeps one per endpoint.
	NewPoster func(endpoint string) Poster
	Log       *slog.Logger
	Now       func() time.Time

	mu      sync.Mutex
	posters map[string]Poster
}

// newHandler builds the handler from the environment the construct set,
// through the contract package, with SDK clients for Lambda's region and
// credentials; AWS_ENDPOINT_URL_DYNAMODB and
// AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI (or AWS_ENDPOINT_URL) point them
// elsewhere for a local run. A bad configuration is an error.
func newHandler(getenv func(string) string) (*Handler, error) {
	cfg, err := wschat.FromEnv(getenv)
	if err != nil {
		return nil, err
	}
	awsCfg, err := lambdamain.AWSConfig(getenv)
	if err != nil {
		return nil, err
	}
	h := &Handler{Config: cfg, Region: awsCfg.Region, Log: lambdamain.Logger(os.Stdout), Now: time.Now}
	if ep := lambdamain.Endpoint(getenv, "APIGATEWAYMANAGEMENTAPI"); ep != nil {
		if u, err := url.Parse(*ep); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI (or AWS_ENDPOINT_URL) %q must be an http or https URL", *ep)
		}
		h.Endpoint = *ep
	}
	dynamoEndpoint := lambdamain.Endpoint(getenv, "DYNAMODB")
	h.DB = dynamodb.NewFromConfig(awsCfg, func(o *dynamodb.Options) {
		if dynamoEndpoint != nil {
			o.BaseEndpoint = dynamoEndpoint
		}
	})
	// One connection per concurrent post stays open between posts (the
	// SDK's default keeps 10 per host).
	httpClient := awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
		t.MaxIdleConnsPerHost = cfg.Concurrency + 1
	})
	h.NewPoster = func(endpoint string) Poster {
		return apigatewaymanagementapi.NewFromConfig(awsCfg, func(o *apigatewaymanagementapi.Options) {
			o.BaseEndpoint = aws.String(endpoint)
			o.HTTPClient = httpClient
		})
	}
	return h, nil
}

// Summary counts what one broadcast did. Recipients = Sent + Gone + Failed
// + Unreached.
type Summary struct {
	Recipients int `json:"recipients"` // connections read from the table
	Sent       int `json:"sent"`       // posts API Gateway accepted
	Gone       int `json:"gone"`       // posts answered 410 GoneException: the row is deleted
	Failed     int `json:"failed"`     // posts throttled (429) or failed otherwise: the row is kept
	Unreached  int `json:"unreached"`  // connections not posted to before the deadline
	// Complete says whether the whole table was read; when not (the
	// deadline passed, or a Scan failed), connections not read are counted
	// nowhere.
	Complete bool `json:"complete"`
}

// Handle answers one request on the function's route. It returns an error
// never: a failure is a status (a non-2xx $connect status refuses the
// connection), logged with its cause, and a body with a fixed text.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayWebsocketProxyRequest) (events.APIGatewayProxyResponse, error) {
	id := req.RequestContext.ConnectionID
	if id == "" {
		h.Log.ErrorContext(ctx, "request without a connection id", "route", h.Config.Route, "routeKey", req.RequestContext.RouteKey)
		return response(http.StatusBadRequest, errorFrame("no connection id")), nil
	}
	switch h.Config.Route {
	case wschat.RouteConnect:
		return h.connect(ctx, id), nil
	case wschat.RouteDisconnect:
		return h.disconnect(ctx, id), nil
	case wschat.RouteSend:
		return h.send(ctx, req), nil
	case wschat.RouteDefault:
		frame := errorFrame("unknown action; send " + h.example())
		h.reply(ctx, req, frame)
		h.Log.InfoContext(ctx, "unknown action", "connectionId", id, "routeKey", req.RequestContext.RouteKey)
		return response(http.StatusOK, frame), nil
	}
	h.Log.ErrorContext(ctx, "unknown route", "route", h.Config.Route)
	return response(http.StatusInternalServerError, errorFrame("internal error")), nil
}

// connect stores the connection: its id, when it connected, and when
// DynamoDB's TTL may delete it if $disconnect never comes.
func (h *Handler) connect(ctx context.Context, id string) events.APIGatewayProxyResponse {
	now := h.now()
	_, err := h.DB.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(h.Config.TableName),
		Item: map[string]types.AttributeValue{
			wschat.PartitionKey:         &types.AttributeValueMemberS{Value: id},
			wschat.ConnectedAtAttribute: number(now.UnixMilli()),
			wschat.TTLAttribute:         number(now.Add(wschat.MaxConnectionDuration).Unix()),
		},
	})
	if err != nil {
		h.Log.ErrorContext(ctx, "storing the connection failed", "connectionId", id, "error", err.Error())
		return response(http.StatusInternalServerError, errorFrame("internal error"))
	}
	h.Log.InfoContext(ctx, "connected", "connectionId", id)
	return response(http.StatusOK, "")
}

// disconnect deletes the connection; deleting a missing item succeeds, so
// a repeated or late $disconnect is harmless.
func (h *Handler) disconnect(ctx context.Context, id string) events.APIGatewayProxyResponse {
	if err := h.delete(ctx, id, nil); err != nil {
		h.Log.ErrorContext(ctx, "deleting the connection failed", "connectionId", id, "error", err.Error())
		return response(http.StatusInternalServerError, errorFrame("internal error"))
	}
	h.Log.InfoContext(ctx, "disconnected", "connectionId", id)
	return response(http.StatusOK, "")
}

// send validates the message, then broadcasts its data to every connection.
func (h *Handler) send(ctx context.Context, req events.APIGatewayWebsocketProxyRequest) events.APIGatewayProxyResponse {
	id := req.RequestContext.ConnectionID
	body, err := requestBody(req.Body, req.IsBase64Encoded)
	var data string
	if err == nil {
		data, err = ParseSendBody(body, h.maxMessageBytes())
	}
	if err != nil {
		var bad BadMessage
		errors.As(err, &bad)
		frame := errorFrame(h.refusal(bad))
		h.reply(ctx, req, frame)
		h.Log.InfoContext(ctx, "message refused", "connectionId", id, "reason", bad.Error(), "bodyBytes", len(req.Body))
		// 200: the sender has its error frame, and the route is one-way
		// (its answer reaches no client), while a 4XX would count as an
		// IntegrationError ("Monitor WebSocket API execution with
		// CloudWatch metrics") for a client's mistake.
		return response(http.StatusOK, frame)
	}
	p, err := h.poster(req)
	if err != nil {
		h.Log.ErrorContext(ctx, "no management endpoint", "connectionId", id, "error", err.Error())
		return response(http.StatusInternalServerError, errorFrame("internal error"))
	}
	sum, err := h.Broadcast(ctx, p, []byte(data))
	attrs := []any{"sender", id, "bytes", len(data), "recipients", sum.Recipients, "sent", sum.Sent, "gone", sum.Gone,
		"failed", sum.Failed, "unreached", sum.Unreached, "complete", sum.Complete}
	status := http.StatusOK
	switch {
	case err != nil:
		status = http.StatusInternalServerError
		h.Log.ErrorContext(ctx, "broadcast: reading the connections failed", append(attrs, "error", err.Error())...)
	case sum.Unreached > 0 || !sum.Complete:
		h.Log.WarnContext(ctx, "broadcast stopped at the deadline", append(attrs, "deadline", h.deadline().String())...)
	default:
		h.Log.InfoContext(ctx, "broadcast", attrs...)
	}
	b, _ := json.Marshal(sum)
	return response(status, string(b))
}

// outcome is what became of one post.
type outcome int

const (
	sent outcome = iota
	gone
	throttled
	failed
	unreached
)

// Broadcast posts data to every connection in the table, the sender's
// included, Config.Concurrency at a time, for at most Config.Deadline (and
// no longer than ctx allows). It reads the table page by page as it posts.
// A connection that answers 410 GoneException is deleted; one that is
// throttled or fails is kept, and the others are posted to all the same;
// one not reached by the deadline is counted, not retried. The error is a
// Scan's that failed before the deadline: the connections it did not read
// got nothing.
func (h *Handler) Broadcast(ctx context.Context, p Poster, data []byte) (Summary, error) {
	bctx, cancel := context.WithTimeout(ctx, h.deadline())
	defer cancel()
	var (
		mu     sync.Mutex
		sum    Summary
		logged int
		wg     sync.WaitGroup
	)
	ids := make(chan string, h.concurrency())
	for range h.concurrency() {
		wg.Go(func() {
			for id := range ids {
				o, err := h.deliver(ctx, bctx, p, id, data)
				mu.Lock()
				switch o {
				case sent:
					sum.Sent++
				case gone:
					sum.Gone++
				case throttled, failed:
					sum.Failed++
				case unreached:
					sum.Unreached++
				}
				logIt := err != nil && logged < maxLoggedFailures
				if logIt {
					logged++
				}
				mu.Unlock()
				if logIt {
					h.Log.WarnContext(ctx, "post failed", "connectionId", id, "throttled", o == throttled, "gone", o == gone, "error", err.Error())
				}
			}
		})
	}
	complete, err := h.scan(bctx, func(id string) {
		mu.Lock()
		sum.Recipients++
		mu.Unlock()
		select {
		case ids <- id: // a worker posts it, or counts it unreached if it is too late
		case <-bctx.Done():
			mu.Lock()
			sum.Unreached++
			mu.Unlock()
		}
	})
	close(ids)
	wg.Wait()
	sum.Complete = complete
	return sum, err
}

// scan calls each with the id of every connection in the table, reading it
// a page at a time (Config.ScanPageSize items, or DynamoDB's 1 MB) until the
// last page or the deadline (bctx). complete says it read the last page.
func (h *Handler) scan(bctx context.Context, each func(id string)) (complete bool, err error) {
	in := &dynamodb.ScanInput{
		TableName:                aws.String(h.Config.TableName),
		ProjectionExpression:     aws.String("#id"),
		ExpressionAttributeNames: map[string]string{"#id": wschat.PartitionKey},
	}
	if h.Config.ScanPageSize > 0 {
		in.Limit = aws.Int32(int32(h.Config.ScanPageSize))
	}
	for {
		out, err := h.DB.Scan(bctx, in)
		if err != nil {
			if bctx.Err() != nil {
				return false, nil
			}
			return false, err
		}
		for _, item := range out.Items {
			if s, ok := item[wschat.PartitionKey].(*types.AttributeValueMemberS); ok && s.Value != "" {
				each(s.Value)
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			return true, nil
		}
		if bctx.Err() != nil {
			return false, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// deliver posts data to one connection under the broadcast's deadline
// (bctx), and deletes the connection if it is gone, under the invocation's
// (ctx), so that a 410 just before the deadline still deletes its row.
func (h *Handler) deliver(ctx, bctx context.Context, p Poster, id string, data []byte) (outcome, error) {
	if bctx.Err() != nil {
		return unreached, nil
	}
	_, err := p.PostToConnection(bctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String(id), Data: data})
	switch {
	case err == nil:
		return sent, nil
	case isGone(err):
		cutoff := h.now().Add(-ConnectGrace).UnixMilli()
		derr := h.delete(ctx, id, &cutoff)
		var young *types.ConditionalCheckFailedException
		switch {
		case errors.As(derr, &young):
			h.Log.InfoContext(ctx, "gone connection kept: it connected less than ConnectGrace ago", "connectionId", id)
		case derr != nil:
			h.Log.ErrorContext(ctx, "deleting a gone connection failed", "connectionId", id, "error", derr.Error())
		}
		return gone, nil
	case bctx.Err() != nil:
		return unreached, nil
	case isThrottled(err):
		return throttled, err
	}
	return failed, err
}

// delete deletes the connection's item. With connectedBefore, only an item
// that connected before that epoch millisecond (or does not say when) is
// deleted: otherwise a ConditionalCheckFailedException. A missing item is
// not an error.
func (h *Handler) delete(ctx context.Context, id string, connectedBefore *int64) error {
	in := &dynamodb.DeleteItemInput{
		TableName: aws.String(h.Config.TableName),
		Key:       map[string]types.AttributeValue{wschat.PartitionKey: &types.AttributeValueMemberS{Value: id}},
	}
	if connectedBefore != nil {
		in.ConditionExpression = aws.String("attribute_not_exists(#at) OR #at < :cutoff")
		in.ExpressionAttributeNames = map[string]string{"#at": wschat.ConnectedAtAttribute}
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":cutoff": number(*connectedBefore)}
	}
	_, err := h.DB.DeleteItem(ctx, in)
	return err
}

// isGone reports a 410: GoneException, "the connection with the provided
// id no longer exists" (API Gateway Management API reference,
// PostToConnection, Errors), whether or not the response named the error.
func isGone(err error) bool {
	var g *mtypes.GoneException
	return errors.As(err, &g) || httpStatus(err) == http.StatusGone
}

// isThrottled reports a 429: LimitExceededException, "the client is
// sending more than the allowed number of requests per unit of time or the
// WebSocket client side buffer is full" (the same reference).
func isThrottled(err error) bool {
	var l *mtypes.LimitExceededException
	return errors.As(err, &l) || httpStatus(err) == http.StatusTooManyRequests
}

// httpStatus is the status of the response that err came from, or 0.
func httpStatus(err error) int {
	var r interface{ HTTPStatusCode() int }
	if errors.As(err, &r) {
		return r.HTTPStatusCode()
	}
	return 0
}

// reply posts frame to the sender alone; a failure is logged.
func (h *Handler) reply(ctx context.Context, req events.APIGatewayWebsocketProxyRequest, frame string) {
	id := req.RequestContext.ConnectionID
	p, err := h.poster(req)
	if err == nil {
		_, err = p.PostToConnection(ctx, &apigatewaymanagementapi.PostToConnectionInput{ConnectionId: aws.String(id), Data: []byte(frame)})
	}
	if err != nil {
		h.Log.WarnContext(ctx, "replying to the sender failed", "connectionId", id, "error", err.Error())
	}
}

// What an API id, a stage name and a region may be, so that a request
// cannot point the signed management calls (and the session token they
// carry) at another host.
var (
	apiIDPattern  = regexp.MustCompile(`^[a-z0-9]{1,32}$`)
	stagePattern  = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
	regionPattern = regexp.MustCompile(`^[a-z]{2}(-[a-z0-9]+)+-[0-9]+$`)
)

// ManagementEndpoint is the callback URL of the request's API and stage,
// the endpoint of its @connections commands: https://{api-id}.execute-api.
// {region}.amazonaws.com/{stage} (API Gateway developer guide, "Use
// @connections commands in your backend service"; amazonaws.com.cn in the
// China regions). It is built from the API id, not the request's domain
// name, which is a custom domain's when the client used one.
func ManagementEndpoint(apiID, region, stage string) (string, error) {
	if !apiIDPattern.MatchString(apiID) || !stagePattern.MatchString(stage) || !regionPattern.MatchString(region) {
		return "", fmt.Errorf("API id %q, stage %q or region %q is malformed", apiID, stage, region)
	}
	suffix := "amazonaws.com"
	if strings.HasPrefix(region, "cn-") {
		suffix = "amazonaws.com.cn"
	}
	return "https://" + apiID + ".execute-api." + region + "." + suffix + "/" + stage, nil
}

// poster is the management client for the request's endpoint, made once
// per endpoint.
func (h *Handler) poster(req events.APIGatewayWebsocketProxyRequest) (Poster, error) {
	endpoint := h.Endpoint
	if endpoint == "" {
		var err error
		if endpoint, err = ManagementEndpoint(req.RequestContext.APIID, h.Region, req.RequestContext.Stage); err != nil {
			return nil, err
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	p, ok := h.posters[endpoint]
	if !ok {
		if h.posters == nil {
			h.posters = map[string]Poster{}
		}
		p = h.NewPoster(endpoint)
		h.posters[endpoint] = p
	}
	return p, nil
}

// refusal is the sentence the sender of a refused message gets.
func (h *Handler) refusal(b BadMessage) string {
	switch b {
	case NoData:
		return `the message has no "data"; send ` + h.example()
	case DataNotString:
		return `"data" must be a string`
	case EmptyData:
		return `"data" is empty`
	case DataTooLarge:
		return fmt.Sprintf(`"data" is longer than %d bytes`, h.maxMessageBytes())
	}
	return "the message must be a JSON object such as " + h.example()
}

// example is a message the send route accepts.
func (h *Handler) example() string {
	action := h.Config.SendAction
	if action == "" {
		action = wschat.DefaultSendAction
	}
	return `{"action":"` + action + `","data":"…"}`
}

func (h *Handler) maxMessageBytes() int {
	if h.Config.MaxMessageBytes < 1 {
		return wschat.DefaultMaxMessageBytes
	}
	return h.Config.MaxMessageBytes
}

func (h *Handler) now() time.Time {
	if h.Now == nil {
		return time.Now()
	}
	return h.Now()
}

func (h *Handler) concurrency() int { return max(h.Config.Concurrency, 1) }

func (h *Handler) deadline() time.Duration {
	if h.Config.Deadline <= 0 {
		return wschat.DefaultDeadline
	}
	return h.Config.Deadline
}

// errorFrame is the JSON frame {"error": message}.
func errorFrame(message string) string {
	b, _ := json.Marshal(struct {
		Error string `json:"error"`
	}{message})
	return string(b)
}

func response(status int, body string) events.APIGatewayProxyResponse {
	r := events.APIGatewayProxyResponse{StatusCode: status, Body: body}
	if body != "" {
		r.Headers = map[string]string{"Content-Type": "application/json"}
	}
	return r
}

func number(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}
