package local

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"sync"
)

// Request is what a mapping template sees of a method request.
type Request struct {
	// Body is the raw request (or integration-response) body.
	Body string `json:"body"`
	// Path, Querystring and Header are the method request parameters.
	Path        map[string]string `json:"path,omitempty"`
	Querystring map[string]string `json:"querystring,omitempty"`
	Header      map[string]string `json:"header,omitempty"`
	// Context is $context, for example {"requestId": "…", "identity": {…}}.
	Context map[string]any `json:"context,omitempty"`
	// StageVariables is $stageVariables.
	StageVariables map[string]string `json:"stageVariables,omitempty"`
}

// Rendered is a template's output and the response overrides it set.
type Rendered struct {
	Output string `json:"output"`
	// Status is $context.responseOverride.status, or 0 if the template did not set it.
	Status int `json:"status"`
	// Headers are the $context.responseOverride.header values the template set.
	Headers map[string]string `json:"headers"`
	Error   string            `json:"error"`
}

// Velocity is a running renderer (one Node process). It is safe for
// concurrent use; requests are served one at a time.
type Velocity struct {
	mu    sync.Mutex
	cmd   *exec.Cmd
	in    io.WriteCloser
	out   *bufio.Reader
	close sync.Once
	// closeErr is what stopping the process returned.
	closeErr error
}

// StartVelocity starts the renderer. Close stops it.
func StartVelocity() (*Velocity, error) {
	cmd, in, out, err := startNode("velocity.js", "velocityjs")
	if err != nil {
		return nil, err
	}
	return &Velocity{cmd: cmd, in: in, out: bufio.NewReaderSize(out, 1<<20)}, nil
}

// Render runs template against req. A template error (bad syntax, a body
// that is not JSON where the template reads it) is returned as an error.
func (v *Velocity) Render(template string, req Request) (Rendered, error) {
	line, err := json.Marshal(map[string]any{"template": template, "request": req})
	if err != nil {
		return Rendered{}, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if _, err := v.in.Write(append(line, '\n')); err != nil {
		return Rendered{}, fmt.Errorf("velocity renderer: %w", err)
	}
	resp, err := v.out.ReadBytes('\n')
	if err != nil {
		return Rendered{}, fmt.Errorf("velocity renderer: %w", err)
	}
	var r Rendered
	if err := json.Unmarshal(resp, &r); err != nil {
		return Rendered{}, fmt.Errorf("velocity renderer answered %q: %w", resp, err)
	}
	if r.Error != "" {
		return r, fmt.Errorf("rendering template: %s", r.Error)
	}
	return r, nil
}

// Close stops the renderer. The error says if it did not exit cleanly; every
// call returns the first call's.
func (v *Velocity) Close() error {
	v.close.Do(func() { v.closeErr = stopNode(v.cmd, v.in) })
	return v.closeErr
}
