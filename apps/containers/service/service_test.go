package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

var cfg = Config{Name: "orders", Port: "8080", StopTimeout: 30 * time.Second}

func TestRoutes(t *testing.T) {
	srv := httptest.NewServer(Handler(cfg, slog.New(slog.DiscardHandler)))
	defer srv.Close()
	cases := map[string]struct {
		status int
		body   string
	}{
		"/health":         {200, `{"status":"ok"}`},
		"/orders":         {200, `{"path":"/orders","service":"orders"}`},
		"/orders/42":      {200, `{"path":"/orders/42","service":"orders"}`},
		"/inventory":      {404, `{"message":"Not found"}`},
		"/ordersextended": {404, `{"message":"Not found"}`},
	}
	for path, want := range cases {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, err := readBody(resp)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		if resp.StatusCode != want.status || strings.TrimSpace(string(b)) != want.body || resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("GET %s: %d %s", path, resp.StatusCode, b)
		}
	}
}

func TestRequestsAreLoggedAsJSON(t *testing.T) {
	var buf strings.Builder
	srv := httptest.NewServer(Handler(cfg, slog.New(slog.NewJSONHandler(&buf, nil))))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/orders")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := readBody(resp); err != nil {
		t.Fatal(err)
	}
	var line map[string]any
	if err := json.Unmarshal([]byte(strings.TrimSpace(buf.String())), &line); err != nil || line["path"] != "/orders" || line["status"] != 200.0 {
		t.Errorf("log line %q: %v", buf.String(), err)
	}
}

// readBody reads and closes a response body.
func readBody(resp *http.Response) ([]byte, error) {
	b, err := io.ReadAll(resp.Body)
	if cerr := resp.Body.Close(); err == nil {
		err = cerr
	}
	return b, err
}

// slow is a handler whose requests take d; each tells written whether its
// answer could be sent.
func slow(d time.Duration, written chan<- error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(d)
		_, err := io.WriteString(w, "done")
		written <- err
	})
}

// get requests url in the background; the channel receives the body, or the
// error's text.
func get(url string) <-chan string {
	result := make(chan string, 1)
	go func() {
		resp, err := http.Get(url)
		if err != nil {
			result <- err.Error()
			return
		}
		b, err := readBody(resp)
		if err != nil {
			result <- err.Error()
			return
		}
		result <- string(b)
	}()
	return result
}

func serve(t *testing.T, h http.Handler, stopTimeout time.Duration) (string, context.CancelFunc, chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, &http.Server{Handler: h}, ln, stopTimeout) }()
	return "http://" + ln.Addr().String(), cancel, done
}

func TestSIGTERMFinishesInFlightRequestsAndRefusesNewOnes(t *testing.T) {
	written := make(chan error, 1)
	url, sigterm, done := serve(t, slow(300*time.Millisecond, written), 5*time.Second)
	result := get(url)
	time.Sleep(100 * time.Millisecond) // the request is in flight
	sigterm()
	if got := <-result; got != "done" {
		t.Errorf("the in-flight request got %q", got)
	}
	if err := <-written; err != nil {
		t.Errorf("the in-flight request's answer: %v", err)
	}
	if err := <-done; err != nil {
		t.Errorf("graceful shutdown: %v", err)
	}
	if _, err := http.Get(url); err == nil {
		t.Error("a new request was accepted after shutdown")
	}
}

func TestShutdownGivesUpAtTheStopTimeout(t *testing.T) {
	// The request outlives the test (the server gives up on it, it does not
	// end it), so neither its answer nor its outcome is waited for.
	url, sigterm, done := serve(t, slow(3*time.Second, make(chan error, 1)), 1500*time.Millisecond)
	get(url)
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	sigterm()
	err := <-done
	if err == nil || !strings.Contains(err.Error(), "context deadline exceeded") {
		t.Errorf("want the deadline error, got %v", err)
	}
	// A second's margin before the SIGKILL: 1.5 s − 1 s.
	if took := time.Since(start); took > 1200*time.Millisecond {
		t.Errorf("shutdown took %v, past the margin before SIGKILL", took)
	}
}

func TestHealthCheckFlag(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: Handler(cfg, slog.New(slog.DiscardHandler))}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	if err := HealthCheck(port); err != nil {
		t.Errorf("healthy service: %v", err)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("serving: %v", err)
	}
	if err := HealthCheck(port); err == nil {
		t.Error("a stopped service must fail the health check")
	}
}

func TestConfiguration(t *testing.T) {
	c, err := ConfigFromEnv(func(k string) string { return map[string]string{"SERVICE_NAME": "inventory", "STOP_TIMEOUT": "10s"}[k] })
	if err != nil || c.Name != "inventory" || c.Port != "8080" || c.StopTimeout != 10*time.Second {
		t.Errorf("got %+v %v", c, err)
	}
	for env, v := range map[string]string{"SERVICE_NAME": "a/b", "STOP_TIMEOUT": "never"} {
		_, err := ConfigFromEnv(func(k string) string {
			if k == env {
				return v
			}
			return map[string]string{"SERVICE_NAME": "x"}[k]
		})
		if err == nil || !strings.Contains(err.Error(), env) {
			t.Errorf("%s=%q: got %v", env, v, err)
		}
	}
}

func BenchmarkHandler(b *testing.B) {
	h := Handler(cfg, slog.New(slog.DiscardHandler))
	req := httptest.NewRequest("GET", "/orders/42", nil)
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
}
