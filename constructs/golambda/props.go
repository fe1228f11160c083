package golambda

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/internal/module"
	"github.com/blueprints-cdk/blueprints/internal/ptr"
)

// Props configures a Go Lambda function. Nil fields take the default.
type Props struct {
	// Entry is the handler's folder name under lambda/, for example "cookie". Required.
	Entry *string
	// Description of the function. Default: none.
	Description *string
	// Environment variables. Default: none.
	Environment *map[string]*string
	// MemorySize in MiB. Default: 256.
	MemorySize *float64
	// Timeout of one invocation. Default: 10 seconds.
	Timeout awscdk.Duration
	// OnFailure receives asynchronous events that fail every retry. Default: none.
	OnFailure awslambda.IDestination
	// RetryAttempts for asynchronous invocations (0 to 2). Default: Lambda's (2).
	RetryAttempts *float64
	// MaxEventAge is how long an asynchronous event may wait, retries
	// included, before it goes to OnFailure unprocessed (60 seconds to 6
	// hours). Default: Lambda's (6 hours).
	MaxEventAge awscdk.Duration
}

// config is Props with the defaults applied: all that NewFunction reads.
type config struct {
	root, entry   string // the module's folder, and the handler's under lambda/
	memory        float64
	timeout       awscdk.Duration
	description   *string
	environment   *map[string]*string
	onFailure     awslambda.IDestination
	retryAttempts *float64
	maxEventAge   awscdk.Duration
}

// resolve checks that the handler exists in this module's source and
// applies the defaults.
func resolve(p *Props) (*config, error) {
	if p == nil || p.Entry == nil || *p.Entry == "" {
		return nil, fmt.Errorf("Props.Entry (the handler's folder under lambda/) is required")
	}
	root, err := module.Root()
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(root, "lambda", *p.Entry, "main.go")); err != nil {
		return nil, fmt.Errorf("no handler at lambda/%s/main.go in %s", *p.Entry, root)
	}
	c := &config{
		root: root, entry: *p.Entry, memory: ptr.Or(p.MemorySize, 256), timeout: p.Timeout,
		description: p.Description, environment: p.Environment, onFailure: p.OnFailure, retryAttempts: p.RetryAttempts,
		maxEventAge: p.MaxEventAge,
	}
	if c.timeout == nil {
		c.timeout = awscdk.Duration_Seconds(jsii.Number(10))
	}
	return c, nil
}
