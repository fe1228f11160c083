package main

import (
	"os"

	"github.com/blueprints-cdk/blueprints/internal/lambdamain"
)

func main() {
	h, err := newHandler(os.Getenv)
	lambdamain.Start(h.Handle, err)
}
