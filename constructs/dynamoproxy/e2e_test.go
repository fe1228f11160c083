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
	resp, err := api.Do(context.Background(), local.HTTPRequest{Method: "POST", Path: "/comments", Body: string(b), RequestID: requestID,
		Context: map[string]any{"requestTimeEpoch": int64(1764547200000)}})
	if err != nil {
		t.Fatalf("POST %s: %v", b, err)
	}
	return resp
}

func get(t *testing.T, api *local.RestAPI, pageID string) (local.HTTPResponse, []comment) {
	t.Helper()
	return getPage(t, api, pageID, nil)
}

// getPage is GET /comments/{pageID} with query parameters (limit, cursor).
func getPage(t *testing.T, api *local.RestAPI, pageID string, query map[string]string) (local.HTTPResponse, []comment) {
	t.Helper()
	resp, err := api.Do(context.Background(), local.HTTPRequest{Method: "GET", Path: "/comments/" + url.PathEscape(pageID), Query: query})
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

func TestThePostsExampleRequestIsStoredAsTheFourAttributesAndTheRequestTime(t *testing.T) {
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
		"userName": "Just Saying Thank You", "message": "I really enjoyed this story!!", "createdAt": "1764547200000",
	}
	if got := stringAttributes(out.Items[0]); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("stored %v, want %v", got, want)
	}
}

// stringAttributes returns an item's attributes, which must all be strings
// but createdAt, the request time, a number.
func stringAttributes(item map[string]types.AttributeValue) map[string]string {
	out := map[string]string{}
	for k, v := range item {
		s, isString := v.(*types.AttributeValueMemberS)
		n, isNumber := v.(*types.AttributeValueMemberN)
		switch {
		case isString && k != "createdAt":
			out[k] = s.Value
		case isNumber && k == "createdAt":
			out[k] = n.Value
		default:
			out[k] = fmt.Sprintf("<unexpected %T>", v)
		}
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
		if got := stringAttributes(item); len(got) != 5 || got["userName"] != got["message"] || got["pageId"] != "hostile-"+got["message"] {
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
	resp, got := getPage(t, api, "popular", map[string]string{"limit": "100"})
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

// A page id longer than any stored one (256 characters) is the client's
// error, a 400, before DynamoDB could refuse a key over 2,048 bytes.
func TestAnOversizedPageIdIsA400(t *testing.T) {
	api, _, _ := commentsAPI(t)
	resp, _ := get(t, api, strings.Repeat("p", 3000))
	if resp.Status != 400 || resp.Body != `{"message":"pageId is longer than 256 characters"}` {
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
		// A ValidationException the client did not cause is a template bug: a 500.
		{failing{400, `{"__type":"com.amazon.coral.validate#ValidationException",` +
			`"message":"One or more parameter values were invalid: arn:aws:dynamodb:us-east-1:123456789012:table/Comments"}`}, 500},
		{failing{403, `{"__type":"com.amazon.coral.service#AccessDeniedException",` +
			`"Message":"User: arn:aws:sts::123456789012:assumed-role/x is not authorized"}`}, 500},
		{failing{400, `{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found"}`}, 500},
		{failing{400, `{"__type":"com.amazonaws.dynamodb.v20120810#KMSAccessDeniedException","message":"The KMS key is not accessible"}`}, 500},
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

// POST writes with a condition, so its ConditionalCheckFailedException is a
// 409; GET has none, so the same error there is a 500.
func TestAFailedConditionIsA409OnlyWhereTheRouteHasOne(t *testing.T) {
	api, _, _ := commentsAPI(t)
	api.Backend = failing{400, `{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"}`}
	resp, err := api.Do(context.Background(), local.HTTPRequest{Method: "POST", Path: "/comments", Body: `{"pageId":"p","userName":"u","message":"m"}`})
	if err != nil || resp.Status != 409 || resp.Body != `{"message":"Conflict: the item exists"}` {
		t.Errorf("POST: %d %s %v", resp.Status, resp.Body, err)
	}
	if resp, _ := get(t, api, "p"); resp.Status != 500 {
		t.Errorf("GET: %d %s", resp.Status, resp.Body)
	}
}

// postAt posts a comment with the request time set, as API Gateway sets
// $context.requestTimeEpoch.
func postAt(t *testing.T, api *local.RestAPI, id string, at int64, page, message string) {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"pageId": page, "userName": "u", "message": message})
	resp, err := api.Do(context.Background(), local.HTTPRequest{Method: "POST", Path: "/comments", Body: string(b), RequestID: id,
		Context: map[string]any{"requestTimeEpoch": at}})
	if err != nil || resp.Status != 201 {
		t.Fatalf("POST %s: %d %s %v", id, resp.Status, resp.Body, err)
	}
}

type page struct {
	Comments []comment
	Next     *string
}

func readPage(t *testing.T, api *local.RestAPI, pageID string, query map[string]string) (local.HTTPResponse, page) {
	t.Helper()
	resp, err := api.Do(context.Background(), local.HTTPRequest{Method: "GET", Path: "/comments/" + url.PathEscape(pageID), Query: query})
	if err != nil {
		t.Fatal(err)
	}
	var p page
	if resp.Status == 200 {
		if err := json.Unmarshal([]byte(resp.Body), &p); err != nil {
			t.Fatalf("invalid JSON %s: %v", resp.Body, err)
		}
	}
	return resp, p
}

// 60 comments read in pages of 25 give each comment exactly once, oldest
// first; the cursor is absent after the last page.
func TestSixtyCommentsInPagesOf25ComeOnceEachOldestFirst(t *testing.T) {
	api, _, _ := commentsAPI(t)
	const n = 60
	base := int64(1764547200000)
	for i := range n {
		// Posted newest first, so only the sort key can put them in order.
		postAt(t, api, fmt.Sprintf("c-%02d", n-1-i), base+int64(n-1-i), "busy", fmt.Sprint("comment ", n-1-i))
	}
	postAt(t, api, "other", base, "quiet", "not on this page")
	var seen []string
	query := map[string]string{"limit": "25"}
	for pages := 0; ; pages++ {
		if pages > 4 {
			t.Fatal("more pages than 60/25 can take")
		}
		resp, p := readPage(t, api, "busy", query)
		if resp.Status != 200 || len(p.Comments) > 25 {
			t.Fatalf("page %d: %d %s", pages, resp.Status, resp.Body)
		}
		for _, c := range p.Comments {
			seen = append(seen, c.CommentID)
		}
		if p.Next == nil {
			break
		}
		query = map[string]string{"limit": "25", "cursor": *p.Next}
	}
	if len(seen) != n {
		t.Fatalf("want %d comments, got %d: %v", n, len(seen), seen)
	}
	for i, id := range seen {
		if id != fmt.Sprintf("c-%02d", i) {
			t.Fatalf("comment %d is %s: want every comment once, oldest first; got %v", i, id, seen)
		}
	}
	// Without a limit, a page holds 25.
	if _, p := readPage(t, api, "busy", nil); len(p.Comments) != 25 || p.Next == nil {
		t.Errorf("default page: %d comments, next %v", len(p.Comments), p.Next)
	}
}

// A malformed limit or cursor is the client's 400, and a cursor from
// another page cannot reach that page's items: the key condition binds it.
func TestBadPagesAre400sAndAForgedCursorStaysOnItsPage(t *testing.T) {
	api, _, _ := commentsAPI(t)
	base := int64(1764547200000)
	for i := range 3 {
		postAt(t, api, fmt.Sprintf("a-%d", i), base+int64(i), "a", "on a")
		postAt(t, api, fmt.Sprintf("b-%d", i), base+int64(i), "b", "on b")
	}
	for name, q := range map[string]map[string]string{
		"limit 0":        {"limit": "0"},
		"limit 101":      {"limit": "101"},
		"limit word":     {"limit": "ten"},
		"cursor junk":    {"cursor": "!!!"},
		"cursor short":   {"cursor": "abc"},
		"cursor decoded": {"cursor": "bm90LWEtY3Vyc29y"}, // "not-a-cursor"
		"cursor inject":  {"cursor": "MV8iLCJUYWJsZU5hbWUiOiJvdGhlciI"},
	} {
		resp, _ := readPage(t, api, "a", q)
		var msg struct{ Message string }
		decodeErr := json.Unmarshal([]byte(resp.Body), &msg)
		namesIt := strings.HasPrefix(msg.Message, "limit") || strings.HasPrefix(msg.Message, "cursor")
		if resp.Status != 400 || decodeErr != nil || !namesIt {
			t.Errorf("%s: want a 400 naming the parameter, got %d %s", name, resp.Status, resp.Body)
		}
	}
	// The cursor after b's first comment, used on page a, gives only a's items.
	_, first := readPage(t, api, "b", map[string]string{"limit": "1"})
	if first.Next == nil {
		t.Fatal("no cursor after one of three comments")
	}
	resp, p := readPage(t, api, "a", map[string]string{"cursor": *first.Next})
	if resp.Status != 200 {
		t.Fatalf("%d %s", resp.Status, resp.Body)
	}
	for _, c := range p.Comments {
		if !strings.HasPrefix(c.CommentID, "a-") {
			t.Errorf("a cursor from page b returned %s", c.CommentID)
		}
	}
}

// A page id as long as POST allows reads back, in characters outside the
// Basic Multilingual Plane too (two UTF-16 units each, one character to
// the model's maxLength).
func TestTheLongestPageIdPostAcceptsReadsBack(t *testing.T) {
	api, _, _ := commentsAPI(t)
	page := strings.Repeat("😀", 256)
	if resp := post(t, api, "e1", map[string]string{"pageId": page, "userName": "u", "message": "m"}); resp.Status != 201 {
		t.Fatalf("POST: %d %s", resp.Status, resp.Body)
	}
	if resp, got := get(t, api, page); resp.Status != 200 || len(got) != 1 {
		t.Errorf("GET: %d %s", resp.Status, resp.Body)
	}
	if resp, _ := get(t, api, page+"😀"); resp.Status != 400 {
		t.Errorf("one character more: %d %s", resp.Status, resp.Body)
	}
}
