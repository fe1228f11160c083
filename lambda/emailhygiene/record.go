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

// TransientHistory is how many transient bounces a record keeps.
const TransientHistory = emailhygiene.TransientHistory

// Record is what the table keeps of an address's events: just enough to
// decide its state, whatever order the events came in.
//   - Hard is the newest complaint or permanent bounce;
//   - Delivery is the newest delivery;
//   - Transients are the newest TransientHistory transient bounces newer
//     than Delivery (one per ID), oldest first.
//
// The rules look at nothing else, so nothing else is kept, and a record is
// bounded however many events its address has: the state is a function of
// the set of distinct events, and an event that is not kept can no longer
// change it. Of the transient bounces, only the newest keeps its details
// (which the item shows when it decides the state); the others keep their
// ID and time.
type Record struct {
	Hard       *Event
	Delivery   *Event
	Transients []Event
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
			kept := r.Transients[:0]
			for _, t := range r.Transients {
				if t.After(e) {
					kept = append(kept, t)
				}
			}
			r.Transients = kept
			return true
		}
	case Transient:
		return r.addTransient(e)
	}
	return false
}

func (r *Record) addTransient(e Event) bool {
	if r.Delivery != nil && !e.After(*r.Delivery) {
		return false
	}
	for i, t := range r.Transients {
		if t.ID == e.ID {
			if !e.After(t) {
				return false // a duplicate
			}
			r.Transients = append(r.Transients[:i], r.Transients[i+1:]...)
			break
		}
	}
	i := sort.Search(len(r.Transients), func(i int) bool { return r.Transients[i].After(e) })
	r.Transients = append(r.Transients, Event{})
	copy(r.Transients[i+1:], r.Transients[i:])
	r.Transients[i] = e
	if len(r.Transients) <= TransientHistory {
		return true
	}
	// Over the history: the oldest goes. When that is e itself, nothing
	// changed: e is older than every kept bounce, as every bounce dropped
	// before it was, so it could not change the state either.
	r.Transients = r.Transients[1:]
	return i > 0
}

// Decision is an address's state and the event that decided it.
type Decision struct {
	State string
	By    Event
	// BounceCount is how many transient bounces came after the newest
	// delivery, up to TransientHistory; LastBounceAt is the newest of them.
	BounceCount  int
	LastBounceAt time.Time
}

// Decide applies the state rules to the record.
func (r *Record) Decide(p Policy) Decision {
	ts := r.Transients
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

// --- the DynamoDB item ---

// Attribute names of the item. The post stored UserId, state,
// notificationType, from and timestamp; the rest are the spelling, the
// reason, the bounce record, the history the state is computed from, and
// the version that makes concurrent writers take turns.
const (
	AttrUserID                = emailhygiene.PartitionKey
	AttrState                 = "state"
	AttrAddress               = "address"
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

// The history map: the newest hard event and delivery in full, the kept
// transient bounces as {ID: time}, and the newest of them in full.
const (
	historyHard            = "hard"
	historyDelivery        = "delivery"
	historyTransients      = "transients"
	historyNewestTransient = "newestTransient"
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
	putIf(item, AttrAddress, d.By.Spelling)
	putIf(item, AttrBounceType, d.By.BounceType)
	putIf(item, AttrBounceSubType, d.By.BounceSubType)
	putIf(item, AttrComplaintFeedbackType, d.By.ComplaintFeedbackType)
	if d.BounceCount > 0 {
		item[AttrLastBounceAt] = s(d.LastBounceAt.Format(time.RFC3339Nano))
	}
	history := map[string]types.AttributeValue{}
	if r.Hard != nil {
		history[historyHard] = encodeEvent(*r.Hard)
	}
	if r.Delivery != nil {
		history[historyDelivery] = encodeEvent(*r.Delivery)
	}
	transients := map[string]types.AttributeValue{}
	for _, t := range r.Transients {
		transients[t.ID] = s(t.At.Format(time.RFC3339Nano))
	}
	history[historyTransients] = &types.AttributeValueMemberM{Value: transients}
	if n := len(r.Transients); n > 0 {
		history[historyNewestTransient] = encodeEvent(r.Transients[n-1])
	}
	item[AttrHistory] = &types.AttributeValueMemberM{Value: history}
	return item
}

// RecordFromItem reads a stored item back; a missing item is an empty
// record at version 0. It also reads items written before the history was
// bounded, whose transient bounces were full events keyed by SNS message.
func RecordFromItem(item map[string]types.AttributeValue) (*Record, int, error) {
	r := &Record{}
	if len(item) == 0 {
		return r, 0, nil
	}
	address := getS(item, AttrUserID)
	version, err := strconv.Atoi(getN(item, AttrVersion))
	if err != nil {
		return nil, 0, fmt.Errorf("item %s has no version", address)
	}
	history, _ := item[AttrHistory].(*types.AttributeValueMemberM)
	if history == nil {
		return nil, 0, fmt.Errorf("item %s has no history", address)
	}
	for name, target := range map[string]**Event{historyHard: &r.Hard, historyDelivery: &r.Delivery} {
		if m, ok := history.Value[name].(*types.AttributeValueMemberM); ok {
			e, err := decodeEvent(address, m.Value)
			if err != nil {
				return nil, 0, err
			}
			*target = &e
		}
	}
	var newest *Event
	if m, ok := history.Value[historyNewestTransient].(*types.AttributeValueMemberM); ok {
		e, err := decodeEvent(address, m.Value)
		if err != nil {
			return nil, 0, err
		}
		newest = &e
	}
	if m, ok := history.Value[historyTransients].(*types.AttributeValueMemberM); ok {
		for id, v := range m.Value {
			var e Event
			switch v := v.(type) {
			case *types.AttributeValueMemberS:
				at, err := time.Parse(time.RFC3339Nano, v.Value)
				if err != nil {
					return nil, 0, fmt.Errorf("item %s: transient %s has no time", address, id)
				}
				e = Event{ID: id, Kind: Transient, Address: address, At: at}
				if newest != nil && newest.ID == id {
					e = *newest
				}
			case *types.AttributeValueMemberM: // written before the history was bounded
				if e, err = decodeEvent(address, v.Value); err != nil {
					return nil, 0, err
				}
			default:
				return nil, 0, fmt.Errorf("item %s: transient %s is neither a time nor a map", address, id)
			}
			r.Transients = append(r.Transients, e)
		}
	}
	sort.Slice(r.Transients, func(i, j int) bool { return r.Transients[j].After(r.Transients[i]) })
	if n := len(r.Transients); n > TransientHistory {
		r.Transients = r.Transients[n-TransientHistory:]
	}
	return r, version, nil
}

func encodeEvent(e Event) types.AttributeValue {
	m := map[string]types.AttributeValue{
		"id":               s(e.ID),
		"kind":             s(string(e.Kind)),
		"at":               s(e.At.UTC().Format(time.RFC3339Nano)),
		"notificationType": s(e.NotificationType),
		"from":             s(e.From),
		"mailTimestamp":    s(e.MailTimestamp),
	}
	putIf(m, AttrAddress, e.Spelling)
	putIf(m, AttrBounceType, e.BounceType)
	putIf(m, AttrBounceSubType, e.BounceSubType)
	putIf(m, AttrComplaintFeedbackType, e.ComplaintFeedbackType)
	return &types.AttributeValueMemberM{Value: m}
}

// decodeEvent reads an event map; one written before events were
// identified by SES's ID has its key ("<SNS message id>/<address>") as ID.
func decodeEvent(address string, m map[string]types.AttributeValue) (Event, error) {
	id := getS(m, "id")
	if id == "" {
		id = getS(m, "key")
	}
	at, err := time.Parse(time.RFC3339Nano, getS(m, "at"))
	if err != nil {
		return Event{}, fmt.Errorf("item %s: event %s has no time", address, id)
	}
	return Event{
		ID: id, Kind: Kind(getS(m, "kind")), Address: address, At: at, Spelling: getS(m, AttrAddress),
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
