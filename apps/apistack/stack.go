// Package apistack is the ApiStack sample: one REST API that hosts the
// Comments API (dynamoproxy) and the cookie routes (cookieapi), behind the
// secured front door (frontdoor).
package apistack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Props configures the ApiStack sample.
type Props struct {
	awscdk.StackProps
}

// ApiStack is the sample API stack.
type ApiStack struct {
	awscdk.Stack
}

// NewApiStack builds the sample API stack.
func NewApiStack(scope constructs.Construct, id string, props *Props) *ApiStack {
	if props == nil {
		props = &Props{}
	}
	stack := awscdk.NewStack(scope, jsii.String(id), &props.StackProps)
	return &ApiStack{Stack: stack}
}
