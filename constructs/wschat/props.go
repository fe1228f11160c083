package wschat

import (
	"fmt"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"

	"github.com/blueprints-cdk/blueprints/internal/defaults"
	"github.com/blueprints-cdk/blueprints/internal/ptr"
	contract "github.com/blueprints-cdk/blueprints/internal/wschat"
)

// Defaults of the stage.
const (
	// StageName is the post's stage.
	StageName = "dev"
	// ThrottlingRateLimit and ThrottlingBurstLimit are the stage's default
	// route throttling, in messages (and connection requests) per second.
	ThrottlingRateLimit  = 100
	ThrottlingBurstLimit = 200
)

// Props configures a ChatApi. Every field is optional; nil means the
// default: the post's chat room (routes $connect, $disconnect, sendmessage
// and $default on stage dev), public, with a new connections table.
type Props struct {
	// ExistingTable holds the connections instead of a new table; it must be
	// keyed by the string attribute connectionId alone, with TTL on
	// expiresAt (a table without TTL keeps the rows of connections whose
	// $disconnect was lost until a broadcast finds them gone). Mutually
	// exclusive with TableProps.
	ExistingTable awsdynamodb.ITable
	// TableProps are applied over the new table's defaults (on-demand,
	// encrypted, point-in-time recovery, TTL on expiresAt); the partition
	// key is always connectionId. Mutually exclusive with ExistingTable.
	TableProps *awsdynamodb.TableProps
	// RemovalPolicy of the new table. Default: RETAIN.
	RemovalPolicy *awscdk.RemovalPolicy

	// SendAction is the action that broadcasts, the route key matched
	// against $request.body.action. Default: "sendmessage".
	SendAction *string
	// MaxMessageBytes is the largest data a send accepts; a larger one gets
	// an error frame. The default keeps the whole message within API
	// Gateway's 32 KB frame, which a client that sends one frame per
	// message (browsers, wscat) must; above it, up to 131072 (API Gateway's
	// 128 KB message limit, the JSON around data included), clients must
	// fragment. Default: 30720.
	MaxMessageBytes *float64

	// StageName of the stage. Default: "dev".
	StageName *string
	// ThrottlingRateLimit and ThrottlingBurstLimit throttle every route of
	// the stage. Default: 100 per second, bursts of 200.
	ThrottlingRateLimit  *float64
	ThrottlingBurstLimit *float64
	// CreateCloudWatchRole creates the region's account-wide API Gateway
	// CloudWatch role, which the stage's execution logs need (only one stack
	// per account and region should). Default: false, as in
	// constructs/restapi.
	CreateCloudWatchRole *bool

	// ConnectAuthorizer authorizes $connect, the only route a WebSocket API
	// authorizes: an awsapigatewayv2authorizers.WebSocketLambdaAuthorizer
	// (REQUEST) or WebSocketIamAuthorizer. Default: none, public as in the
	// post: anyone with the URL may connect, read every message and send.
	ConnectAuthorizer awsapigatewayv2.IWebSocketRouteAuthorizer
}

// config is Props with the defaults applied: all that the builders read.
type config struct {
	existingTable           awsdynamodb.ITable
	tableProps              *awsdynamodb.TableProps
	sendAction, stage       string
	maxMessage, rate, burst float64
	cloudWatchRole          bool
	authorizer              awsapigatewayv2.IWebSocketRouteAuthorizer
}

// resolve validates the props and applies the defaults.
func resolve(p *Props) (*config, error) {
	if p.ExistingTable != nil && p.TableProps != nil {
		return nil, fmt.Errorf("Props.ExistingTable and Props.TableProps are mutually exclusive: pass one or neither")
	}
	c := &config{
		existingTable:  p.ExistingTable,
		sendAction:     ptr.Or(p.SendAction, contract.DefaultSendAction),
		stage:          ptr.Or(p.StageName, StageName),
		maxMessage:     ptr.Or(p.MaxMessageBytes, contract.DefaultMaxMessageBytes),
		rate:           ptr.Or(p.ThrottlingRateLimit, ThrottlingRateLimit),
		burst:          ptr.Or(p.ThrottlingBurstLimit, ThrottlingBurstLimit),
		cloudWatchRole: ptr.Or(p.CreateCloudWatchRole, false),
		authorizer:     p.ConnectAuthorizer,
	}
	if p.ExistingTable == nil {
		c.tableProps = defaults.TableProps(p.TableProps, contract.PartitionKey, defaults.RemovalPolicy(p.RemovalPolicy))
		if c.tableProps.TimeToLiveAttribute == nil {
			ttl := contract.TTLAttribute
			c.tableProps.TimeToLiveAttribute = &ttl
		}
	}
	if tp := p.TableProps; tp != nil {
		switch {
		case tp.PartitionKey != nil && (tp.PartitionKey.Name == nil || *tp.PartitionKey.Name != contract.PartitionKey):
			return nil, fmt.Errorf("Props.TableProps.PartitionKey must be %q, the handler's key", contract.PartitionKey)
		case tp.SortKey != nil:
			return nil, fmt.Errorf("Props.TableProps.SortKey must be nil: the handler deletes connections by %q alone", contract.PartitionKey)
		case tp.TimeToLiveAttribute != nil && *tp.TimeToLiveAttribute != contract.TTLAttribute:
			return nil, fmt.Errorf("Props.TableProps.TimeToLiveAttribute must be %q, the attribute the handler writes", contract.TTLAttribute)
		}
	}
	if !contract.ValidAction(c.sendAction) {
		return nil, fmt.Errorf("Props.SendAction %q must be 1 to 64 letters, digits, _ or -", c.sendAction)
	}
	if c.maxMessage < 1 || c.maxMessage > contract.MaxMessageBytes || c.maxMessage != float64(int(c.maxMessage)) {
		return nil, fmt.Errorf("Props.MaxMessageBytes %v must be a whole number from 1 to %d (API Gateway's 128 KB message limit)",
			c.maxMessage, contract.MaxMessageBytes)
	}
	if c.rate <= 0 || c.burst < 0 {
		return nil, fmt.Errorf("Props.ThrottlingRateLimit %v must be above 0 and Props.ThrottlingBurstLimit %v at least 0", c.rate, c.burst)
	}
	// The handler refuses what it cannot run: the same check at synth.
	vars := c.env(contract.RouteSend, "table")
	if _, err := contract.FromEnv(func(k string) string { return vars[k] }); err != nil {
		return nil, err
	}
	return c, nil
}

// env is a handler's environment for route.
func (c *config) env(route, table string) map[string]string {
	return map[string]string{
		contract.EnvTableName: table, contract.EnvRoute: route, contract.EnvSendAction: c.sendAction,
		contract.EnvMaxMessageBytes: strconv.Itoa(int(c.maxMessage)),
	}
}
