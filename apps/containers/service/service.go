// Command service is the sample microservice of ContainersStack: a small Go
// HTTP service that one image runs as several ECS services, each routed by
// path on one Application Load Balancer (constructs/albservice).
//
//   - GET /health answers {"status":"ok"} (the target group's health check);
//   - GET /<SERVICE_NAME> and below answer a JSON document naming the service;
//   - logs are JSON lines on stdout (the awslogs driver ships them);
//   - on SIGTERM it stops accepting connections and finishes in-flight
//     requests within STOP_TIMEOUT (default 30s, the container's stop
//     timeout): ECS drains the target, sends SIGTERM, then SIGKILL after it;
//   - `service -healthcheck` asks the running service for /health and exits
//     0 or 1, so the binary is its own container health check (a minimal
//     image has no shell or curl).
//
// It uses only the standard library, so its Dockerfile builds it from its
// own folder alone.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// Config is the service's configuration, from its environment.
type Config struct {
	Name        string        // SERVICE_NAME: the routed path's first segment, e.g. "orders"
	Port        string        // PORT, default 8080
	StopTimeout time.Duration // STOP_TIMEOUT, default 30s
}

// ConfigFromEnv reads the configuration.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{Name: getenv("SERVICE_NAME"), Port: getenv("PORT"), StopTimeout: 30 * time.Second}
	if c.Name == "" || strings.ContainsAny(c.Name, "/ ") {
		return c, fmt.Errorf("SERVICE_NAME %q must be one path segment", c.Name)
	}
	if c.Port == "" {
		c.Port = "8080"
	}
	if v := getenv("STOP_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return c, fmt.Errorf("STOP_TIMEOUT %q must be a positive duration", v)
		}
		c.StopTimeout = d
	}
	return c, nil
}

// Handler is the service's HTTP API.
func Handler(c Config, log *slog.Logger) http.Handler {
	// reply writes a JSON response. The status is sent before the body, so a
	// failed write (the client went away) can only be logged.
	reply := func(w http.ResponseWriter, r *http.Request, status int, v any) {
		if err := writeJSON(w, status, v); err != nil {
			log.Warn("writing the response", "method", r.Method, "path", r.URL.Path, "err", err)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		reply(w, r, http.StatusOK, map[string]string{"status": "ok"})
	})
	serve := func(w http.ResponseWriter, r *http.Request) {
		reply(w, r, http.StatusOK, map[string]string{"service": c.Name, "path": r.URL.Path})
	}
	mux.HandleFunc("GET /"+c.Name, serve)
	mux.HandleFunc("GET /"+c.Name+"/", serve)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		reply(w, r, http.StatusNotFound, map[string]string{"message": "Not found"})
	})
	return logRequests(mux, log)
}

// writeJSON sends status and v as JSON, and returns the error of writing the
// body.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

// statusRecorder remembers the status a handler wrote, for the access log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func logRequests(next http.Handler, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		log.Info("request", "method", r.Method, "path", r.URL.Path, "status", rec.status,
			"ms", time.Since(start).Milliseconds(), "traceId", r.Header.Get("X-Amzn-Trace-Id"))
	})
}

// Serve runs srv on ln until ctx is done, then shuts down gracefully: no new
// connections, in-flight requests get until stopTimeout (minus a second's
// margin before the SIGKILL) to finish.
func Serve(ctx context.Context, srv *http.Server, ln net.Listener, stopTimeout time.Duration) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	deadline := stopTimeout - time.Second
	if deadline <= 0 {
		deadline = stopTimeout
	}
	sctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// HealthCheck asks the service on port for /health.
func HealthCheck(port string) error {
	client := &http.Client{Timeout: 3 * time.Second}
	resp, err := client.Get("http://127.0.0.1:" + port + "/health")
	if err != nil {
		return err
	}
	// Only the status matters and nothing is read from the body, so an error
	// closing it cannot change the answer.
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("health: %s", resp.Status)
	}
	return nil
}

func main() {
	healthcheck := flag.Bool("healthcheck", false, "check the running service's /health and exit 0 or 1")
	flag.Parse()
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	cfg, err := ConfigFromEnv(os.Getenv)
	if *healthcheck {
		port := os.Getenv("PORT")
		if port == "" {
			port = "8080"
		}
		if err := HealthCheck(port); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	if err != nil {
		log.Error("configuration", "error", err.Error())
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", ":"+cfg.Port)
	if err != nil {
		log.Error("listen", "error", err.Error())
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	srv := &http.Server{Handler: Handler(cfg, log), ReadHeaderTimeout: 10 * time.Second}
	log.Info("listening", "port", cfg.Port, "service", cfg.Name)
	if err := Serve(ctx, srv, ln, cfg.StopTimeout); err != nil {
		log.Error("stopped", "error", err.Error())
		os.Exit(1)
	}
	log.Info("stopped gracefully")
}
