package emailhygiene_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/constructs/emailhygiene"
)

func ExampleNewEmailHygiene() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Example"), nil)

	// The post's pipeline with its lookup API, secure by default.
	hygiene := emailhygiene.NewEmailHygiene(stack, "Hygiene", nil)

	// A customised use: a stricter transient-bounce rule, and no lookup API.
	strict := emailhygiene.NewEmailHygiene(stack, "Strict", &emailhygiene.Props{
		TransientBounceLimit:  jsii.Number(2),
		TransientBounceWindow: awscdk.Duration_Days(jsii.Number(7)),
		AllowLookup:           jsii.Bool(false),
	})

	fmt.Println(*hygiene.Lookup.Item.Path(), strict.Lookup == nil)
	// Output: /suppressions/{email} true
}
