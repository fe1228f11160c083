package main

import (
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/blueprints-cdk/blueprints/internal/cookies"
)

func main() {
	h, err := newHandler(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cookie handler configuration:", err)
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}

// newHandler reads the configuration the construct set.
func newHandler(getenv func(string) string) (*Handler, error) {
	attrs, err := cookies.FromEnv(getenv)
	if err != nil {
		return nil, err
	}
	name := getenv(cookies.EnvName)
	if name == "" {
		name = "myCookie"
	}
	if err := (&http.Cookie{Name: name, Value: "x"}).Valid(); err != nil {
		return nil, fmt.Errorf("%s %q: %w", cookies.EnvName, name, err)
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	return &Handler{Name: name, Attrs: attrs, Random: rand.Reader, Now: time.Now, Log: log}, nil
}
