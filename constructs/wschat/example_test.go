package wschat_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/constructs/wschat"
)

func ExampleNewChatApi() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Chat"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String("eu-west-1")}})

	// The post's chat room: connect, send {"action":"sendmessage","data":"hi"}
	// and every connection gets "hi".
	room := wschat.NewChatApi(stack, "Room", nil)
	awscdk.NewCfnOutput(stack, jsii.String("WebSocketUrl"), &awscdk.CfnOutputProps{Value: room.Stage.Url()})

	// Another room with its own action name and a smaller message limit.
	wschat.NewChatApi(stack, "Lobby", &wschat.Props{SendAction: jsii.String("say"), MaxMessageBytes: jsii.Number(4096)})
	fmt.Println(*room.Stage.StageName())
	// Output: dev
}
