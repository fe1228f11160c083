package cookieapi_test

// End-to-end runs of every cookie route through the local API Gateway
// emulator: the synthesized methods, with the real handlers built for this
// machine under a local Lambda Runtime API.

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/blueprints-cdk/blueprints/assertions"
	"github.com/blueprints-cdk/blueprints/assertions/local"
)

var velocity = sync.OnceValues(local.StartVelocity)

// cookieRoutes is the default CookieApi, with the handler folders each of
// its functions runs; cookieDir replaces lambda/cookie when not empty.
func cookieRoutes(t *testing.T, cookieDir string) *local.RestAPI {
	t.Helper()
	v, err := velocity()
	if err != nil {
		t.Fatalf("starting the Velocity renderer: %v", err)
	}
	r := cookies(t)
	if cookieDir == "" {
		cookieDir = "lambda/cookie"
	}
	fns := local.StartFunctions(t, r.JSON, map[string]string{
		assertions.LogicalID(defaultApi.CookieFunction.Function):  cookieDir,
		assertions.LogicalID(defaultApi.ProfileFunction.Function): "lambda/profile",
	}, nil)
	return &local.RestAPI{Template: r.JSON, Velocity: v, Functions: fns}
}

func do(t *testing.T, api *local.RestAPI, req local.HTTPRequest) local.HTTPResponse {
	t.Helper()
	resp, err := api.Do(context.Background(), req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.Path, err)
	}
	return resp
}

func TestGetCookieSetsTheCookieFromTheHandlersResultAndKeepsItOutOfTheBody(t *testing.T) {
	resp := do(t, cookieRoutes(t, ""), local.HTTPRequest{Method: "GET", Path: "/cookie"})
	if resp.Status != 200 || resp.Body != `{"message":"cookie set"}` || resp.Headers["Cache-Control"] != "no-store" {
		t.Fatalf("got %d %s %v", resp.Status, resp.Body, resp.Headers)
	}
	c, err := http.ParseSetCookie(resp.Headers["Set-Cookie"])
	if err != nil {
		t.Fatalf("Set-Cookie %q: %v", resp.Headers["Set-Cookie"], err)
	}
	if c.Name != "myCookie" || len(c.Value) != 43 || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode ||
		c.Path != "/" || c.MaxAge != 31536000 {
		t.Errorf("cookie %+v", c)
	}
	if strings.Contains(resp.Body, c.Value) {
		t.Errorf("the body carries the cookie: %s", resp.Body)
	}
}

// A handler error whose message spans lines is still a JSON 500: the
// pattern matches the whole message, newlines included, as API Gateway's
// Java regex does.
func TestAMultiLineHandlerErrorIsAJSON500WithoutACookie(t *testing.T) {
	resp := do(t, cookieRoutes(t, "constructs/cookieapi/testdata/failing"), local.HTTPRequest{Method: "GET", Path: "/cookie"})
	if resp.Status != 500 || resp.Body != `{"message":"Internal server error"}` || resp.Headers["Set-Cookie"] != "" {
		t.Errorf("got %d %s %v", resp.Status, resp.Body, resp.Headers)
	}
}

func TestPostThenGetProfileRoundTripsTwoCookiesThroughMultiValueHeaders(t *testing.T) {
	api := cookieRoutes(t, "")
	resp := do(t, api, local.HTTPRequest{Method: "POST", Path: "/profile", Body: `{"language":"en-us","theme":"blue moon"}`})
	if resp.Status != 200 || len(resp.MultiHeaders["Set-Cookie"]) != 2 {
		t.Fatalf("POST: %d %s %v", resp.Status, resp.Body, resp.MultiHeaders)
	}
	var pairs []string
	for _, h := range resp.MultiHeaders["Set-Cookie"] {
		c, err := http.ParseSetCookie(h)
		if err != nil {
			t.Fatal(err)
		}
		pairs = append(pairs, c.Name+"="+c.Value)
	}
	got := do(t, api, local.HTTPRequest{Method: "GET", Path: "/profile", Headers: map[string]string{"Cookie": strings.Join(pairs, "; ")}})
	var p struct{ Language, Theme string }
	if got.Status != 200 || json.Unmarshal([]byte(got.Body), &p) != nil || p.Language != "en-US" || p.Theme != "blue moon" {
		t.Errorf("GET: %d %s", got.Status, got.Body)
	}
}

func TestABadProfileIsA400BeforeTheHandler(t *testing.T) {
	resp := do(t, cookieRoutes(t, ""), local.HTTPRequest{Method: "POST", Path: "/profile", Body: `{"language":"en"}`})
	if resp.Status != 400 || resp.Body != `{"message":"Invalid request body"}` || resp.IntegrationRequest != "" {
		t.Errorf("got %d %s (sent %s)", resp.Status, resp.Body, resp.IntegrationRequest)
	}
}
