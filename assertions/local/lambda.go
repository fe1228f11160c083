package local

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blueprints-cdk/blueprints/internal/gobuild"
	"github.com/blueprints-cdk/blueprints/internal/module"
)

// Function is a Go Lambda handler running on this machine: the handler's
// own binary, built with golambda's flags but for this machine and not
// trimmed (gobuild.Local), serving a local Lambda Runtime API on
// 127.0.0.1. Only the runtime's own invoke loop (aws-lambda-go's, inside
// the binary) produces the real success and error payloads: a panic
// recovered into {"errorMessage", "errorType"} with the Go type name, for
// example.
//
// The Runtime API follows the Lambda developer guide, "Using the Lambda
// runtime API for custom runtimes": GET /2018-06-01/runtime/invocation/next
// hands out one event with its Lambda-Runtime-Aws-Request-Id and
// Lambda-Runtime-Deadline-Ms headers; the runtime answers on
// /runtime/invocation/{id}/response or /runtime/invocation/{id}/error, or
// reports a failed start on /runtime/init/error.
type Function struct {
	// Timeout is the function's own timeout (AWS::Lambda::Function
	// Timeout); 0 means none shorter than the caller's.
	Timeout time.Duration

	bin string
	env []string
	log bytes.Buffer // the process's stdout and stderr

	mu      sync.Mutex
	srv     *http.Server
	addr    string
	cmd     *exec.Cmd
	exited  chan struct{} // closed when cmd exits
	exitErr error         // why it exited, once exited is closed
	next    chan *invocation
	pending map[string]*invocation
	seq     int
	closed  bool
}

type invocation struct {
	id       string
	payload  []byte
	deadline time.Time
	done     chan Invocation
}

// Invocation is what one Invoke gave.
type Invocation struct {
	// Payload is the handler's JSON result, on success.
	Payload []byte
	// Error is the handler's error, or nil.
	Error *FunctionError
	// TimedOut is true when the handler did not answer in time; the process
	// was then stopped, as Lambda resets an environment after a timeout.
	TimedOut bool
}

// FunctionError is a Lambda function error as the runtime reports it.
type FunctionError struct {
	Message string `json:"errorMessage"`
	Type    string `json:"errorType"`
	// Raw is the error document the runtime posted, which API Gateway hands
	// to a Lambda integration's response templates.
	Raw []byte `json:"-"`
}

var builds sync.Map // package dir → *buildResult

type buildResult struct {
	once sync.Once
	bin  string
	err  error
}

// BuildFunction builds the Go main package at dir (a folder of this module,
// such as lambda/cookie or a test's testdata handler) for this machine
// (gobuild.Local: the handlers' flags but -trimpath, static, so that it
// links the packages go test compiled under make test), once per test
// process; a handler of lambda/ unchanged since a test process built it
// comes from gobuild's cache.
func BuildFunction(dir string) (string, error) {
	v, _ := builds.LoadOrStore(dir, &buildResult{})
	b := v.(*buildResult)
	b.once.Do(func() {
		root, err := module.Root()
		if err != nil {
			b.err = err
			return
		}
		out, err := os.MkdirTemp("", "blueprints-fn-")
		if err != nil {
			b.err = err
			return
		}
		b.bin = filepath.Join(out, "bootstrap")
		b.err = gobuild.CachedBuild(root, dir, b.bin, gobuild.Local)
	})
	return b.bin, b.err
}

// StartFunction builds the handler in dir (relative to the module root) and
// serves its Runtime API; the process starts on the first Invoke with env
// (the function's environment, as the template sets it) and stops with the
// test.
func StartFunction(t testing.TB, dir string, env map[string]string) *Function {
	t.Helper()
	bin, err := BuildFunction(dir)
	if err != nil {
		t.Fatal(err)
	}
	f, err := NewFunction(bin, env)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := f.Close(); err != nil {
			t.Errorf("stopping %s: %v", dir, err)
		}
		if t.Failed() && f.log.Len() > 0 {
			t.Logf("%s logged:\n%s", dir, f.log.String())
		}
	})
	return f
}

// NewFunction serves a Runtime API for the built handler bin.
func NewFunction(bin string, env map[string]string) (*Function, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	f := &Function{bin: bin, addr: ln.Addr().String(), next: make(chan *invocation, 16), pending: map[string]*invocation{}}
	f.env = append(f.env,
		"AWS_LAMBDA_RUNTIME_API="+f.addr, "AWS_LAMBDA_FUNCTION_NAME=local", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256",
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST", "AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local",
		"PATH="+os.Getenv("PATH"))
	for k, v := range env {
		f.env = append(f.env, k+"="+v)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", f.serveNext)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", f.serveAnswer(false))
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", f.serveAnswer(true))
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", f.serveInitError)
	f.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = f.srv.Serve(ln) }() // Serve returns ErrServerClosed on Close
	return f, nil
}

// Invoke sends payload to the handler and waits up to timeout for its
// answer, as a synchronous invocation does.
func (f *Function) Invoke(ctx context.Context, payload []byte, timeout time.Duration) (Invocation, error) {
	exited, err := f.ensureRunning()
	if err != nil {
		return Invocation{}, err
	}
	f.mu.Lock()
	f.seq++
	inv := &invocation{id: fmt.Sprintf("local-invocation-%d", f.seq), payload: payload, deadline: time.Now().Add(timeout), done: make(chan Invocation, 1)}
	f.pending[inv.id] = inv
	f.mu.Unlock()
	// The function's own timeout, when shorter than the caller's, ends the
	// invocation as a function error ("Task timed out after N seconds",
	// Lambda developer guide, "Troubleshoot invocation issues in Lambda");
	// the caller's (API Gateway's integration timeout) ends the wait.
	own := f.Timeout > 0 && f.Timeout < timeout
	wait := timeout
	if own {
		wait = f.Timeout
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	// The invocation waits for the runtime to take it (next) and to answer;
	// a send to the nil channel, once sent, never proceeds.
	next := f.next
	for {
		select {
		case next <- inv:
			next = nil
			continue
		case res := <-inv.done:
			return res, nil
		case <-exited:
			// The process ended before answering: Lambda reports Runtime.ExitError.
			f.forget(inv.id)
			f.mu.Lock()
			why := f.exitErr
			f.mu.Unlock()
			return functionError(fmt.Sprintf("RequestId: %s Error: Runtime exited with error: %v", inv.id, why), "Runtime.ExitError"), nil
		case <-timer.C:
			f.forget(inv.id)
			if own {
				return functionError(fmt.Sprintf("RequestId: %s Error: Task timed out after %.2f seconds", inv.id, f.Timeout.Seconds()),
					"Sandbox.Timedout"), f.stop()
			}
			return Invocation{TimedOut: true}, f.stop()
		case <-ctx.Done():
			f.forget(inv.id)
			return Invocation{}, ctx.Err()
		}
	}
}

// functionError is an error result that Lambda, not the handler, reports.
func functionError(message, typ string) Invocation {
	raw, _ := json.Marshal(map[string]string{"errorMessage": message, "errorType": typ})
	return Invocation{Error: &FunctionError{Message: message, Type: typ, Raw: raw}}
}

func (f *Function) forget(id string) {
	f.mu.Lock()
	delete(f.pending, id)
	f.mu.Unlock()
}

// ensureRunning starts the process if it is not running.
func (f *Function) ensureRunning() (chan struct{}, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil, errors.New("the function is closed")
	}
	if f.cmd != nil {
		select {
		case <-f.exited:
		default:
			return f.exited, nil
		}
	}
	cmd := exec.Command(f.bin)
	cmd.Env = f.env
	cmd.Stdout, cmd.Stderr = &lockedWriter{mu: &f.mu, w: &f.log}, &lockedWriter{mu: &f.mu, w: &f.log}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan struct{})
	go func() {
		err := cmd.Wait() // the exit status is the invocation's concern (Runtime.ExitError)
		f.mu.Lock()
		f.exitErr = err
		f.mu.Unlock()
		close(exited)
	}()
	f.cmd, f.exited = cmd, exited
	return exited, nil
}

// stop ends the process, as Lambda does after a timeout.
func (f *Function) stop() error {
	f.mu.Lock()
	cmd, exited := f.cmd, f.exited
	f.mu.Unlock()
	if cmd == nil {
		return nil
	}
	select {
	case <-exited:
		return nil
	default:
	}
	// It may have ended on its own meanwhile (aws-lambda-go exits after
	// reporting a panic).
	if err := cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	<-exited
	return nil
}

// Close stops the process and the Runtime API; an Invoke after it fails.
func (f *Function) Close() error {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	err := f.stop()
	if cerr := f.srv.Close(); err == nil {
		err = cerr
	}
	return err
}

func (f *Function) serveNext(w http.ResponseWriter, r *http.Request) {
	for {
		select {
		case inv := <-f.next:
			f.mu.Lock()
			_, live := f.pending[inv.id]
			f.mu.Unlock()
			if !live { // it timed out before a runtime took it
				continue
			}
			f.hand(w, inv)
		case <-r.Context().Done():
		}
		return
	}
}

// hand gives one invocation to the runtime that polled.
func (f *Function) hand(w http.ResponseWriter, inv *invocation) {
	w.Header().Set("Lambda-Runtime-Aws-Request-Id", inv.id)
	w.Header().Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.deadline.UnixMilli(), 10))
	w.Header().Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:111111111111:function:local")
	w.Header().Set("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Sampled=0")
	_, _ = w.Write(inv.payload) // a failed write shows as the invocation timing out
}

func (f *Function) serveAnswer(isError bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		inv, ok := f.pending[r.PathValue("id")]
		delete(f.pending, r.PathValue("id"))
		f.mu.Unlock()
		if !ok { // answered after a timeout: Lambda discards it
			w.WriteHeader(http.StatusAccepted)
			return
		}
		res := Invocation{Payload: body}
		if isError {
			fe := &FunctionError{Raw: body}
			if err := json.Unmarshal(body, fe); err != nil {
				fe.Message, fe.Type = string(body), "Runtime.InvalidError"
			}
			res = Invocation{Error: fe}
		}
		inv.done <- res
		w.WriteHeader(http.StatusAccepted)
	}
}

func (f *Function) serveInitError(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body) // logged only
	f.mu.Lock()
	fmt.Fprintf(&f.log, "init error: %s\n", strings.TrimSpace(string(body)))
	f.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}

// lockedWriter serializes the process's output with the Function's state.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// StartFunctions starts a Function for each logical id in dirs (the
// handler's folder, relative to the module root), with the environment the
// template gives that AWS::Lambda::Function, its references resolved by
// refs: the functions as the stack deploys them, for RestAPI.Functions.
func StartFunctions(t testing.TB, template map[string]any, dirs map[string]string, refs map[string]string) map[string]*Function {
	t.Helper()
	return StartFunctionsEnv(t, template, dirs, refs, nil)
}

// StartFunctionsEnv is StartFunctions with extra variables in every
// function's environment, such as AWS_ENDPOINT_URL_DYNAMODB for a local
// backend (lambdamain.Endpoint).
func StartFunctionsEnv(t testing.TB, template map[string]any, dirs, refs, extra map[string]string) map[string]*Function {
	t.Helper()
	resources, _ := template["Resources"].(map[string]any)
	out := map[string]*Function{}
	for id, dir := range dirs {
		res, _ := resources[id].(map[string]any)
		if res["Type"] != "AWS::Lambda::Function" {
			t.Fatalf("%s is not an AWS::Lambda::Function of the template", id)
		}
		props, _ := res["Properties"].(map[string]any)
		envProp, _ := props["Environment"].(map[string]any)
		vars, _ := envProp["Variables"].(map[string]any)
		env := map[string]string{}
		for k, v := range vars {
			s, err := Resolve(v, refs)
			if err != nil {
				t.Fatalf("%s environment %s: %v", id, k, err)
			}
			env[k] = s
		}
		for k, v := range extra {
			env[k] = v
		}
		out[id] = StartFunction(t, dir, env)
		// Lambda's default timeout is 3 seconds ("Configure Lambda function
		// timeout").
		out[id].Timeout = 3 * time.Second
		if secs, ok := props["Timeout"].(float64); ok {
			out[id].Timeout = time.Duration(secs * float64(time.Second))
		}
	}
	return out
}
