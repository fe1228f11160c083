package main

import (
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/blueprints-cdk/blueprints/internal/emailhygiene"
)

// States an address can be in.
const (
	Disable = "disable" // never send: a complaint, a permanent bounce, or too many transient bounces
	Enable  = "enable"  // delivered, and nothing disables it
	Pending = "pending" // only transient bounces so far, under the limit
)

// Policy is the transient-bounce rule: Limit bounces within Window, with no
// newer delivery, disable an address. The construct sets it through the
// contract package.
type Policy = emailhygiene.Policy

// Record is what the table keeps of an address's events: just enough to
// decide its state, whatever order the events came in.
//   - Hard is the newest complaint or permanent bounce;
//   - Delivery is the newest delivery;
//   - Transients are the transient bounces newer than Delivery, by key.
//
// Older events cannot change the state, so they are not kept.
type Record struct {
	Hard       *Event
	Delivery   *Event
	Transients map[string]Event
}

// Add folds one event into the record and reports whether it changed.
// Add is idempotent and commutative: any order of any repetition of a set of
// events gives the same record.
func (r *Record) Add(e Event) bool {
	switch e.Kind {
	case Hard:
		if r.Hard == nil || e.After(*r.Hard) {
			r.Hard = &e
			return true
		}
	case Delivery:
		if r.Delivery == nil || e.After(*r.Delivery) {
			r.Delivery = &e
			for k, t := range r.Transients {
				if !t.After(e) {
					delete(r.Transients, k)
				}
			}
			return true
		}
	case Transient:
		if r.Delivery != nil && !e.After(*r.Delivery) {
			return false
		}
		if _, seen := r.Transients[e.Key]; seen {
			return false
		}
		if r.Transients == nil {
			r.Transients = map[string]Event{}
		}
		r.Transients[e.Key] = e
		return true
	}
	return false
}

// Decision is an address's state and the event that decided it.
type Decision struct {
	State string
	By    Event
	// BounceCount is how many transient bounces came after the newest
	// delivery; LastBounceAt is the newest of them.
	BounceCount  int
	LastBounceAt time.Time
}

// Decide applies the state rules to the record.
func (r *Record) Decide(p Policy) Decision {
	ts := r.sortedTransients()
	var d Decision
	if n := len(ts); n > 0 {
		d.BounceCount, d.LastBounceAt = n, ts[n-1].At
	}
	switch {
	case r.Hard != nil:
		d.State, d.By = Disable, *r.Hard
	case tooMany(ts, p):
		d.State, d.By = Disable, ts[len(ts)-1]
	case r.Delivery != nil:
		d.State, d.By = Enable, *r.Delivery
	case len(ts) > 0:
		d.State, d.By = Pending, ts[len(ts)-1]
	}
	return d
}

// tooMany reports whether Limit of the sorted bounces fall within Window.
func tooMany(ts []Event, p Policy) bool {
	for i := 0; p.Limit > 0 && i+p.Limit-1 < len(ts); i++ {
		if ts[i+p.Limit-1].At.Sub(ts[i].At) <= p.Window {
			return true
		}
	}
	return false
}

func (r *Record) sortedTransients() []Event {
	ts := make([]Event, 0, len(r.Transients))
	for _, t := range r.Transients {
		ts = append(ts, t)
	}
	sort.Slice(ts, func(i, j int) bool { return ts[j].After(ts[i]) })
	return ts
}

// --- the DynamoDB item ---

// Attribute names of the item. The post stored UserId, state,
// notificationType, from and timestamp; the rest are the reason, the bounce
// record, the history the state is computed from, and the version that
// makes concurrent writers take turns.
const (
	AttrUserID                = emailhygiene.PartitionKey
	AttrState                 = "state"
	AttrNotificationType      = "notificationType"
	AttrFrom                  = "from"
	AttrTimestamp             = "timestamp"
	AttrBounceType            = "bounceType"
	AttrBounceSubType         = "bounceSubType"
	AttrComplaintFeedbackType = "complaintFeedbackType"
	AttrBounceCount           = "bounceCount"
	AttrLastBounceAt          = "lastBounceAt"
	AttrHistory               = "history"
	AttrVersion               = "version"
)

// Item is the record as a DynamoDB item for address at version.
func (r *Record) Item(address string, p Policy, version int) map[string]types.AttributeValue {
	d := r.Decide(p)
	item := map[string]types.AttributeValue{
		AttrUserID:           s(address),
		AttrState:            s(d.State),
		AttrNotificationType: s(d.By.NotificationType),
		AttrFrom:             s(d.By.From),
		AttrTimestamp:        s(d.By.MailTimestamp),
		AttrBounceCount:      n(d.BounceCount),
		AttrVersion:          n(version),
	}
	putIf(item, AttrBounceType, d.By.BounceType)
	putIf(item, AttrBounceSubType, d.By.BounceSubType)
	putIf(item, AttrComplaintFeedbackType, d.By.ComplaintFeedbackType)
	if d.BounceCount > 0 {
		item[AttrLastBounceAt] = s(d.LastBounceAt.Format(time.RFC3339Nano))
	}
	history := map[string]types.AttributeValue{}
	if r.Hard != nil {
		history["hard"] = encodeEvent(*r.Hard)
	}
	if r.Delivery != nil {
		history["delivery"] = encodeEvent(*r.Delivery)
	}
	transients := map[string]types.AttributeValue{}
	for k, t := range r.Transients {
		transients[k] = encodeEvent(t)
	}
	history["transients"] = &types.AttributeValueMemberM{Value: transients}
	item[AttrHistory] = &types.AttributeValueMemberM{Value: history}
	return item
}

// RecordFromItem reads a stored item back; a missing item is an empty
// record at version 0.
func RecordFromItem(item map[string]types.AttributeValue) (*Record, int, error) {
	r := &Record{Transients: map[string]Event{}}
	if len(item) == 0 {
		return r, 0, nil
	}
	version, err := strconv.Atoi(getN(item, AttrVersion))
	if err != nil {
		return nil, 0, fmt.Errorf("item %s has no version", getS(item, AttrUserID))
	}
	history, _ := item[AttrHistory].(*types.AttributeValueMemberM)
	if history == nil {
		return nil, 0, fmt.Errorf("item %s has no history", getS(item, AttrUserID))
	}
	address := getS(item, AttrUserID)
	for name, target := range map[string]**Event{"hard": &r.Hard, "delivery": &r.Delivery} {
		if m, ok := history.Value[name].(*types.AttributeValueMemberM); ok {
			e, err := decodeEvent(address, m.Value)
			if err != nil {
				return nil, 0, err
			}
			*target = &e
		}
	}
	if m, ok := history.Value["transients"].(*types.AttributeValueMemberM); ok {
		for k, v := range m.Value {
			em, _ := v.(*types.AttributeValueMemberM)
			if em == nil {
				return nil, 0, fmt.Errorf("item %s: transient %s is not a map", address, k)
			}
			e, err := decodeEvent(address, em.Value)
			if err != nil {
				return nil, 0, err
			}
			r.Transients[k] = e
		}
	}
	return r, version, nil
}

func encodeEvent(e Event) types.AttributeValue {
	m := map[string]types.AttributeValue{
		"key":              s(e.Key),
		"kind":             s(string(e.Kind)),
		"at":               s(e.At.UTC().Format(time.RFC3339Nano)),
		"notificationType": s(e.NotificationType),
		"from":             s(e.From),
		"mailTimestamp":    s(e.MailTimestamp),
	}
	putIf(m, AttrBounceType, e.BounceType)
	putIf(m, AttrBounceSubType, e.BounceSubType)
	putIf(m, AttrComplaintFeedbackType, e.ComplaintFeedbackType)
	return &types.AttributeValueMemberM{Value: m}
}

func decodeEvent(address string, m map[string]types.AttributeValue) (Event, error) {
	at, err := time.Parse(time.RFC3339Nano, getS(m, "at"))
	if err != nil {
		return Event{}, fmt.Errorf("item %s: event %s has no time", address, getS(m, "key"))
	}
	return Event{
		Key: getS(m, "key"), Kind: Kind(getS(m, "kind")), Address: address, At: at,
		NotificationType: getS(m, "notificationType"), From: getS(m, "from"), MailTimestamp: getS(m, "mailTimestamp"),
		BounceType: getS(m, AttrBounceType), BounceSubType: getS(m, AttrBounceSubType),
		ComplaintFeedbackType: getS(m, AttrComplaintFeedbackType),
	}, nil
}

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func n(v int) types.AttributeValue    { return &types.AttributeValueMemberN{Value: strconv.Itoa(v)} }

// putIf sets a string attribute only when it has a value: DynamoDB keeps no
// empty attributes worth reading.
func putIf(m map[string]types.AttributeValue, k, v string) {
	if v != "" {
		m[k] = s(v)
	}
}

func getS(m map[string]types.AttributeValue, k string) string {
	if v, ok := m[k].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func getN(m map[string]types.AttributeValue, k string) string {
	if v, ok := m[k].(*types.AttributeValueMemberN); ok {
		return v.Value
	}
	return ""
}
