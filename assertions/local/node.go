package local

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"

	"github.com/blueprints-cdk/blueprints/internal/module"
)

// startNode runs one of this package's scripts with the tools' Node, once
// the npm package it needs is installed, with pipes to its stdin and stdout.
// The script exits when its stdin closes.
func startNode(script, npmPackage string) (*exec.Cmd, io.WriteCloser, io.ReadCloser, error) {
	_, self, _, _ := runtime.Caller(0)
	cmd, err := module.NodeCommand(filepath.Join(filepath.Dir(self), script), npmPackage)
	if err != nil {
		return nil, nil, nil, err
	}
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, nil, nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, nil, nil, fmt.Errorf("starting %s: %w", script, err)
	}
	return cmd, in, out, nil
}

// stopNode stops a script started by startNode: it closes the script's
// stdin, which makes it exit, and waits for it. The error says if either
// failed, such as the script exiting with a non-zero status.
func stopNode(cmd *exec.Cmd, stdin io.Closer) error {
	closeErr := stdin.Close()
	if err := cmd.Wait(); err != nil {
		return errors.Join(closeErr, fmt.Errorf("%s: %w", filepath.Base(cmd.Args[len(cmd.Args)-1]), err))
	}
	return closeErr
}
