// Package main is the email-hygiene handler: it reads the bounce, complaint
// and delivery notifications SES publishes through SNS and keeps one item per
// address in DynamoDB, as in "Maintaining a Healthy Email Database with AWS
// Lambda, Amazon SNS, and Amazon DynamoDB".
//
// Unlike the post, it reads every record (the post read Records[0]),
// understands both SES formats (notificationType and eventType), disables an
// address on a complaint or a permanent bounce but only records transient
// bounces until too many fall within a window, and never re-enables an
// address that a complaint or permanent bounce disabled. It keeps one item
// per address whatever its case, identifies events by SES's own IDs, skips
// a recipient it cannot read without losing the others, and keeps each item
// bounded. Its writes are idempotent and order-independent: SNS delivers at
// least once and in no set order, so the item is a pure function of the set
// of events received, written with optimistic concurrency (a version
// condition).
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"sort"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/blueprints-cdk/blueprints/internal/emailhygiene"
	"github.com/blueprints-cdk/blueprints/internal/lambdamain"
)

// MetricsNamespace is the CloudWatch namespace of the handler's metrics,
// published as embedded-metric-format log lines (no extra permission).
const MetricsNamespace = "Blueprints/EmailHygiene"

// Items is the part of the DynamoDB API the handler uses; a
// *dynamodb.Client is one.
type Items interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
}

// Handler applies SES notifications to the table.
type Handler struct {
	DB     Items
	Table  string
	Policy Policy
	// ComplaintScope is emailhygiene.ComplaintScopeEveryRecipient or
	// ComplaintScopeSingleRecipient.
	ComplaintScope string
	Log            *slog.Logger
	// MaxAttempts bounds the optimistic-concurrency retries per address.
	MaxAttempts int
}

// newHandler builds the handler from the environment the construct set,
// through the contract package, with a DynamoDB client for Lambda's region
// and credentials: a bad configuration is an error.
func newHandler(getenv func(string) string) (*Handler, error) {
	cfg, err := emailhygiene.FromEnv(getenv)
	if err != nil {
		return nil, err
	}
	awsCfg, err := lambdamain.AWSConfig(getenv)
	if err != nil {
		return nil, err
	}
	return &Handler{
		DB: dynamodb.NewFromConfig(awsCfg), Table: cfg.TableName, Policy: cfg.Policy, ComplaintScope: cfg.ComplaintScope,
		MaxAttempts: 20, Log: lambdamain.Logger(os.Stdout),
	}, nil
}

// Result counts what one invocation did.
type Result struct {
	Records   int // SNS records read
	Events    int // recipient events parsed
	Writes    int // items written (a duplicate writes nothing)
	Conflicts int // writes retried because another writer went first
	Unknown   int // notifications of a type the handler ignores
	Ignored   int // "not-spam" reports, and complaints that list several recipients with ComplaintScopeSingleRecipient
	Skipped   int // recipients that could not be read, in notifications that could
	Malformed int // records that could not be read
}

// Handle processes every record. A recipient that cannot be read is logged
// and skipped, and the notification's other recipients are applied. A
// record that cannot be read at all makes the invocation fail with an error
// that names it, after every other record has been applied; a retry
// re-applies them harmlessly, and after the last retry Lambda sends the
// event to the on-failure queue.
func (h *Handler) Handle(ctx context.Context, ev events.SNSEvent) (Result, error) {
	var res Result
	var errs []error
	byAddress := map[string][]Event{}
	for i, rec := range ev.Records {
		res.Records++
		evs, skipped, err := ParseNotification(rec.SNS.Message, h.ComplaintScope)
		for _, s := range skipped {
			res.Skipped++
			h.Log.WarnContext(ctx, "skipping a recipient", "snsMessageId", rec.SNS.MessageID, "error", s.Error(),
				slog.Any("_aws", emf("SkippedRecipients")), "SkippedRecipients", 1)
		}
		switch {
		case errors.Is(err, ErrUnknownType):
			res.Unknown++
			h.Log.WarnContext(ctx, "ignoring notification", "snsMessageId", rec.SNS.MessageID, "error", err.Error(),
				slog.Any("_aws", emf("UnknownNotifications")), "UnknownNotifications", 1)
			continue
		case errors.Is(err, ErrNotSpamReport):
			res.Ignored++
			h.Log.InfoContext(ctx, "ignoring complaint", "snsMessageId", rec.SNS.MessageID, "error", err.Error(),
				slog.Any("_aws", emf("NotSpamReports")), "NotSpamReports", 1)
			continue
		case errors.Is(err, ErrMultiRecipientComplaint):
			res.Ignored++
			h.Log.InfoContext(ctx, "ignoring complaint", "snsMessageId", rec.SNS.MessageID, "error", err.Error(),
				slog.Any("_aws", emf("MultiRecipientComplaints")), "MultiRecipientComplaints", 1)
			continue
		case err != nil:
			res.Malformed++
			errs = append(errs, fmt.Errorf("record %d (SNS message %s): %w", i, rec.SNS.MessageID, err))
			h.Log.ErrorContext(ctx, "malformed notification", "snsMessageId", rec.SNS.MessageID, "error", err.Error(),
				slog.Any("_aws", emf("MalformedNotifications")), "MalformedNotifications", 1)
			continue
		}
		for _, e := range evs {
			byAddress[e.Address] = append(byAddress[e.Address], e)
			res.Events++
		}
	}
	addresses := make([]string, 0, len(byAddress))
	for a := range byAddress {
		addresses = append(addresses, a)
	}
	sort.Strings(addresses)
	for _, a := range addresses {
		wrote, conflicts, err := h.apply(ctx, a, byAddress[a])
		res.Conflicts += conflicts
		if err != nil {
			errs = append(errs, fmt.Errorf("updating %s: %w", a, err))
			continue
		}
		if wrote {
			res.Writes++
		}
	}
	return res, errors.Join(errs...)
}

// apply folds events into the address's item: read, fold, and write only if
// the version read is still current; otherwise read again.
func (h *Handler) apply(ctx context.Context, address string, evs []Event) (wrote bool, conflicts int, err error) {
	key := map[string]types.AttributeValue{AttrUserID: s(address)}
	for attempt := 1; ; attempt++ {
		out, err := h.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(h.Table), Key: key, ConsistentRead: aws.Bool(true)})
		if err != nil {
			return false, conflicts, err
		}
		rec, version, err := RecordFromItem(out.Item)
		if err != nil {
			return false, conflicts, err
		}
		changed := false
		for _, e := range evs {
			changed = rec.Add(e) || changed
		}
		if !changed {
			return false, conflicts, nil // duplicates only
		}
		put := &dynamodb.PutItemInput{TableName: aws.String(h.Table), Item: rec.Item(address, h.Policy, version+1)}
		if version == 0 {
			put.ConditionExpression = aws.String("attribute_not_exists(#id)")
			put.ExpressionAttributeNames = map[string]string{"#id": AttrUserID}
		} else {
			put.ConditionExpression = aws.String("#v = :v")
			put.ExpressionAttributeNames = map[string]string{"#v": AttrVersion}
			put.ExpressionAttributeValues = map[string]types.AttributeValue{":v": n(version)}
		}
		_, err = h.DB.PutItem(ctx, put)
		var lost *types.ConditionalCheckFailedException
		if !errors.As(err, &lost) {
			return err == nil, conflicts, err
		}
		conflicts++
		if attempt >= h.MaxAttempts {
			return false, conflicts, fmt.Errorf("still conflicting after %d attempts", attempt)
		}
		time.Sleep(time.Duration(rand.IntN(5*attempt)+1) * time.Millisecond)
	}
}

// emf is the embedded-metric-format header for one count metric.
func emf(metric string) map[string]any {
	return map[string]any{
		"Timestamp": time.Now().UnixMilli(),
		"CloudWatchMetrics": []any{map[string]any{
			"Namespace":  MetricsNamespace,
			"Dimensions": [][]string{{}},
			"Metrics":    []any{map[string]any{"Name": metric, "Unit": "Count"}},
		}},
	}
}
