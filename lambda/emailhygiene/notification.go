package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/blueprints-cdk/blueprints/internal/emailaddr"
	"github.com/blueprints-cdk/blueprints/internal/emailhygiene"
)

// Kind is what an event means for an address.
type Kind string

// The kinds of event the state rules distinguish.
const (
	// Hard is a complaint or a permanent bounce: the address is disabled.
	Hard Kind = "hard"
	// Transient is a Transient or Undetermined bounce: recorded, and
	// disabling only when Policy.Limit of them fall within Policy.Window.
	Transient Kind = "transient"
	// Delivery re-enables an address that nothing hard has disabled.
	Delivery Kind = "delivery"
)

// Event is one notification about one recipient.
type Event struct {
	// ID is SES's own identity of the event: bounce.feedbackId ("A unique ID
	// for the bounce") or complaint.feedbackId ("A unique ID for the
	// complaint"), or for a delivery mail.messageId ("A unique ID that Amazon
	// SES assigned to the message"; Amazon SES Developer Guide, "Contents of
	// event data that Amazon SES publishes to Amazon SNS"). Not SNS's
	// MessageId: SES makes no batching guarantee ("you might receive one
	// Amazon SNS notification for multiple recipients, or you might receive
	// a single Amazon SNS notification per recipient", "Amazon SNS
	// notification contents for Amazon SES"), so one recipient's event can
	// come again under another SNS message, and SNS itself delivers at
	// least once.
	ID      string
	Kind    Kind
	Address string    // the key: the recipient normalized (internal/emailaddr)
	At      time.Time // when the bounce, complaint or delivery happened
	// Spelling is the recipient as SES wrote it (a bounce's Final-Recipient
	// may differ in case from the address sent to).
	Spelling string
	// NotificationType (Bounce, Complaint or Delivery), From and
	// MailTimestamp are what the post stored.
	NotificationType string
	From             string
	MailTimestamp    string
	// The reason: the bounce type and subtype, or the complaint feedback type.
	BounceType            string
	BounceSubType         string
	ComplaintFeedbackType string
}

// Key identifies the event among all addresses' events: the ID and the
// recipient, since one bounce or complaint lists several recipients.
func (e Event) Key() string { return e.ID + "/" + e.Address }

// After orders one address's events: by time, then by ID, so that "newer"
// is the same for every order of arrival; of two spellings of one event the
// smaller (in byte order) counts as the newer, so which one is kept does not
// depend on the order either.
func (e Event) After(o Event) bool {
	switch {
	case !e.At.Equal(o.At):
		return e.At.After(o.At)
	case e.ID != o.ID:
		return e.ID > o.ID
	}
	return e.Spelling < o.Spelling
}

// ErrUnknownType marks a notification this handler does not act on (SES also
// sends AmazonSnsSubscriptionSucceeded, and event publishing sends Send,
// Open, Click…). It is logged and counted, never retried.
var ErrUnknownType = errors.New("unknown notification type")

// ErrMultiRecipientComplaint marks a complaint that lists several
// recipients when only single-recipient complaints disable
// (emailhygiene.ComplaintScopeSingleRecipient). It is logged and counted,
// never retried.
var ErrMultiRecipientComplaint = errors.New("a complaint that lists several recipients disables no one with " +
	emailhygiene.EnvComplaintScope + "=" + emailhygiene.ComplaintScopeSingleRecipient)

// ErrNotSpamReport marks a complaint whose complaintFeedbackType is
// "not-spam": the reporting ISP says the message is not spam, which
// corrects an earlier report rather than complaining about the address (SES
// Developer Guide, "Amazon SNS notification contents for Amazon SES",
// complaint types, after the IANA feedback-type registry). It disables no
// one; it is logged and counted, never retried.
var ErrNotSpamReport = errors.New(`a complaint of feedback type "not-spam" disables no one`)

// notification is the part of an SES notification the handler reads. The
// identity-notification format names the type notificationType; event
// publishing through a configuration set names it eventType.
type notification struct {
	NotificationType string `json:"notificationType"`
	EventType        string `json:"eventType"`
	Mail             struct {
		Timestamp string `json:"timestamp"`
		Source    string `json:"source"`
		MessageID string `json:"messageId"`
	} `json:"mail"`
	Bounce *struct {
		BounceType        string `json:"bounceType"`
		BounceSubType     string `json:"bounceSubType"`
		Timestamp         string `json:"timestamp"`
		FeedbackID        string `json:"feedbackId"`
		BouncedRecipients []struct {
			EmailAddress string `json:"emailAddress"`
		} `json:"bouncedRecipients"`
	} `json:"bounce"`
	Complaint *struct {
		ComplaintFeedbackType string `json:"complaintFeedbackType"`
		Timestamp             string `json:"timestamp"`
		FeedbackID            string `json:"feedbackId"`
		ComplainedRecipients  []struct {
			EmailAddress string `json:"emailAddress"`
		} `json:"complainedRecipients"`
	} `json:"complaint"`
	Delivery *struct {
		Timestamp  string   `json:"timestamp"`
		Recipients []string `json:"recipients"`
	} `json:"delivery"`
}

// ParseNotification turns one SNS message from SES into one event per
// recipient. complaintScope is emailhygiene.ComplaintScopeEveryRecipient or
// ComplaintScopeSingleRecipient.
//
// A recipient that is not an address SES can send to is skipped, with an
// error naming it in skipped, and the others are returned. A notification
// that cannot be read at all (not JSON, no event object, ID or time, no
// recipient, or none that can be read) is an error, so that its invocation
// fails and, after Lambda's retries, lands in the dead-letter queue.
func ParseNotification(message, complaintScope string) (events []Event, skipped []error, err error) {
	var n notification
	if err := json.Unmarshal([]byte(message), &n); err != nil {
		return nil, nil, fmt.Errorf("the SNS message is not an SES notification (JSON): %v", err)
	}
	typ := n.NotificationType
	if typ == "" {
		typ = n.EventType
	}
	base := Event{NotificationType: typ, From: n.Mail.Source, MailTimestamp: n.Mail.Timestamp}
	var stamp, idField string
	var recipients []string
	switch typ {
	case "Bounce":
		if n.Bounce == nil {
			return nil, nil, fmt.Errorf("a Bounce without a bounce object")
		}
		switch n.Bounce.BounceType {
		case "Permanent":
			base.Kind = Hard
		case "Transient", "Undetermined":
			base.Kind = Transient
		default:
			return nil, nil, fmt.Errorf("bounce type %q is not Permanent, Transient or Undetermined", n.Bounce.BounceType)
		}
		base.BounceType, base.BounceSubType, stamp = n.Bounce.BounceType, n.Bounce.BounceSubType, n.Bounce.Timestamp
		base.ID, idField = n.Bounce.FeedbackID, "bounce.feedbackId"
		for _, r := range n.Bounce.BouncedRecipients {
			recipients = append(recipients, r.EmailAddress)
		}
	case "Complaint":
		if n.Complaint == nil {
			return nil, nil, fmt.Errorf("a Complaint without a complaint object")
		}
		base.Kind, base.ComplaintFeedbackType, stamp = Hard, n.Complaint.ComplaintFeedbackType, n.Complaint.Timestamp
		base.ID, idField = n.Complaint.FeedbackID, "complaint.feedbackId"
		for _, r := range n.Complaint.ComplainedRecipients {
			recipients = append(recipients, r.EmailAddress)
		}
	case "Delivery":
		if n.Delivery == nil {
			return nil, nil, fmt.Errorf("a Delivery without a delivery object")
		}
		base.Kind, stamp, recipients = Delivery, n.Delivery.Timestamp, n.Delivery.Recipients
		base.ID, idField = n.Mail.MessageID, "mail.messageId"
	default:
		return nil, nil, fmt.Errorf("%w %q", ErrUnknownType, typ)
	}
	if base.ID == "" {
		return nil, nil, fmt.Errorf("a %s without %s, SES's identity of the event", typ, idField)
	}
	if stamp == "" {
		stamp = n.Mail.Timestamp
	}
	at, err := time.Parse(time.RFC3339Nano, stamp)
	if err != nil {
		return nil, nil, fmt.Errorf("%s timestamp %q is not ISO 8601", typ, stamp)
	}
	base.At = at.UTC()
	if len(recipients) == 0 {
		return nil, nil, fmt.Errorf("a %s with no recipients", typ)
	}
	listed := map[string]bool{}
	for i, r := range recipients {
		spelling, err := emailaddr.Spelling(r)
		var addr string
		if err == nil {
			addr, err = emailaddr.Normalize(spelling)
		}
		if err != nil {
			listed[r] = true
			skipped = append(skipped, fmt.Errorf("%s recipient %d: %v", typ, i+1, err))
			continue
		}
		listed[addr] = true
		e := base
		e.Address, e.Spelling = addr, spelling
		events = append(events, e)
	}
	if len(events) == 0 {
		return nil, skipped, fmt.Errorf("no recipient of the %s can be read: %w", typ, errors.Join(skipped...))
	}
	if typ == "Complaint" && base.ComplaintFeedbackType == "not-spam" {
		return nil, skipped, ErrNotSpamReport
	}
	if typ == "Complaint" && complaintScope == emailhygiene.ComplaintScopeSingleRecipient && len(listed) > 1 {
		return nil, skipped, fmt.Errorf("%w (it lists %d)", ErrMultiRecipientComplaint, len(listed))
	}
	return events, skipped, nil
}
