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
	node, err := module.Node()
	if err != nil {
		return nil, nil, nil, err
	}
	if _, err := module.NodePackage(npmPackage); err != nil {
		return nil, nil, nil, err
	}
	tools, _ := module.ToolsDir()
	_, self, _, _ := runtime.Caller(0)
	cmd := exec.Command(node, filepath.Join(filepath.Dir(self), script))
	cmd.Env = append(os.Environ(), "BLUEPRINTS_TOOLS="+tools)
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
