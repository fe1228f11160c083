// Package chatstack is the ChatStack sample: the WebSocket chat room of the post, deployed as it is.
//
// It is the ChatStack sample: the chat room of "Announcing
// WebSocket APIs in Amazon API Gateway" (constructs/wschat), public as in
// the post, with its wss:// URL and @connections callback URL as outputs.
//
// Its stage's execution logs need the region's account-wide API Gateway
// CloudWatch role: deploy ApiStack with -c apiGatewayCloudWatchRole=true
// first (the sample app then deploys ApiStack before ChatStack), or use an
// account that has the role.
package chatstack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/blueprints-cdk/blueprints/constructs/wschat"
)

// Props configures the ChatStack sample.
type Props struct {
	awscdk.StackProps
	// Chat configures the chat room. Default: the post's (wschat's defaults).
	Chat *wschat.Props
}

// ChatStack is the sample chat stack.
type ChatStack struct { //nolint:revive // named after the CloudFormation stack it builds (ChatStack)
	awscdk.Stack
	// Chat is the chat room.
	Chat *wschat.ChatApi
}

// NewChatStack builds the sample chat stack.
func NewChatStack(scope constructs.Construct, id string, props *Props) *ChatStack {
	if props == nil {
		props = &Props{}
	}
	stack := awscdk.NewStack(scope, jsii.String(id), &props.StackProps)
	s := &ChatStack{Stack: stack, Chat: wschat.NewChatApi(stack, "Chat", props.Chat)}
	awscdk.NewCfnOutput(stack, jsii.String("WebSocketUrl"), &awscdk.CfnOutputProps{
		Value: s.Chat.Stage.Url(), Description: jsii.String("wscat -c <this URL>, then send {\"action\":\"sendmessage\",\"data\":\"hello\"}"),
	})
	awscdk.NewCfnOutput(stack, jsii.String("CallbackUrl"), &awscdk.CfnOutputProps{
		Value: s.Chat.Stage.CallbackUrl(), Description: jsii.String("The @connections management endpoint (IAM-signed requests)"),
	})
	return s
}
