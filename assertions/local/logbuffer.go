package local

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"testing"
)

// LogBuffer collects a handler's log lines in a test: a bytes.Buffer that
// several goroutines may write (a broadcast's workers, a key refresh)
// while the test reads it.
type LogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String is everything written so far.
func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Line is the first JSON line logged with the message msg (slog's "msg");
// the test fails without one.
func (l *LogBuffer) Line(t testing.TB, msg string) map[string]any {
	t.Helper()
	s := bufio.NewScanner(strings.NewReader(l.String()))
	for s.Scan() {
		var line map[string]any
		if json.Unmarshal(s.Bytes(), &line) == nil && line["msg"] == msg {
			return line
		}
	}
	t.Fatalf("no %q line in the logs:\n%s", msg, l.String())
	return nil
}
