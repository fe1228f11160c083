// Package smoke is ChatStack's smoke checklist, written once against a WebSocket URL.
//
// `make test` runs it against the synthesized stack on the local WebSocket
// gateway (apps/chatstack's TestSmokeChecksOffline), and `make integ`
// against a deployment's WebSocketUrl (integ/).
package smoke

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/coder/websocket"
)

// Check is one documented behaviour of the chat room.
type Check struct {
	// Name says what the check expects.
	Name string
	// Run connects to url (wss://…/dev, or ws:// locally) and says what
	// was wrong, or nil.
	Run func(ctx context.Context, url string) error
}

// Checks are ChatStack's checks, in the order a report lists them.
func Checks() []Check {
	return []Check{
		{"a message reaches every connected client, byte for byte", chat},
		{"a malformed message gets an error frame, to its sender only", malformed},
		{"a binary frame closes the connection with 1003", func(ctx context.Context, url string) error {
			return closedWith(ctx, url, websocket.MessageBinary, []byte(`{"action":"sendmessage","data":"x"}`), websocket.StatusUnsupportedData)
		}},
		{"a frame over 32 KB closes the connection with 1009", func(ctx context.Context, url string) error {
			return closedWith(ctx, url, websocket.MessageText, []byte(strings.Repeat("x", 32*1024+1)), websocket.StatusMessageTooBig)
		}},
	}
}

// Client is a connection whose frames a goroutine reads into a channel:
// coder/websocket closes a connection whose Read is cancelled, so waiting
// for "no message" must not cancel a Read.
type Client struct {
	// Conn is the connection, for writing and closing.
	Conn   *websocket.Conn
	frames chan string
	err    chan error
}

// Dial connects to url, with reads of up to API Gateway's 128 KB message.
func Dial(ctx context.Context, url string) (*Client, error) {
	c, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", url, err)
	}
	c.SetReadLimit(128 * 1024)
	cl := &Client{Conn: c, frames: make(chan string, 16), err: make(chan error, 1)}
	go func() {
		for {
			_, b, err := c.Read(context.Background())
			if err != nil {
				cl.err <- err
				return
			}
			cl.frames <- string(b)
		}
	}()
	return cl, nil
}

// Next is the next frame, the connection's error, or
// context.DeadlineExceeded after wait.
func (cl *Client) Next(wait time.Duration) (string, error) {
	select {
	case f := <-cl.frames:
		return f, nil
	case err := <-cl.err:
		return "", err
	case <-time.After(wait):
		return "", context.DeadlineExceeded
	}
}

func (cl *Client) close() { _ = cl.Conn.Close(websocket.StatusNormalClosure, "") }

func pair(ctx context.Context, url string) (*Client, *Client, error) {
	a, err := Dial(ctx, url)
	if err != nil {
		return nil, nil, err
	}
	b, err := Dial(ctx, url)
	if err != nil {
		a.close()
		return nil, nil, err
	}
	// A gateway may record a connection just after the handshake its
	// client has seen (the local one does): let it, before a broadcast.
	time.Sleep(250 * time.Millisecond)
	return a, b, nil
}

func chat(ctx context.Context, url string) error {
	a, b, err := pair(ctx, url)
	if err != nil {
		return err
	}
	defer a.close()
	defer b.close()
	nonce := make([]byte, 6)
	_, _ = rand.Read(nonce)
	data := `smoke "` + hex.EncodeToString(nonce) + `" </script> 😀`
	msg, err := json.Marshal(map[string]string{"action": "sendmessage", "data": data})
	if err != nil {
		return err
	}
	if err := a.Conn.Write(ctx, websocket.MessageText, msg); err != nil {
		return err
	}
	for name, cl := range map[string]*Client{"the sender": a, "the other client": b} {
		if err := await(cl, data); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

// await reads frames until one is want (other clients' messages may come
// first on a shared deployment).
func await(cl *Client, want string) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := cl.Next(time.Until(deadline))
		if err != nil {
			return fmt.Errorf("waiting for %q: %w", want, err)
		}
		if got == want {
			return nil
		}
	}
}

func malformed(ctx context.Context, url string) error {
	a, b, err := pair(ctx, url)
	if err != nil {
		return err
	}
	defer a.close()
	defer b.close()
	if err := a.Conn.Write(ctx, websocket.MessageText, []byte(`{"action":"sendmessage","data":5}`)); err != nil {
		return err
	}
	got, err := a.Next(10 * time.Second)
	if err != nil || !strings.HasPrefix(got, `{"error":`) {
		return fmt.Errorf("the sender got %q (%v), want an error frame", got, err)
	}
	if got, err := b.Next(time.Second); !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("the other client got %q (%v): a malformed message was broadcast", got, err)
	}
	return nil
}

func closedWith(ctx context.Context, url string, typ websocket.MessageType, frame []byte, want websocket.StatusCode) error {
	cl, err := Dial(ctx, url)
	if err != nil {
		return err
	}
	defer func() { _ = cl.Conn.CloseNow() }()
	if err := cl.Conn.Write(ctx, typ, frame); err != nil {
		return err
	}
	if _, err := cl.Next(10 * time.Second); websocket.CloseStatus(err) != want {
		return fmt.Errorf("got %v, want the connection closed with %d", err, want)
	}
	return nil
}
