package dynamoproxy_test

// End-to-end checks of the mapping templates: the templates are taken from
// the synthesized Comments API, rendered by a real Velocity engine with API
// Gateway's variables, and sent to a real DynamoDB-API server (dynalite).

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/blueprints-cdk/blueprints/assertions/local"
)

var velocity = sync.OnceValues(local.StartVelocity)

// commentsAPI runs the synthesized Comments API against a fresh dynalite.
func commentsAPI(t *testing.T) (*local.RestAPI, *dynamodb.Client, string) {
	t.Helper()
	v, err := velocity()
	if err != nil {
		t.Fatalf("starting the Velocity renderer: %v", err)
	}
	d := local.StartDynalite(t)
	r := comments(t)
	refs, err := d.CreateTables(context.Background(), r.JSON)
	if err != nil {
		t.Fatal(err)
	}
	table := refs[tableID(t, r)]
	return &local.RestAPI{Template: r.JSON, Refs: refs, Velocity: v, Backend: d}, d.Client(), table
}

type comment struct {
	CommentID string `json:"commentId"`
	UserName  string `json:"userName"`
	Message   string `json:"message"`
}

func post(t *testing.T, api *local.RestAPI, requestID string, body any) local.HTTPResponse {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, err := api.Do(context.Background(), local.HTTPRequest{Method: "POST", Path: "/comments", Body: string(b), RequestID: requestID})
	if err != nil {
		t.Fatalf("POST %s: %v", b, err)
	}
	return resp
}

func get(t *testing.T, api *local.RestAPI, pageID string) (local.HTTPResponse, []comment) {
	t.Helper()
	resp, err := api.Do(context.Background(), local.HTTPRequest{Method: "GET", Path: "/comments/" + url.PathEscape(pageID)})
	if err != nil {
		t.Fatalf("GET %q: %v", pageID, err)
	}
	var out struct{ Comments []comment }
	if resp.Status == 200 {
		if err := json.Unmarshal([]byte(resp.Body), &out); err != nil {
			t.Fatalf("GET %q returned invalid JSON %s: %v", pageID, resp.Body, err)
		}
	}
	return resp, out.Comments
}

func TestThePostsExampleRequestIsStoredAsTheFourAttributes(t *testing.T) {
	api, db, table := commentsAPI(t)
	resp := post(t, api, "req-1", map[string]string{
		"pageId": "breaking-news-story-01-18-2016", "userName": "Just Saying Thank You", "message": "I really enjoyed this story!!",
	})
	if resp.Status != 201 || resp.Body != `{"commentId":"req-1"}` {
		t.Fatalf("POST: %d %s (DynamoDB said %d %s)", resp.Status, resp.Body, resp.IntegrationStatus, resp.IntegrationBody)
	}
	out, err := db.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Items) != 1 {
		t.Fatalf("want one item, got %d", len(out.Items))
	}
	want := map[string]string{
		"commentId": "req-1", "pageId": "breaking-news-story-01-18-2016",
		"userName": "Just Saying Thank You", "message": "I really enjoyed this story!!",
	}
	if got := stringAttributes(out.Items[0]); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("stored %v, want %v", got, want)
	}
}

// strings returns an item's attributes, which must all be strings.
func stringAttributes(item map[string]types.AttributeValue) map[string]string {
	out := map[string]string{}
	for k, v := range item {
		s, ok := v.(*types.AttributeValueMemberS)
		if !ok {
			out[k] = fmt.Sprintf("<not a string: %T>", v)
			continue
		}
		out[k] = s.Value
	}
	return out
}

func TestPostThenGetRoundTrip(t *testing.T) {
	api, _, _ := commentsAPI(t)
	post(t, api, "a", map[string]string{"pageId": "p1", "userName": "ann", "message": "first"})
	post(t, api, "b", map[string]string{"pageId": "p1", "userName": "bob", "message": "second"})
	post(t, api, "c", map[string]string{"pageId": "p2", "userName": "cy", "message": "other page"})
	resp, got := get(t, api, "p1")
	if resp.Status != 200 || len(got) != 2 {
		t.Fatalf("GET p1: %d %s", resp.Status, resp.Body)
	}
	seen := map[string]comment{}
	for _, c := range got {
		seen[c.CommentID] = c
	}
	if seen["a"] != (comment{"a", "ann", "first"}) || seen["b"] != (comment{"b", "bob", "second"}) {
		t.Errorf("got %+v", got)
	}
}

// hostile are strings that break JSON, DynamoDB requests or VTL when a
// template does not escape them.
var hostile = []string{
	`"`, `'`, `\`, `\'`, `\"`, `'"'"`, `"},"evil":{"S":"x`,
	`", "TableName": "other", "x": "`,
	"line\nbreak\r\ttab", "\x00\x01\x1f\x7f", "\u2028\u2029",
	"ünïcødé 日本語 😀 עברית", `$context.requestId`, `${context.requestId}`, `#set($x = 1)$x`,
	`#end`, `#foreach($i in [1..3])$i#end`, `$util.escapeJavaScript("x")`, `##comment`, `#* block *#`,
	`</script><script>alert(1)</script>`, `%s%d%n`, `{"S":"nested"}`, `:v1`, `#k`, `\u0000`, `\\\\'`,
}

func TestHostileStringsRoundTripExactlyAndAddNothing(t *testing.T) {
	api, db, table := commentsAPI(t)
	for i, s := range hostile {
		page := "hostile-" + s // the page id is a hostile string too, in the path on GET
		id := fmt.Sprintf("h%d", i)
		resp := post(t, api, id, map[string]string{"pageId": page, "userName": s, "message": s})
		if resp.Status != 201 {
			t.Errorf("POST %q: %d %s; sent %s; DynamoDB said %s", s, resp.Status, resp.Body, resp.IntegrationRequest, resp.IntegrationBody)
			continue
		}
		if !json.Valid([]byte(resp.IntegrationRequest)) {
			t.Errorf("POST %q sent invalid JSON to DynamoDB: %s", s, resp.IntegrationRequest)
		}
		gr, got := get(t, api, page)
		if gr.Status != 200 || len(got) != 1 || got[0] != (comment{id, s, s}) {
			t.Errorf("GET %q: %d %s", page, gr.Status, gr.Body)
		}
	}
	out, err := db.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Items) != len(hostile) {
		t.Errorf("want %d items, got %d", len(hostile), len(out.Items))
	}
	for _, item := range out.Items {
		if got := stringAttributes(item); len(got) != 4 || got["userName"] != got["message"] || got["pageId"] != "hostile-"+got["message"] {
			t.Errorf("item is not the four posted strings: %q", got)
		}
	}
}

func TestAnEmptyPageHasNoComments(t *testing.T) {
	api, _, _ := commentsAPI(t)
	resp, got := get(t, api, "nobody-was-here")
	if resp.Status != 200 || resp.Body != `{"comments":[]}` || len(got) != 0 {
		t.Errorf("got %d %s", resp.Status, resp.Body)
	}
}

func TestAHundredCommentsOnOnePage(t *testing.T) {
	api, _, _ := commentsAPI(t)
	for i := range 100 {
		post(t, api, fmt.Sprintf("c%03d", i), map[string]string{"pageId": "popular", "userName": "u", "message": fmt.Sprint("comment ", i)})
	}
	resp, got := get(t, api, "popular")
	if resp.Status != 200 || len(got) != 100 {
		t.Fatalf("want 100 comments, got %d (%d)", len(got), resp.Status)
	}
	ids := map[string]bool{}
	for _, c := range got {
		ids[c.CommentID] = true
	}
	if len(ids) != 100 {
		t.Errorf("want 100 distinct ids, got %d", len(ids))
	}
}

func TestInvalidBodiesAreRejectedWithJSONAndNothingIsWritten(t *testing.T) {
	api, db, table := commentsAPI(t)
	long := strings.Repeat("x", 4001)
	cases := map[string]string{
		"not JSON":           `{"pageId":`,
		"empty":              ``,
		"array":              `[]`,
		"missing message":    `{"pageId":"p","userName":"u"}`,
		"empty message":      `{"pageId":"p","userName":"u","message":""}`,
		"number":             `{"pageId":"p","userName":"u","message":42}`,
		"object":             `{"pageId":"p","userName":"u","message":{"S":"x"}}`,
		"too long":           `{"pageId":"p","userName":"u","message":"` + long + `"}`,
		"long user":          `{"pageId":"p","userName":"` + strings.Repeat("u", 257) + `","message":"m"}`,
		"extra field":        `{"pageId":"p","userName":"u","message":"m","commentId":"mine"}`,
		"TableName injected": `{"pageId":"p","userName":"u","message":"m","TableName":"other"}`,
	}
	for name, body := range cases {
		resp, err := api.Do(context.Background(), local.HTTPRequest{Method: "POST", Path: "/comments", Body: body})
		if err != nil {
			t.Fatal(err)
		}
		var msg struct{ Message string }
		if resp.Status != 400 || json.Unmarshal([]byte(resp.Body), &msg) != nil || msg.Message == "" || resp.IntegrationRequest != "" {
			t.Errorf("%s: want a 400 with a JSON message before DynamoDB, got %d %s", name, resp.Status, resp.Body)
		}
	}
	// Another content type is refused, not passed through to DynamoDB.
	resp, err := api.Do(context.Background(), local.HTTPRequest{Method: "POST", Path: "/comments", ContentType: "text/plain",
		Body: `{"TableName":"other","Item":{"k":{"S":"v"}}}`})
	if err != nil || resp.Status != 415 || resp.IntegrationRequest != "" {
		t.Errorf("text/plain: want 415 before DynamoDB, got %d %s %v", resp.Status, resp.Body, err)
	}
	out, _ := db.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(table)})
	if len(out.Items) != 0 {
		t.Errorf("rejected requests wrote %d items", len(out.Items))
	}
}

// DynamoDB rejects a key over 2,048 bytes with a ValidationException (a 400,
// covered below); dynalite answers an empty page. Either way: no 500.
func TestAnOversizedPageIdIsNeverA500(t *testing.T) {
	api, _, _ := commentsAPI(t)
	resp, _ := get(t, api, strings.Repeat("p", 3000))
	if (resp.Status != 200 && resp.Status != 400) || !json.Valid([]byte(resp.Body)) {
		t.Errorf("got %d %s", resp.Status, resp.Body)
	}
}

// failing answers every call as DynamoDB does when it fails.
type failing struct {
	status int
	body   string
}

func (f failing) Call(context.Context, string, []byte) (int, []byte, error) {
	return f.status, []byte(f.body), nil
}

func TestDynamoDBErrorsBecomeJSONWithoutAWSInternals(t *testing.T) {
	api, _, _ := commentsAPI(t)
	cases := []struct {
		backend failing
		status  int
	}{
		{failing{400, `{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",` +
			`"message":"Rate of requests exceeds the allowed throughput."}`}, 429},
		{failing{400, `{"__type":"com.amazon.coral.availability#ThrottlingException","message":"Rate exceeded"}`}, 429},
		{failing{400, `{"__type":"com.amazonaws.dynamodb.v20120810#RequestLimitExceeded",` +
			`"message":"Throughput exceeds the current throughput limit for your account."}`}, 429},
		{failing{400, `{"__type":"com.amazon.coral.validate#ValidationException",` +
			`"message":"One or more parameter values were invalid: arn:aws:dynamodb:us-east-1:123456789012:table/Comments"}`}, 400},
		{failing{400, `{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"}`}, 400},
		{failing{403, `{"__type":"com.amazon.coral.service#AccessDeniedException",` +
			`"Message":"User: arn:aws:sts::123456789012:assumed-role/x is not authorized"}`}, 400},
		{failing{500, `{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"Internal server error"}`}, 500},
		{failing{503, `{"__type":"com.amazon.coral.availability#ServiceUnavailableException"}`}, 500},
	}
	for _, c := range cases {
		api.Backend = c.backend
		for _, req := range []local.HTTPRequest{
			{Method: "POST", Path: "/comments", Body: `{"pageId":"p","userName":"u","message":"m"}`},
			{Method: "GET", Path: "/comments/p"},
		} {
			resp, err := api.Do(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			var msg struct{ Message string }
			if resp.Status != c.status || json.Unmarshal([]byte(resp.Body), &msg) != nil || msg.Message == "" {
				t.Errorf("%s on %d %s: want %d with a JSON message, got %d %s", req.Method, c.backend.status, c.backend.body, c.status, resp.Status, resp.Body)
			}
			for _, leak := range []string{"__type", "amazon", "arn:", "123456789012"} {
				if strings.Contains(resp.Body, leak) {
					t.Errorf("response %s leaks %q", resp.Body, leak)
				}
			}
		}
	}
}
