package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/blueprints-cdk/blueprints/internal/emailaddr"
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
	// Key identifies the event: the SNS message id and the recipient. SNS
	// delivers at least once, so the same key can arrive again.
	Key     string
	Kind    Kind
	Address string    // normalized
	At      time.Time // when the bounce, complaint or delivery happened
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

// After orders events by time, and equal times by key, so that "newer" is
// the same for every order of arrival.
func (e Event) After(o Event) bool {
	return e.At.After(o.At) || e.At.Equal(o.At) && e.Key > o.Key
}

// ErrUnknownType marks a notification this handler does not act on (SES also
// sends AmazonSnsSubscriptionSucceeded, and event publishing sends Send,
// Open, Click…). It is logged and counted, never retried.
var ErrUnknownType = errors.New("unknown notification type")

// notification is the part of an SES notification the handler reads. The
// identity-notification format names the type notificationType; event
// publishing through a configuration set names it eventType.
type notification struct {
	NotificationType string `json:"notificationType"`
	EventType        string `json:"eventType"`
	Mail             struct {
		Timestamp string `json:"timestamp"`
		Source    string `json:"source"`
	} `json:"mail"`
	Bounce *struct {
		BounceType        string `json:"bounceType"`
		BounceSubType     string `json:"bounceSubType"`
		Timestamp         string `json:"timestamp"`
		BouncedRecipients []struct {
			EmailAddress string `json:"emailAddress"`
		} `json:"bouncedRecipients"`
	} `json:"bounce"`
	Complaint *struct {
		ComplaintFeedbackType string `json:"complaintFeedbackType"`
		Timestamp             string `json:"timestamp"`
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
// recipient. snsMessageID is the SNS message's id, half of each event's key.
func ParseNotification(snsMessageID, message string) ([]Event, error) {
	if snsMessageID == "" {
		return nil, fmt.Errorf("the SNS record has no MessageId")
	}
	var n notification
	if err := json.Unmarshal([]byte(message), &n); err != nil {
		return nil, fmt.Errorf("the SNS message is not an SES notification (JSON): %v", err)
	}
	typ := n.NotificationType
	if typ == "" {
		typ = n.EventType
	}
	base := Event{NotificationType: typ, From: n.Mail.Source, MailTimestamp: n.Mail.Timestamp}
	var stamp string
	var recipients []string
	switch typ {
	case "Bounce":
		if n.Bounce == nil {
			return nil, fmt.Errorf("a Bounce without a bounce object")
		}
		switch n.Bounce.BounceType {
		case "Permanent":
			base.Kind = Hard
		case "Transient", "Undetermined":
			base.Kind = Transient
		default:
			return nil, fmt.Errorf("bounce type %q is not Permanent, Transient or Undetermined", n.Bounce.BounceType)
		}
		base.BounceType, base.BounceSubType, stamp = n.Bounce.BounceType, n.Bounce.BounceSubType, n.Bounce.Timestamp
		for _, r := range n.Bounce.BouncedRecipients {
			recipients = append(recipients, r.EmailAddress)
		}
	case "Complaint":
		if n.Complaint == nil {
			return nil, fmt.Errorf("a Complaint without a complaint object")
		}
		base.Kind, base.ComplaintFeedbackType, stamp = Hard, n.Complaint.ComplaintFeedbackType, n.Complaint.Timestamp
		for _, r := range n.Complaint.ComplainedRecipients {
			recipients = append(recipients, r.EmailAddress)
		}
	case "Delivery":
		if n.Delivery == nil {
			return nil, fmt.Errorf("a Delivery without a delivery object")
		}
		base.Kind, stamp, recipients = Delivery, n.Delivery.Timestamp, n.Delivery.Recipients
	default:
		return nil, fmt.Errorf("%w %q", ErrUnknownType, typ)
	}
	if stamp == "" {
		stamp = n.Mail.Timestamp
	}
	at, err := time.Parse(time.RFC3339Nano, stamp)
	if err != nil {
		return nil, fmt.Errorf("%s timestamp %q is not ISO 8601", typ, stamp)
	}
	base.At = at.UTC()
	if len(recipients) == 0 {
		return nil, fmt.Errorf("a %s with no recipients", typ)
	}
	var out []Event
	for _, r := range recipients {
		addr, err := emailaddr.Normalize(r)
		if err != nil {
			return nil, fmt.Errorf("%s recipient: %v", typ, err)
		}
		e := base
		e.Address, e.Key = addr, snsMessageID+"/"+addr
		out = append(out, e)
	}
	return out, nil
}
