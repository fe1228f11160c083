// Command fn is a Lambda handler for the emulator's own tests: the event
// says how it answers.
package main

import (
	"context"
	"errors"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

type event struct {
	Mode    string `json:"mode"`
	Message string `json:"message"`
	SleepMs int    `json:"sleepMs"`
}

func handle(_ context.Context, ev event) (map[string]any, error) {
	switch ev.Mode {
	case "error":
		return nil, errors.New(ev.Message)
	case "panic":
		panic(ev.Message)
	case "sleep":
		time.Sleep(time.Duration(ev.SleepMs) * time.Millisecond)
	case "exit":
		os.Exit(3)
	}
	return map[string]any{"Cookie": "id=abc; Path=/", "mode": ev.Mode, "n": 7}, nil
}

func main() { lambda.Start(handle) }
