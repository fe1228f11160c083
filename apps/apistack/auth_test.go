package apistack_test

// POST /comments end to end with its JWT authorizer: the synthesized
// ApiStack through the local REST emulator, the real authorizer binary
// under the local Runtime API reading its key from a Secrets Manager fake,
// the mapping templates on a real Velocity engine, and dynalite.

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/blueprints-cdk/blueprints/apps/apistack/smoke"
	"github.com/blueprints-cdk/blueprints/assertions"
	"github.com/blueprints-cdk/blueprints/assertions/local"
)

const tokenKey = "k3yOfFortyThreeLettersAndDigits0123456789AB"

var velocity = sync.OnceValues(local.StartVelocity)

// secretsManager is a fake of Secrets Manager's GetSecretValue (AWS JSON
// 1.1 protocol, X-Amz-Target secretsmanager.GetSecretValue; "GetSecretValue",
// AWS Secrets Manager API reference) that serves the key.
func secretsManager(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var in struct{ SecretId string }
		if r.Header.Get("X-Amz-Target") != "secretsmanager.GetSecretValue" || json.Unmarshal(b, &in) != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_ = json.NewEncoder(w).Encode(map[string]any{"ARN": in.SecretId, "Name": "token-key", "SecretString": tokenKey, "VersionId": "v1"})
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// mint is smoke.Mint with a string key.
func mint(t *testing.T, key string, claims map[string]any) string {
	t.Helper()
	tok, err := smoke.Mint([]byte(key), claims)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func guardedAPI(t *testing.T) *local.RestAPI {
	t.Helper()
	v, err := velocity()
	if err != nil {
		t.Fatal(err)
	}
	r := apiStack(t)
	d := local.StartDynalite(t)
	refs, err := d.CreateTables(context.Background(), r.JSON)
	if err != nil {
		t.Fatal(err)
	}
	secret := assertions.OnlyLogicalID(t, r, "AWS::SecretsManager::Secret", map[string]any{"Description": "HMAC key of the JWT authorizer Auth"})
	refs[secret] = "arn:aws:secretsmanager:us-east-1:123456789012:secret:token-key-AbCdEf"
	dirs := map[string]string{}
	for id, f := range assertions.Find(r, "AWS::Lambda::Function", nil) {
		switch f["Properties"].(map[string]any)["Description"] {
		case "JWT authorizer Auth":
			dirs[id] = "lambda/jwtauth"
		case "Looks up redirects":
			dirs[id] = "lambda/redirect"
		case "Orders back end (V2 contract)":
			dirs[id] = "lambda/orders"
		case "Issues a random cookie for GET /cookie":
			dirs[id] = "lambda/cookie"
		case "Sets and reads the language and theme cookies of /profile":
			dirs[id] = "lambda/profile"
		}
	}
	functions := local.StartFunctionsEnv(t, r.JSON, dirs, refs,
		map[string]string{"AWS_ENDPOINT_URL_SECRETS_MANAGER": secretsManager(t), "AWS_ENDPOINT_URL_DYNAMODB": d.Endpoint})
	return &local.RestAPI{Template: r.JSON, Refs: refs, Velocity: v, Backend: d, Functions: functions}
}

// POST /comments needs a valid token; GET stays public, as in the post.
func TestPostingACommentNeedsAToken(t *testing.T) {
	api := guardedAPI(t)
	body := `{"pageId":"breaking-news","userName":"u","message":"m"}`
	now := time.Now()
	valid := mint(t, tokenKey, map[string]any{"sub": "alice", "scope": "users", "exp": now.Add(time.Hour).Unix()})
	for name, c := range map[string]struct {
		authorization string
		status        int
	}{
		"no token":     {"", 401},
		"not a bearer": {"Basic Zm9vOmJhcg==", 401},
		"wrong key":    {"Bearer " + mint(t, "another-key-of-forty-three-characters-00000", map[string]any{"sub": "alice", "exp": now.Add(time.Hour).Unix()}), 401},
		"expired":      {"Bearer " + mint(t, tokenKey, map[string]any{"sub": "alice", "exp": now.Add(-2 * time.Minute).Unix()}), 401},
		"valid":        {"Bearer " + valid, 201},
		"lower bearer": {"bearer " + valid, 201},
	} {
		t.Run(name, func(t *testing.T) {
			headers := map[string]string{}
			if c.authorization != "" {
				headers["Authorization"] = c.authorization
			}
			resp, err := api.Do(context.Background(), local.HTTPRequest{Method: "POST", Path: "/comments", Body: body, Headers: headers,
				RequestID: strings.ReplaceAll(name, " ", "-")})
			if err != nil {
				t.Fatal(err)
			}
			if resp.Status != c.status {
				t.Errorf("status %d %s, want %d", resp.Status, resp.Body, c.status)
			}
			if c.status == 401 && resp.Body != `{"message":"Unauthorized"}` {
				t.Errorf("body %s", resp.Body)
			}
		})
	}
	// The same token again: API Gateway answers from its cache, without
	// calling the function.
	authorizer := assertions.OnlyLogicalID(t, apiStack(t), "AWS::ApiGateway::Authorizer", nil)
	calls := api.AuthorizerInvocations(authorizer)
	resp, err := api.Do(context.Background(), local.HTTPRequest{Method: "POST", Path: "/comments", Body: body, RequestID: "again",
		Headers: map[string]string{"Authorization": "Bearer " + valid}})
	if err != nil || resp.Status != 201 || api.AuthorizerInvocations(authorizer) != calls {
		t.Errorf("the same token again: %d %s (%v), %d calls after %d", resp.Status, resp.Body, err, api.AuthorizerInvocations(authorizer), calls)
	}
	resp, err = api.Do(context.Background(), local.HTTPRequest{Method: "GET", Path: "/comments/breaking-news"})
	if err != nil || resp.Status != 200 || strings.Count(resp.Body, `"commentId"`) != 3 {
		t.Errorf("GET without a token: %d %s (%v); want the three comments", resp.Status, resp.Body, err)
	}
}

// GET /r/{slug}, mounted on the same API, redirects from its table.
func TestTheLinksRouteRedirects(t *testing.T) {
	api := guardedAPI(t)
	r := apiStack(t)
	table := ""
	for id, res := range assertions.Find(r, "AWS::DynamoDB::Table", nil) {
		if strings.Contains(assertions.JSON(res["Properties"].(map[string]any)["KeySchema"]), `"slug"`) {
			table = api.Refs[id]
		}
	}
	backend := api.Backend.(*local.Dynalite)
	if _, err := backend.Client().PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: map[string]types.AttributeValue{
		"slug": &types.AttributeValueMemberS{Value: "post"}, "location": &types.AttributeValueMemberS{Value: "https://aws.amazon.com/blogs/compute/"},
	}}); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]int{"/r/post": 302, "/r/none": 404} {
		resp, err := api.Do(context.Background(), local.HTTPRequest{Method: "GET", Path: path})
		if err != nil || resp.Status != want {
			t.Errorf("GET %s: %d %v %s (%v)", path, resp.Status, resp.Headers, resp.Body, err)
		}
	}
}

// GET /v1/orders and /v2/orders, mounted on the same API, page and keep
// V1's contract.
func TestTheOrdersRoutes(t *testing.T) {
	api := guardedAPI(t)
	query := map[string]string{"start": "2015-10-01T00:00:00Z", "end": "2015-10-15T00:00:00Z"}
	for path, want := range map[string]string{
		"/v1/orders": `{"errorMessage":"Too many results, try your request with a shorter duration"}`,
		"/v2/orders": `"nextToken":"MjAxNS0xMC0wNlQwMDowMDowMC4wMDBa"`,
	} {
		resp, err := api.Do(context.Background(), local.HTTPRequest{Method: "GET", Path: path, Query: query})
		if err != nil || resp.Status != 200 || !strings.Contains(resp.Body, want) {
			t.Errorf("GET %s: %d %s (%v)", path, resp.Status, resp.Body, err)
		}
	}
}

// Every smoke check of `make integ` passes against the synthesized stack
// on the local emulator, over HTTP: the same code, another base URL.
func TestSmokeChecksOffline(t *testing.T) {
	srv := httptest.NewServer(guardedAPI(t))
	t.Cleanup(srv.Close)
	target := smoke.Target{BaseURL: srv.URL + "/", Client: srv.Client(),
		Token: mint(t, tokenKey, map[string]any{"sub": "smoke", "scope": "users", "exp": time.Now().Add(time.Hour).Unix()})}
	for _, c := range smoke.Checks() {
		t.Run(c.Name, func(t *testing.T) {
			if err := c.Run(context.Background(), target); err != nil {
				t.Error(err)
			}
		})
	}
	// A path no method serves: API Gateway's MISSING_AUTHENTICATION_TOKEN.
	resp, err := srv.Client().Get(srv.URL + "/nowhere")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != 403 || string(b) != `{"message":"Missing Authentication Token"}` {
		t.Errorf("GET /nowhere: %d %s", resp.StatusCode, b)
	}
}
