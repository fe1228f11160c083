package golambda_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/constructs/golambda"
)

func ExampleNewFunction() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Handlers"), nil)

	// lambda/cookie of this module, built by the local Go toolchain for
	// arm64 when the stack is synthesized, with its own log group and a
	// role that may write only there and to X-Ray.
	fn := golambda.NewFunction(stack, "Cookie", &golambda.Props{
		Entry:       jsii.String("cookie"),
		Description: jsii.String("Issues a random cookie"),
	})
	fmt.Println(*fn.Function.Runtime().Name())
	// Output: provided.al2023
}
