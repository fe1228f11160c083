package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// SNS message bodies, in testdata; fixture reads one.

// The post's message_complaints.txt, as the post published it (identity
// notification format).
const postComplaint = "post-complaint.json"

// The post's SNS publish answered with this message id.
const postComplaintSNSMessageID = "f7f5ad2d-a268-548d-a45c-e28e7624a64d"

// Shaped after AWS's documented examples: "Amazon SNS notification examples
// for Amazon SES" (notificationType) and "Examples of event data that Amazon
// SES publishes to Amazon SNS" (eventType).
const (
	eventBounce                 = "event-bounce.json"
	eventComplaint              = "event-complaint.json"
	eventDelivery               = "event-delivery.json"
	notificationBounceTransient = "notification-bounce-transient.json"
	notificationDelivery        = "notification-delivery.json"
	subscriptionSucceeded       = "subscription-succeeded.json"
)

// Ours, in the identity-notification format: a complaint that lists two
// recipients, as SES lists every recipient on the complaining domain; and a
// permanent bounce with one readable recipient between two that are not.
const (
	notificationComplaintTwoRecipients = "notification-complaint-two-recipients.json"
	notificationBounceBadRecipient     = "notification-bounce-bad-recipient.json"
)

// fixture is the message in testdata/name, without the file's final newline.
func fixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(string(b), "\n")
}
