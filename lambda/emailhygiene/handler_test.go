package main

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/blueprints-cdk/blueprints/assertions/local"
	"github.com/blueprints-cdk/blueprints/internal/emailaddr"
	"github.com/blueprints-cdk/blueprints/internal/emailhygiene"
)

var policy = Policy{Limit: 3, Window: 72 * time.Hour}

// tableHandler is the handler against a fresh table on a local DynamoDB-API server.
func tableHandler(t testing.TB, d *local.Dynalite, table string) *Handler {
	t.Helper()
	db := d.Client()
	_, err := db.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:            aws.String(table),
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String(AttrUserID), KeyType: types.KeyTypeHash}},
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String(AttrUserID), AttributeType: types.ScalarAttributeTypeS}},
		BillingMode:          types.BillingModePayPerRequest,
	})
	if err == nil {
		err = d.WaitActive(context.Background(), table)
	}
	if err != nil {
		t.Fatal(err)
	}
	return &Handler{
		DB: db, Table: table, Policy: policy, ComplaintScope: emailhygiene.ComplaintScopeEveryRecipient, MaxAttempts: 50,
		Log: slog.New(slog.DiscardHandler),
	}
}

func snsEvent(records ...[2]string) events.SNSEvent {
	var ev events.SNSEvent
	for _, r := range records {
		ev.Records = append(ev.Records, events.SNSEventRecord{SNS: events.SNSEntity{MessageID: r[0], Message: r[1]}})
	}
	return ev
}

func item(t testing.TB, h *Handler, address string) map[string]types.AttributeValue {
	t.Helper()
	out, err := h.DB.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(h.Table), Key: map[string]types.AttributeValue{AttrUserID: s(address)},
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.Item
}

// flat shows an item as attribute=value lines, maps included, for comparison.
func flat(v types.AttributeValue, prefix string, out map[string]string) {
	switch x := v.(type) {
	case *types.AttributeValueMemberS:
		out[prefix] = "S:" + x.Value
	case *types.AttributeValueMemberN:
		out[prefix] = "N:" + x.Value
	case *types.AttributeValueMemberM:
		for k, w := range x.Value {
			flat(w, strings.TrimPrefix(prefix+"."+k, "."), out)
		}
	default:
		out[prefix] = fmt.Sprintf("%T", v)
	}
}

func flatItem(item map[string]types.AttributeValue) map[string]string {
	out := map[string]string{}
	flat(&types.AttributeValueMemberM{Value: item}, "", out)
	return out
}

func TestThePostsComplaintProducesExactlyTheExpectedItem(t *testing.T) {
	h := tableHandler(t, local.StartDynalite(t), "mailing")
	res, err := h.Handle(context.Background(), snsEvent([2]string{postComplaintSNSMessageID, fixture(t, postComplaint)}))
	if err != nil || res.Writes != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	want := map[string]string{
		"UserId":                             "S:recipient1@example.com",
		"state":                              "S:disable",
		"address":                            "S:recipient1@example.com",
		"notificationType":                   "S:Complaint",
		"from":                               "S:email_1337983178623@amazon.com",
		"timestamp":                          "S:2012-05-25T14:59:38.623-07:00",
		"complaintFeedbackType":              "S:abuse",
		"bounceCount":                        "N:0",
		"version":                            "N:1",
		"history.hard.id":                    "S:000001378603177f-18c07c78-fa81-4a58-9dd1-fedc3cb8f49a-000000", // complaint.feedbackId
		"history.hard.kind":                  "S:hard",
		"history.hard.at":                    "S:2012-05-25T21:59:38.623Z",
		"history.hard.address":               "S:recipient1@example.com",
		"history.hard.notificationType":      "S:Complaint",
		"history.hard.from":                  "S:email_1337983178623@amazon.com",
		"history.hard.mailTimestamp":         "S:2012-05-25T14:59:38.623-07:00",
		"history.hard.complaintFeedbackType": "S:abuse",
	}
	got := flatItem(item(t, h, "recipient1@example.com"))
	if !reflect.DeepEqual(got, want) {
		t.Errorf("item differs:\n got %v\nwant %v", got, want)
	}
	// Only the complained recipient, not the other destinations.
	if it := item(t, h, "recipient2@example.com"); it != nil {
		t.Errorf("recipient2 was written: %v", it)
	}
}

func TestAWSExamplesInBothFormats(t *testing.T) {
	cases := []struct {
		name, message, address, state, reason string
	}{
		{"event publishing bounce", fixture(t, eventBounce), "recipient@example.com", Disable, "bounceType=Permanent bounceSubType=General"},
		{"event publishing complaint", fixture(t, eventComplaint), "recipient@example.com", Disable, "complaintFeedbackType=abuse"},
		{"event publishing delivery", fixture(t, eventDelivery), "recipient@example.com", Enable, ""},
		{"notification transient bounce", fixture(t, notificationBounceTransient), "jane@example.com", Pending, "bounceType=Transient bounceSubType=MailboxFull"},
		{"notification transient bounce, second recipient keyed in lower case, spelled as SES wrote it",
			fixture(t, notificationBounceTransient), "richard@example.com", Pending, "bounceType=Transient address=Richard@EXAMPLE.com"},
		{"notification delivery", fixture(t, notificationDelivery), "jane@example.com", Enable, ""},
		{"the post's complaint", fixture(t, postComplaint), "recipient1@example.com", Disable, "complaintFeedbackType=abuse"},
	}
	d := local.StartDynalite(t)
	for i, c := range cases {
		h := tableHandler(t, d, fmt.Sprint("table-", i))
		if _, err := h.Handle(context.Background(), snsEvent([2]string{"sns-1", c.message})); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got := flatItem(item(t, h, c.address))
		if got["state"] != "S:"+c.state {
			t.Errorf("%s: state %s, want %s", c.name, got["state"], c.state)
		}
		for _, kv := range strings.Fields(c.reason) {
			k, v, _ := strings.Cut(kv, "=")
			if got[k] != "S:"+v {
				t.Errorf("%s: %s is %q, want %q", c.name, k, got[k], v)
			}
		}
	}
}

// Issue 15, 3.1: a bounce report names the recipient by its DSN's
// Final-Recipient, whose case may differ from the address sent to; all
// spellings of one address are one item, keyed in lower case, which keeps
// the spelling of the event that decided its state.
func TestOneItemPerAddressWhateverItsCase(t *testing.T) {
	h := tableHandler(t, local.StartDynalite(t), "mailing")
	delivered := fmt.Sprintf(`{"notificationType":"Delivery","mail":{"messageId":"m-1","timestamp":%q},`+
		`"delivery":{"timestamp":%q,"recipients":["Jane.Doe@Example.com"]}}`, "2026-01-01T00:00:00Z", "2026-01-01T00:00:01Z")
	bounce := func(id, to string, hour int) string {
		at := t0.Add(time.Duration(hour) * time.Hour).Format(time.RFC3339)
		return fmt.Sprintf(`{"notificationType":"Bounce","mail":{"messageId":"m-%s","timestamp":%q},"bounce":{"bounceType":"Transient",`+
			`"bounceSubType":"MailboxFull","feedbackId":%q,"timestamp":%q,"bouncedRecipients":[{"emailAddress":%q}]}}`, id, at, id, at, to)
	}
	for i, msg := range []string{delivered, bounce("f-1", "JANE.DOE@example.com", 1), bounce("f-2", "jane.doe@EXAMPLE.COM", 2),
		bounce("f-3", "Jane.Doe@Example.com", 3)} {
		if _, err := h.Handle(context.Background(), snsEvent([2]string{fmt.Sprint("sns-", i), msg})); err != nil {
			t.Fatal(err)
		}
	}
	all := scan(t, h)
	if len(all) != 1 {
		t.Fatalf("want one item, got %d: %v", len(all), all)
	}
	got := all["jane.doe@example.com"]
	if got[AttrState] != "S:"+Disable || got[AttrBounceCount] != "N:3" || got[AttrAddress] != "S:Jane.Doe@Example.com" {
		t.Errorf("item %v: want disabled by three bounces, spelled as the newest one was", got)
	}
}

// Issue 15, 3.2: SES may publish one event under two SNS messages (and SNS
// delivers at least once): the event is SES's feedbackId or messageId and
// the recipient, so it counts once whatever SNS message carries it.
func TestOneEventUnderTwoSNSMessagesCountsOnce(t *testing.T) {
	h := tableHandler(t, local.StartDynalite(t), "mailing")
	bounce := fixture(t, notificationBounceTransient)
	delivery := fixture(t, notificationDelivery)
	for i, sns := range []string{"sns-a", "sns-b", "sns-c"} {
		want := 0
		if i == 0 {
			want = 2 // jane and richard
		}
		if res, err := h.Handle(context.Background(), snsEvent([2]string{sns + "-bounce", bounce})); err != nil || res.Writes != want {
			t.Fatalf("%s: %+v %v; want %d writes", sns, res, err, want)
		}
	}
	got := flatItem(item(t, h, "jane@example.com"))
	if got[AttrBounceCount] != "N:1" || got[AttrVersion] != "N:1" {
		t.Errorf("one bounce under three SNS messages: %v", got)
	}
	for _, sns := range []string{"sns-d", "sns-e"} {
		if _, err := h.Handle(context.Background(), snsEvent([2]string{sns + "-delivery", delivery})); err != nil {
			t.Fatal(err)
		}
	}
	if got := flatItem(item(t, h, "jane@example.com")); got[AttrVersion] != "N:2" || got[AttrState] != "S:"+Enable {
		t.Errorf("one delivery under two SNS messages: %v", got)
	}
}

// Issue 15, 3.3: a recipient that cannot be read is skipped and logged, and
// the notification's other recipients are applied.
func TestABadRecipientIsSkippedAndTheOthersApplied(t *testing.T) {
	var logs strings.Builder
	h := tableHandler(t, local.StartDynalite(t), "mailing")
	h.Log = slog.New(slog.NewJSONHandler(&logs, nil))
	res, err := h.Handle(context.Background(), snsEvent([2]string{"sns-1", fixture(t, notificationBounceBadRecipient)}))
	if err != nil || res.Skipped != 2 || res.Writes != 1 || res.Malformed != 0 {
		t.Fatalf("want 2 skipped and 1 write without error, got %+v %v", res, err)
	}
	if got := flatItem(item(t, h, "good@example.com")); got[AttrState] != "S:"+Disable || got[AttrAddress] != "S:Good@Example.com" {
		t.Errorf("the good recipient: %v", got)
	}
	for _, want := range []string{`"msg":"skipping a recipient"`, `Bounce recipient 1: \"not-an-address\" is not an email address`,
		`Bounce recipient 3: \"ÜSER@bücher.de\" is not 7-bit ASCII`, `"SkippedRecipients":1`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the log does not say %s:\n%s", want, logs.String())
		}
	}
}

func TestUnknownTypesAreCountedAndNotRetried(t *testing.T) {
	h := tableHandler(t, local.StartDynalite(t), "mailing")
	res, err := h.Handle(context.Background(), snsEvent(
		[2]string{"a", fixture(t, subscriptionSucceeded)},
		[2]string{"b", `{"eventType":"Open","mail":{},"open":{}}`},
		[2]string{"c", fixture(t, eventDelivery)},
	))
	if err != nil || res.Unknown != 2 || res.Writes != 1 {
		t.Errorf("want 2 unknown and 1 write without error, got %+v %v", res, err)
	}
}

// A notification that cannot be read at all, including one none of whose
// recipients can be, fails its invocation (so that it reaches the
// dead-letter queue after Lambda's retries), after the other records are
// applied.
func TestAMalformedRecordFailsWithAClearErrorAndLosesNothingElse(t *testing.T) {
	h := tableHandler(t, local.StartDynalite(t), "mailing")
	res, err := h.Handle(context.Background(), snsEvent(
		[2]string{"good-1", fixture(t, eventDelivery)},
		[2]string{"bad-1", `{"notificationType":"Bounce","bounce":{"bounceType":"Permanent","feedbackId":"f","bouncedRecipients":[]},` +
			`"mail":{"timestamp":"2017-08-05T00:40:02.012Z"}}`},
		[2]string{"bad-2", `not json`},
		[2]string{"bad-3", `{"notificationType":"Delivery","mail":{"messageId":"m"},` +
			`"delivery":{"timestamp":"2017-08-05T00:41:02Z","recipients":["nobody", "n\u00f8body@example.com"]}}`},
		[2]string{"good-2", fixture(t, notificationDelivery)},
	))
	if err == nil || res.Malformed != 3 || res.Writes != 2 {
		t.Fatalf("want 3 malformed and 2 writes, got %+v %v", res, err)
	}
	for _, want := range []string{
		"record 1 (SNS message bad-1): a Bounce with no recipients", "record 2 (SNS message bad-2)",
		"record 3 (SNS message bad-3): no recipient of the Delivery can be read",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	// The retry Lambda makes re-applies the good records without double counting.
	again, _ := h.Handle(context.Background(), snsEvent([2]string{"good-1", fixture(t, eventDelivery)}, [2]string{"good-2", fixture(t, notificationDelivery)}))
	if again.Writes != 0 || item(t, h, "jane@example.com")[AttrVersion].(*types.AttributeValueMemberN).Value != "1" {
		t.Errorf("a retried record was applied twice: %+v", again)
	}
}

func TestBadInputsToTheParser(t *testing.T) {
	bad := map[string]string{
		"not JSON":      `{`,
		"bounce object": `{"notificationType":"Bounce","mail":{}}`,
		"timestamp":     `{"notificationType":"Delivery","mail":{"messageId":"m"},"delivery":{"timestamp":"yesterday","recipients":["a@b"]}}`,
		"no timestamp":  `{"notificationType":"Delivery","mail":{"messageId":"m"},"delivery":{"recipients":["a@b"]}}`,
		"address": `{"notificationType":"Delivery","mail":{"messageId":"m"},` +
			`"delivery":{"timestamp":"2017-08-05T00:41:02Z","recipients":["not-an-address"]}}`,
		"control character": `{"notificationType":"Delivery","mail":{"messageId":"m"},` +
			`"delivery":{"timestamp":"2017-08-05T00:41:02Z","recipients":["a\u0000b@c"]}}`,
		"complaint object": `{"eventType":"Complaint","mail":{}}`,
		"bounce type": `{"notificationType":"Bounce",` +
			`"bounce":{"bounceType":"Soft","feedbackId":"f","bouncedRecipients":[{"emailAddress":"a@b"}],"timestamp":"2017-08-05T00:41:02Z"}}`,
		// SES's identity of the event is what makes a repeat harmless.
		"no feedbackId": `{"notificationType":"Bounce",` +
			`"bounce":{"bounceType":"Transient","bouncedRecipients":[{"emailAddress":"a@b"}],"timestamp":"2017-08-05T00:41:02Z"}}`,
		"no complaint feedbackId": `{"notificationType":"Complaint",` +
			`"complaint":{"complainedRecipients":[{"emailAddress":"a@b"}],"timestamp":"2017-08-05T00:41:02Z"}}`,
		"no messageId": `{"notificationType":"Delivery","mail":{},"delivery":{"timestamp":"2017-08-05T00:41:02Z","recipients":["a@b"]}}`,
	}
	for name, msg := range bad {
		if _, _, err := ParseNotification(msg, emailhygiene.ComplaintScopeEveryRecipient); err == nil || errorsIsUnknown(err) {
			t.Errorf("%s: want a malformed error, got %v", name, err)
		}
	}
}

func errorsIsUnknown(err error) bool {
	return err != nil && strings.Contains(err.Error(), ErrUnknownType.Error())
}

// Issue 15, 3.8: SES lists every recipient of the message on the
// complaining domain, since most ISPs redact who complained. By default
// every one is disabled, as before; with ComplaintScopeSingleRecipient
// only a complaint that lists one recipient disables.
func TestComplaintScope(t *testing.T) {
	d := local.StartDynalite(t)
	for i, c := range []struct {
		scope             string
		message           string
		disabled, ignored int
	}{
		{emailhygiene.ComplaintScopeEveryRecipient, fixture(t, notificationComplaintTwoRecipients), 2, 0},
		{emailhygiene.ComplaintScopeSingleRecipient, fixture(t, notificationComplaintTwoRecipients), 0, 1},
		{emailhygiene.ComplaintScopeSingleRecipient, fixture(t, postComplaint), 1, 0},
		{emailhygiene.ComplaintScopeSingleRecipient, fixture(t, eventComplaint), 1, 0},
		// An ISP's "not-spam" report corrects an earlier one: nobody is disabled.
		{emailhygiene.ComplaintScopeEveryRecipient, strings.Replace(fixture(t, eventComplaint), `"abuse"`, `"not-spam"`, 1), 0, 1},
	} {
		h := tableHandler(t, d, fmt.Sprint("scope-", i))
		h.ComplaintScope = c.scope
		res, err := h.Handle(context.Background(), snsEvent([2]string{"sns-1", c.message}))
		if err != nil || res.Writes != c.disabled || res.Ignored != c.ignored {
			t.Errorf("%d (%s): %+v %v; want %d disabled, %d ignored", i, c.scope, res, err, c.disabled, c.ignored)
		}
		for _, it := range scan(t, h) {
			if it[AttrState] != "S:"+Disable {
				t.Errorf("%d: %v", i, it)
			}
		}
	}
}

// --- the state rules, without a server ---

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func ev(id string, kind Kind, hours float64) Event {
	typ := map[Kind]string{Hard: "Complaint", Transient: "Bounce", Delivery: "Delivery"}[kind]
	return Event{ID: id, Kind: kind, Address: "a@b", At: t0.Add(time.Duration(hours * float64(time.Hour))), NotificationType: typ}
}

func decide(evs ...Event) Decision {
	var r Record
	for _, e := range evs {
		r.Add(e)
	}
	return r.Decide(policy)
}

func TestStateRules(t *testing.T) {
	cases := []struct {
		name  string
		evs   []Event
		state string
		count int
	}{
		{"a permanent bounce or complaint disables", []Event{ev("1", Hard, 0)}, Disable, 0},
		{"a later delivery does not re-enable", []Event{ev("1", Hard, 0), ev("2", Delivery, 5)}, Disable, 0},
		{"one transient bounce is only recorded", []Event{ev("1", Transient, 0)}, Pending, 1},
		{"after a delivery it is still enabled", []Event{ev("0", Delivery, 0), ev("1", Transient, 1)}, Enable, 1},
		{"three within the window disable", []Event{ev("1", Transient, 0), ev("2", Transient, 24), ev("3", Transient, 72)}, Disable, 3},
		{"three spread wider do not", []Event{ev("1", Transient, 0), ev("2", Transient, 48), ev("3", Transient, 73)}, Pending, 3},
		{"a newer delivery clears them", []Event{ev("1", Transient, 0), ev("2", Transient, 1), ev("3", Transient, 2), ev("4", Delivery, 3)}, Enable, 0},
		{"an older delivery does not", []Event{ev("0", Delivery, -1), ev("1", Transient, 0), ev("2", Transient, 1), ev("3", Transient, 2)}, Disable, 3},
		// IDs order a < b < b0 < c: only c is newer than the delivery b0.
		{"a delivery at the same time orders by ID", []Event{ev("a", Transient, 0), ev("b", Transient, 0), ev("c", Transient, 0), ev("b0", Delivery, 0)}, Enable, 1},
		{"duplicates count once", []Event{ev("1", Transient, 0), ev("1", Transient, 0), ev("1", Transient, 0)}, Pending, 1},
	}
	for _, c := range cases {
		d := decide(c.evs...)
		if d.State != c.state || d.BounceCount != c.count {
			t.Errorf("%s: %s with %d bounces, want %s with %d", c.name, d.State, d.BounceCount, c.state, c.count)
		}
		// Any order gives the same decision.
		for range 5 {
			shuffled := append([]Event(nil), c.evs...)
			rand.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			if d2 := decide(shuffled...); d2.State != d.State || d2.BounceCount != d.BounceCount || d2.By.ID != d.By.ID {
				t.Errorf("%s: order changed the decision", c.name)
			}
		}
	}
}

// --- the rules over a set of events, directly: the oracle ---

// ruleEvent is what the rules read of an event.
type ruleEvent struct {
	id   string
	kind Kind
	at   time.Time
}

// newer is the rules' order: by time, then by ID.
func newer(a, b ruleEvent) bool { return a.at.After(b.at) || a.at.Equal(b.at) && a.id > b.id }

// rulesState states the rules directly over one address's set of distinct
// events, with no folding and no pruning: a complaint or permanent bounce
// disables; otherwise, of the transient bounces newer than the newest
// delivery, the newest TransientHistory count, and Limit of them within
// Window disable; otherwise a delivery enables; otherwise any transient
// bounce leaves the address pending.
func rulesState(evs []ruleEvent, p Policy) (state string, count int, last time.Time) {
	hard := false
	var delivery *ruleEvent
	for i, e := range evs {
		hard = hard || e.kind == Hard
		if e.kind == Delivery && (delivery == nil || newer(e, *delivery)) {
			delivery = &evs[i]
		}
	}
	var ts []ruleEvent
	for _, e := range evs {
		if e.kind == Transient && (delivery == nil || newer(e, *delivery)) {
			ts = append(ts, e)
		}
	}
	sort.Slice(ts, func(i, j int) bool { return newer(ts[j], ts[i]) })
	if len(ts) > TransientHistory {
		ts = ts[len(ts)-TransientHistory:]
	}
	window := false
	for i := 0; i+p.Limit-1 < len(ts); i++ {
		window = window || ts[i+p.Limit-1].at.Sub(ts[i].at) <= p.Window
	}
	if len(ts) > 0 {
		count, last = len(ts), ts[len(ts)-1].at
	}
	switch {
	case hard, window:
		return Disable, count, last
	case delivery != nil:
		return Enable, count, last
	case len(ts) > 0:
		return Pending, count, last
	}
	return "", 0, time.Time{}
}

// --- the replay: duplicates, shuffled order, concurrent writers ---

type replayEvent struct {
	message string
	address string // normalized
	ruleEvent
}

// message is an SES notification of one event for one recipient, in either
// format, with SES's ID.
func message(r *rand.Rand, e ruleEvent, to string) string {
	stamp := e.at.Format(time.RFC3339Nano)
	typ := []string{"notificationType", "eventType"}[r.IntN(2)]
	switch {
	case e.kind == Hard && r.IntN(2) == 0:
		return fmt.Sprintf(`{%q:"Complaint","complaint":{"complainedRecipients":[{"emailAddress":%q}],"timestamp":%q,`+
			`"complaintFeedbackType":"abuse","feedbackId":%q},"mail":{"timestamp":%q,"source":"s@x","messageId":"m-%s"}}`,
			typ, to, stamp, e.id, stamp, e.id)
	case e.kind == Hard:
		return fmt.Sprintf(`{%q:"Bounce","bounce":{"bounceType":"Permanent","bounceSubType":"General",`+
			`"bouncedRecipients":[{"emailAddress":%q}],"timestamp":%q,"feedbackId":%q},"mail":{"timestamp":%q,"source":"s@x","messageId":"m-%s"}}`,
			typ, to, stamp, e.id, stamp, e.id)
	case e.kind == Transient:
		return fmt.Sprintf(`{%q:"Bounce","bounce":{"bounceType":"Transient","bounceSubType":"MailboxFull",`+
			`"bouncedRecipients":[{"emailAddress":%q}],"timestamp":%q,"feedbackId":%q},"mail":{"timestamp":%q,"source":"s@x","messageId":"m-%s"}}`,
			typ, to, stamp, e.id, stamp, e.id)
	}
	return fmt.Sprintf(`{%q:"Delivery","delivery":{"recipients":[%q],"timestamp":%q},"mail":{"timestamp":%q,"source":"s@x","messageId":%q}}`,
		typ, to, stamp, stamp, e.id)
}

// spell writes an address in a random mix of cases, as bounce reports may.
func spell(r *rand.Rand, address string) string {
	b := []byte(address)
	for i, c := range b {
		if 'a' <= c && c <= 'z' && r.IntN(3) == 0 {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

func makeEvents(r *rand.Rand, n, addresses int) []replayEvent {
	var out []replayEvent
	for i := range n {
		addr := fmt.Sprintf("user%03d@example.com", r.IntN(addresses))
		e := ruleEvent{at: t0.Add(time.Duration(r.IntN(30*24)) * time.Hour)} // hourly: many equal times
		switch p := r.IntN(100); {
		case p < 10:
			e.kind, e.id = Hard, fmt.Sprintf("fb-%05d", i)
		case p < 50:
			e.kind, e.id = Transient, fmt.Sprintf("fb-%05d", i)
		default:
			e.kind, e.id = Delivery, fmt.Sprintf("msg-%05d", i)
		}
		out = append(out, replayEvent{message(r, e, spell(r, addr)), addr, e})
	}
	return out
}

// expected is the rules' state of every address.
func expected(evs []replayEvent) map[string]string {
	byAddr := map[string][]ruleEvent{}
	for _, e := range evs {
		byAddr[e.address] = append(byAddr[e.address], e.ruleEvent)
	}
	out := map[string]string{}
	for addr, list := range byAddr {
		out[addr], _, _ = rulesState(list, policy)
	}
	return out
}

// redeliver is evs with duplicates, one in four, each under an SNS message
// of its own (as SES may publish an event twice, and SNS deliver a message
// twice), in a shuffled order.
func redeliver(r *rand.Rand, evs []replayEvent) [][2]string {
	var out [][2]string
	for i, e := range evs {
		out = append(out, [2]string{fmt.Sprintf("sns-%05d", i), e.message})
		if r.IntN(4) == 0 {
			out = append(out, [2]string{fmt.Sprintf("sns-%05d-again", i), e.message})
		}
	}
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// replay sends every event and its duplicates, one SNS record per
// invocation as SNS does, from 8 concurrent writers.
func replay(t *testing.T, h *Handler, evs []replayEvent, seed uint64) Result {
	work := make(chan [2]string)
	var mu sync.Mutex
	var total Result
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for rec := range work {
				res, err := h.Handle(context.Background(), snsEvent(rec))
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				total.Writes += res.Writes
				total.Conflicts += res.Conflicts
				mu.Unlock()
			}
		})
	}
	for _, rec := range redeliver(rand.New(rand.NewPCG(seed, 0)), evs) {
		work <- rec
	}
	close(work)
	wg.Wait()
	return total
}

func scan(t *testing.T, h *Handler) map[string]map[string]string {
	out := map[string]map[string]string{}
	p := dynamodb.NewScanPaginator(h.DB.(*dynamodb.Client), &dynamodb.ScanInput{TableName: aws.String(h.Table)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			f := flatItem(it)
			delete(f, AttrVersion) // how many writes it took depends on the order
			out[strings.TrimPrefix(f[AttrUserID], "S:")] = f
		}
	}
	return out
}

func TestReplayOf2000ShuffledDuplicatedEventsByEightWritersEndsInTheRulesState(t *testing.T) {
	evs := makeEvents(rand.New(rand.NewPCG(1, 2)), 2000, 300)
	want := expected(evs)
	d := local.StartDynalite(t)
	a, b := tableHandler(t, d, "replay-a"), tableHandler(t, d, "replay-b")
	resA := replay(t, a, evs, 7)
	replay(t, b, evs, 8)
	got := scan(t, a)
	if len(got) != len(want) {
		t.Fatalf("%d addresses in the table, want %d", len(got), len(want))
	}
	counts := map[string]int{}
	for addr, state := range want {
		counts[state]++
		if got[addr][AttrState] != "S:"+state {
			t.Errorf("%s: %s, want %s", addr, got[addr][AttrState], state)
		}
	}
	// The same set in another order gives the very same items, but for the
	// spelling, which is the deciding event's and differs between its copies.
	other := scan(t, b)
	for _, items := range []map[string]map[string]string{got, other} {
		for _, it := range items {
			for k := range it {
				if k == AttrAddress || strings.HasSuffix(k, "."+AttrAddress) {
					delete(it, k)
				}
			}
		}
	}
	if !reflect.DeepEqual(got, other) {
		t.Error("two orders of the same events gave different items")
	}
	t.Logf("states %v; %d writes, %d optimistic-concurrency conflicts retried", counts, resA.Writes, resA.Conflicts)
	if counts[Disable] == 0 || counts[Enable] == 0 || counts[Pending] == 0 {
		t.Errorf("the replay does not exercise every state: %v", counts)
	}
}

// itemSize is an item's size as DynamoDB counts it against its 400 KB limit:
// attribute names and string values in UTF-8 bytes, a number 1 byte per two
// significant digits plus 1, a map 3 bytes plus 1 byte per element (Amazon
// DynamoDB Developer Guide, "DynamoDB item sizes and formats").
func itemSize(item map[string]types.AttributeValue) int {
	size := 0
	for name, v := range item {
		size += len(name) + valueSize(v)
	}
	return size
}

func valueSize(v types.AttributeValue) int {
	switch x := v.(type) {
	case *types.AttributeValueMemberS:
		return len(x.Value)
	case *types.AttributeValueMemberN:
		return (len(strings.Trim(strings.TrimLeft(x.Value, "-"), "0"))+1)/2 + 1
	case *types.AttributeValueMemberM:
		return 3 + itemSize(x.Value) + len(x.Value)
	}
	panic(fmt.Sprintf("no size for %T", v))
}

// Issue 15, 3.4: an address that keeps bouncing does not grow its item
// towards DynamoDB's 400 KB limit. 10,000 distinct events for one address,
// with one in four published again, shuffled, 100 records per invocation,
// against a DynamoDB-API server: the item stays under 16 KB throughout, and
// ends in the rules' state of the set.
func TestTenThousandEventsForOneAddressKeepTheItemSmallAndEndInTheRulesState(t *testing.T) {
	const address, events, batch = "bouncing@example.com", 10000, 100
	scenarios := []struct {
		name string
		// kind and spacing of event i
		event func(r *rand.Rand, i int) ruleEvent
		state string
	}{
		{"transient bounces far apart, never a delivery", func(_ *rand.Rand, i int) ruleEvent {
			return ruleEvent{fmt.Sprintf("fb-%05d", i), Transient, t0.Add(time.Duration(i) * 73 * time.Hour)}
		}, Pending},
		{"transient bounces an hour apart", func(_ *rand.Rand, i int) ruleEvent {
			return ruleEvent{fmt.Sprintf("fb-%05d", i), Transient, t0.Add(time.Duration(i) * time.Hour)}
		}, Disable},
		{"bounces and deliveries over two years, many at the same hour", func(r *rand.Rand, i int) ruleEvent {
			at := t0.Add(time.Duration(r.IntN(2*365*24)) * time.Hour)
			if r.IntN(50) == 0 {
				return ruleEvent{fmt.Sprintf("msg-%05d", i), Delivery, at}
			}
			return ruleEvent{fmt.Sprintf("fb-%05d", i), Transient, at}
		}, ""},
		{"everything, a complaint among it", func(r *rand.Rand, i int) ruleEvent {
			at := t0.Add(time.Duration(r.IntN(2*365*24)) * time.Hour)
			switch {
			case i == 5000:
				return ruleEvent{fmt.Sprintf("fb-%05d", i), Hard, at}
			case r.IntN(10) == 0:
				return ruleEvent{fmt.Sprintf("msg-%05d", i), Delivery, at}
			}
			return ruleEvent{fmt.Sprintf("fb-%05d", i), Transient, at}
		}, Disable},
	}
	d := local.StartDynalite(t)
	for n, sc := range scenarios {
		r := rand.New(rand.NewPCG(uint64(n), 15))
		var evs []replayEvent
		var set []ruleEvent
		for i := range events {
			e := sc.event(r, i)
			evs = append(evs, replayEvent{message(r, e, spell(r, address)), address, e})
			set = append(set, e)
		}
		wantState, wantCount, wantLast := rulesState(set, policy)
		if sc.state != "" && wantState != sc.state {
			t.Fatalf("%s: the scenario does not reach %s (the rules say %s)", sc.name, sc.state, wantState)
		}
		h := tableHandler(t, d, fmt.Sprint("bouncing-", n))
		records := redeliver(r, evs)
		largest := 0
		for len(records) > 0 {
			k := min(batch, len(records))
			if _, err := h.Handle(context.Background(), snsEvent(records[:k]...)); err != nil {
				t.Fatalf("%s: %v", sc.name, err)
			}
			records = records[k:]
			largest = max(largest, itemSize(item(t, h, address)))
		}
		got := flatItem(item(t, h, address))
		if largest >= 16*1024 {
			t.Errorf("%s: the item reached %d bytes", sc.name, largest)
		}
		if got[AttrState] != "S:"+wantState || got[AttrBounceCount] != fmt.Sprintf("N:%d", wantCount) ||
			wantCount > 0 && got[AttrLastBounceAt] != "S:"+wantLast.Format(time.RFC3339Nano) {
			t.Errorf("%s: item %s %s %s; the rules say %s, %d bounces, the last at %s", sc.name,
				got[AttrState], got[AttrBounceCount], got[AttrLastBounceAt], wantState, wantCount, wantLast.Format(time.RFC3339Nano))
		}
		t.Logf("%s: %s with %d bounces kept; the item was %d bytes at most", sc.name, wantState, wantCount, largest)
	}
}

// Folding a set of events in any order, duplicates included, gives the
// rules' state of the set, and a record of at most TransientHistory
// transient bounces (no server: many random sets).
func TestAnyOrderOfAnySetFoldsToTheRulesState(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for round := range 300 {
		var set []ruleEvent
		for i := range 1 + r.IntN(60) {
			kind := []Kind{Transient, Transient, Transient, Delivery, Hard}[r.IntN(4+r.IntN(2))]
			set = append(set, ruleEvent{fmt.Sprintf("id-%02d", i), kind, t0.Add(time.Duration(r.IntN(20*24)) * time.Hour)})
		}
		wantState, wantCount, _ := rulesState(set, policy)
		for range 5 {
			var rec Record
			order := append([]ruleEvent(nil), set...)
			order = append(order, order[:r.IntN(len(order))]...) // duplicates
			r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
			for _, e := range order {
				rec.Add(Event{ID: e.id, Kind: e.kind, At: e.at, Address: "a@b"})
			}
			if d := rec.Decide(policy); d.State != wantState || d.BounceCount != wantCount || len(rec.Transients) > TransientHistory {
				t.Fatalf("round %d: %s with %d bounces (%d kept); the rules say %s with %d", round, d.State, d.BounceCount,
					len(rec.Transients), wantState, wantCount)
			}
		}
	}
}

// An item written before the history was bounded (transient bounces as
// full events keyed by SNS message, possibly more than TransientHistory)
// reads back as the newest TransientHistory of them.
func TestAnItemWrittenBeforeTheHistoryWasBoundedReadsBack(t *testing.T) {
	legacy := map[string]types.AttributeValue{}
	for i := range 25 {
		key := fmt.Sprintf("sns-%02d/a@b", i)
		legacy[key] = &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			"key": s(key), "kind": s("transient"), "at": s(t0.Add(time.Duration(i) * 100 * time.Hour).Format(time.RFC3339Nano)),
			"notificationType": s("Bounce"), "bounceType": s("Transient"),
		}}
	}
	rec, version, err := RecordFromItem(map[string]types.AttributeValue{
		AttrUserID: s("a@b"), AttrVersion: n(7),
		AttrHistory: &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			historyTransients: &types.AttributeValueMemberM{Value: legacy},
		}},
	})
	if err != nil || version != 7 || len(rec.Transients) != TransientHistory || rec.Transients[0].ID != "sns-05/a@b" ||
		rec.Transients[TransientHistory-1].BounceType != "Transient" {
		t.Fatalf("%v %d %+v", err, version, rec)
	}
	// It is written back in the bounded form, and reads back the same.
	again, _, err := RecordFromItem(rec.Item("a@b", policy, 8))
	if err != nil || !reflect.DeepEqual(again.Decide(policy), rec.Decide(policy)) || len(again.Transients) != TransientHistory {
		t.Errorf("%v %+v", err, again)
	}
}

// FuzzParseNotification: no message panics the parser, and every event it
// accepts has SES's ID, a time, and a normalized address.
func FuzzParseNotification(f *testing.F) {
	for _, name := range []string{
		postComplaint, eventBounce, eventComplaint, eventDelivery, notificationBounceTransient, notificationDelivery, subscriptionSucceeded,
		notificationComplaintTwoRecipients, notificationBounceBadRecipient,
	} {
		f.Add(fixture(f, name))
	}
	for _, m := range []string{`{}`, `[]`, `{"eventType":"Bounce","bounce":{}}`} {
		f.Add(m)
	}
	f.Fuzz(func(t *testing.T, message string) {
		for _, scope := range []string{emailhygiene.ComplaintScopeEveryRecipient, emailhygiene.ComplaintScopeSingleRecipient} {
			evs, _, err := ParseNotification(message, scope)
			if err != nil {
				continue
			}
			for _, e := range evs {
				if again, err := emailaddr.Normalize(e.Address); err != nil || again != e.Address {
					t.Fatalf("address %q is not normalized (%q, %v)", e.Address, again, err)
				}
				if e.ID == "" || e.At.IsZero() {
					t.Fatalf("event %+v", e)
				}
			}
		}
	})
}

// BenchmarkRecord is the handler's CPU cost per record, without the network:
// parse, fold into the stored record, decide and encode the item.
func BenchmarkRecord(b *testing.B) {
	stored, _, _ := RecordFromItem(nil)
	for i := range 5 {
		stored.Add(ev(fmt.Sprint(i), Transient, float64(i)))
	}
	item := stored.Item("jane@example.com", policy, 3)
	message := fixture(b, notificationBounceTransient)
	b.ReportAllocs()
	for b.Loop() {
		evs, _, err := ParseNotification(message, emailhygiene.ComplaintScopeEveryRecipient)
		if err != nil {
			b.Fatal(err)
		}
		rec, v, _ := RecordFromItem(item)
		rec.Add(evs[0])
		_ = rec.Item(evs[0].Address, policy, v+1)
	}
}

func TestNewHandlerReadsTheContractsEnvironment(t *testing.T) {
	env := map[string]string{
		emailhygiene.EnvTableName: "mailing", emailhygiene.EnvTransientBounceLimit: "5", emailhygiene.EnvTransientBounceWindow: "24h",
		emailhygiene.EnvComplaintScope: emailhygiene.ComplaintScopeSingleRecipient,
		"AWS_REGION":                   "eu-west-1", "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "SECRET",
	}
	h, err := newHandler(func(k string) string { return env[k] })
	if err != nil || h.Table != "mailing" || h.Policy != (Policy{Limit: 5, Window: 24 * time.Hour}) || h.DB == nil ||
		h.ComplaintScope != emailhygiene.ComplaintScopeSingleRecipient {
		t.Errorf("got %+v %v", h, err)
	}
	for _, missing := range []string{emailhygiene.EnvTableName, "AWS_REGION"} {
		_, err := newHandler(func(k string) string {
			if k == missing {
				return ""
			}
			return env[k]
		})
		if err == nil || !strings.Contains(err.Error(), missing) {
			t.Errorf("without %s: want an error naming it, got %v", missing, err)
		}
	}
}

func TestTheLookupReturnsOnlyAttributesTheHandlerWrites(t *testing.T) {
	written := map[string]bool{}
	for _, name := range []string{AttrState, AttrAddress, AttrNotificationType, AttrFrom, AttrTimestamp, AttrBounceType, AttrBounceSubType,
		AttrComplaintFeedbackType, AttrBounceCount, AttrLastBounceAt} {
		written[name] = true
	}
	for _, name := range emailhygiene.LookupAttributes {
		if !written[name] {
			t.Errorf("the lookup returns %q, which the handler never writes", name)
		}
	}
}
