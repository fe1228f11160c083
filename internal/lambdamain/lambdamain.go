// Package lambdamain is what every handler's main.go shares, so that each is
// the same few lines:
//
//	func main() {
//		h, err := newHandler(os.Getenv)
//		lambdamain.Start(h.Handle, err)
//	}
//
// newHandler builds the handler from the environment through its contract
// package (internal/<handler>) and is tested; Start refuses a bad
// configuration with one JSON log line, or runs the handler. Logger is the
// handlers' logger: JSON lines on stdout that carry the Lambda request id.
package lambdamain

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// AWSConfig is the SDK configuration Lambda gives a function in its
// environment: AWS_REGION and the execution role's credentials
// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN; see "Defined
// runtime environment variables" in the Lambda developer guide). Reading
// them directly, instead of config.LoadDefaultConfig, leaves the SSO, STS
// and IMDS clients out of the binary.
func AWSConfig(getenv func(string) string) (aws.Config, error) {
	var missing []string
	for _, name := range []string{"AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} {
		if getenv(name) == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return aws.Config{}, fmt.Errorf("%s not set (Lambda sets them for the execution role)", strings.Join(missing, ", "))
	}
	return aws.Config{
		Region: getenv("AWS_REGION"),
		Credentials: credentials.NewStaticCredentialsProvider(
			getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"), getenv("AWS_SESSION_TOKEN")),
	}, nil
}

// Endpoint is the endpoint the environment sets for service (its SDK
// service id in upper case with spaces as underscores, such as DYNAMODB or
// APIGATEWAYMANAGEMENTAPI): AWS_ENDPOINT_URL_<SERVICE>, else
// AWS_ENDPOINT_URL, else nil for the SDK's own ("Service-specific
// endpoints", AWS SDKs and Tools Reference Guide). Lambda sets neither; a
// local run (assertions/local) does.
func Endpoint(getenv func(string) string, service string) *string {
	for _, name := range []string{"AWS_ENDPOINT_URL_" + service, "AWS_ENDPOINT_URL"} {
		if v := getenv(name); v != "" {
			return &v
		}
	}
	return nil
}

// Start runs handler with the Lambda runtime, or, when err (the handler's
// configuration error) is not nil, logs it and exits with status 1: Lambda
// then reports an init error, and the function never serves a request with
// a bad configuration.
func Start(handler any, err error) {
	if err != nil {
		Logger(os.Stdout).Error("bad configuration", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(handler)
}

// Logger writes JSON lines to w (os.Stdout in Lambda, where the function's
// log group receives them). A line logged with the context of an invocation
// (InfoContext and the like) carries its requestId. The time is written as
// "timestamp" and the level as "level": the keys Lambda reads from JSON
// application logs to filter by level (Lambda developer guide, "Log-level
// filtering"), where a line without a valid timestamp counts as INFO.
func Logger(w io.Writer) *slog.Logger {
	return slog.New(requestID{slog.NewJSONHandler(w, &slog.HandlerOptions{ReplaceAttr: timestampKey})})
}

// timestampKey renames slog's top-level "time" to "timestamp".
func timestampKey(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.TimeKey {
		a.Key = "timestamp"
	}
	return a
}

// requestID adds the Lambda request id from the context to every record.
type requestID struct{ slog.Handler }

// Handle implements slog.Handler.
func (h requestID) Handle(ctx context.Context, r slog.Record) error {
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		r.AddAttrs(slog.String("requestId", lc.AwsRequestID))
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs implements slog.Handler.
func (h requestID) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestID{h.Handler.WithAttrs(attrs)}
}

// WithGroup implements slog.Handler.
func (h requestID) WithGroup(name string) slog.Handler { return requestID{h.Handler.WithGroup(name)} }
