package main

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"reflect"
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
	return &Handler{DB: db, Table: table, Policy: policy, MaxAttempts: 50, Log: slog.New(slog.DiscardHandler)}
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
	key := postComplaintSNSMessageID + "/recipient1@example.com"
	want := map[string]string{
		"UserId":                             "S:recipient1@example.com",
		"state":                              "S:disable",
		"notificationType":                   "S:Complaint",
		"from":                               "S:email_1337983178623@amazon.com",
		"timestamp":                          "S:2012-05-25T14:59:38.623-07:00",
		"complaintFeedbackType":              "S:abuse",
		"bounceCount":                        "N:0",
		"version":                            "N:1",
		"history.hard.key":                   "S:" + key,
		"history.hard.kind":                  "S:hard",
		"history.hard.at":                    "S:2012-05-25T21:59:38.623Z",
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
		{"notification transient bounce, second recipient normalized",
			fixture(t, notificationBounceTransient), "Richard@example.com", Pending, "bounceType=Transient"},
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

func TestAMalformedRecordFailsWithAClearErrorAndLosesNothingElse(t *testing.T) {
	h := tableHandler(t, local.StartDynalite(t), "mailing")
	res, err := h.Handle(context.Background(), snsEvent(
		[2]string{"good-1", fixture(t, eventDelivery)},
		[2]string{"bad-1", `{"notificationType":"Bounce","bounce":{"bounceType":"Permanent","bouncedRecipients":[]},` +
			`"mail":{"timestamp":"2017-08-05T00:40:02.012Z"}}`},
		[2]string{"bad-2", `not json`},
		[2]string{"good-2", fixture(t, notificationDelivery)},
	))
	if err == nil || res.Malformed != 2 || res.Writes != 2 {
		t.Fatalf("want 2 malformed and 2 writes, got %+v %v", res, err)
	}
	for _, want := range []string{"record 1 (SNS message bad-1): a Bounce with no recipients", "record 2 (SNS message bad-2)"} {
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
		"not JSON":          `{`,
		"bounce object":     `{"notificationType":"Bounce","mail":{}}`,
		"timestamp":         `{"notificationType":"Delivery","delivery":{"timestamp":"yesterday","recipients":["a@b"]}}`,
		"no timestamp":      `{"notificationType":"Delivery","delivery":{"recipients":["a@b"]}}`,
		"address":           `{"notificationType":"Delivery","delivery":{"timestamp":"2017-08-05T00:41:02Z","recipients":["not-an-address"]}}`,
		"control character": `{"notificationType":"Delivery","delivery":{"timestamp":"2017-08-05T00:41:02Z","recipients":["a\u0000b@c"]}}`,
		"complaint object":  `{"eventType":"Complaint","mail":{}}`,
		"bounce type": `{"notificationType":"Bounce",` +
			`"bounce":{"bounceType":"Soft","bouncedRecipients":[{"emailAddress":"a@b"}],"timestamp":"2017-08-05T00:41:02Z"}}`,
	}
	for name, msg := range bad {
		if _, err := ParseNotification("m", msg); err == nil || errorsIsUnknown(err) {
			t.Errorf("%s: want a malformed error, got %v", name, err)
		}
	}
	if _, err := ParseNotification("", fixture(t, eventDelivery)); err == nil {
		t.Error("a record without a MessageId must be refused")
	}
}

func errorsIsUnknown(err error) bool {
	return err != nil && strings.Contains(err.Error(), ErrUnknownType.Error())
}

// --- the state rules, without a server ---

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func ev(key string, kind Kind, hours float64) Event {
	typ := map[Kind]string{Hard: "Complaint", Transient: "Bounce", Delivery: "Delivery"}[kind]
	return Event{Key: key, Kind: kind, Address: "a@b", At: t0.Add(time.Duration(hours * float64(time.Hour))), NotificationType: typ}
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
		// Keys order a < b < b0 < c: only c is newer than the delivery b0.
		{"a delivery at the same time orders by key", []Event{ev("a", Transient, 0), ev("b", Transient, 0), ev("c", Transient, 0), ev("b0", Delivery, 0)}, Enable, 1},
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
			if d2 := decide(shuffled...); d2.State != d.State || d2.BounceCount != d.BounceCount || d2.By.Key != d.By.Key {
				t.Errorf("%s: order changed the decision", c.name)
			}
		}
	}
}

// --- the replay: duplicates, shuffled order, concurrent writers ---

type replayEvent struct {
	snsID, message string
	kind           Kind
	address        string
	at             time.Time
}

func makeEvents(r *rand.Rand, n, addresses int) []replayEvent {
	var out []replayEvent
	for i := range n {
		addr := fmt.Sprintf("user%03d@Example.com", r.IntN(addresses))
		at := t0.Add(time.Duration(r.IntN(30*24)) * time.Hour) // hourly: many equal times
		stamp := at.Format(time.RFC3339Nano)
		var msg string
		var kind Kind
		switch p := r.IntN(100); {
		case p < 5:
			kind, msg = Hard, fmt.Sprintf(`{"eventType":"Complaint",`+
				`"complaint":{"complainedRecipients":[{"emailAddress":%q}],"timestamp":%q,"complaintFeedbackType":"abuse"},`+
				`"mail":{"timestamp":%q,"source":"s@x"}}`, addr, stamp, stamp)
		case p < 10:
			kind, msg = Hard, fmt.Sprintf(`{"notificationType":"Bounce",`+
				`"bounce":{"bounceType":"Permanent","bounceSubType":"General","bouncedRecipients":[{"emailAddress":%q}],"timestamp":%q},`+
				`"mail":{"timestamp":%q,"source":"s@x"}}`, addr, stamp, stamp)
		case p < 50:
			kind, msg = Transient, fmt.Sprintf(`{"eventType":"Bounce",`+
				`"bounce":{"bounceType":"Transient","bounceSubType":"MailboxFull","bouncedRecipients":[{"emailAddress":%q}],"timestamp":%q},`+
				`"mail":{"timestamp":%q,"source":"s@x"}}`, addr, stamp, stamp)
		default:
			kind, msg = Delivery, fmt.Sprintf(`{"notificationType":"Delivery",`+
				`"delivery":{"recipients":[%q],"timestamp":%q},"mail":{"timestamp":%q,"source":"s@x"}}`, addr, stamp, stamp)
		}
		norm, _ := emailaddr.Normalize(addr)
		out = append(out, replayEvent{fmt.Sprintf("sns-%05d", i), msg, kind, norm, at})
	}
	return out
}

// expected states the rules directly over the set of distinct events.
func expected(evs []replayEvent) map[string]string {
	byAddr := map[string][]replayEvent{}
	for _, e := range evs {
		byAddr[e.address] = append(byAddr[e.address], e)
	}
	newer := func(a, b replayEvent) bool {
		return a.at.After(b.at) || a.at.Equal(b.at) && a.snsID+"/"+a.address > b.snsID+"/"+b.address
	}
	out := map[string]string{}
	for addr, list := range byAddr {
		hard := false
		var lastDelivery *replayEvent
		for i, e := range list {
			hard = hard || e.kind == Hard
			if e.kind == Delivery && (lastDelivery == nil || newer(e, *lastDelivery)) {
				lastDelivery = &list[i]
			}
		}
		var times []time.Time
		for _, e := range list {
			if e.kind == Transient && (lastDelivery == nil || newer(e, *lastDelivery)) {
				times = append(times, e.at)
			}
		}
		window := false
		for i := range times {
			within := 0
			for j := range times {
				if !times[j].Before(times[i]) && times[j].Sub(times[i]) <= policy.Window {
					within++
				}
			}
			window = window || within >= policy.Limit
		}
		switch {
		case hard, window:
			out[addr] = Disable
		case lastDelivery != nil:
			out[addr] = Enable
		default:
			out[addr] = Pending
		}
	}
	return out
}

// replay sends every event (and a duplicate of one in four) in a shuffled
// order, one SNS record per invocation as SNS does, from 8 concurrent writers.
func replay(t *testing.T, h *Handler, evs []replayEvent, seed uint64) Result {
	r := rand.New(rand.NewPCG(seed, 0))
	deliveries := append([]replayEvent(nil), evs...)
	for _, e := range evs {
		if r.IntN(4) == 0 {
			deliveries = append(deliveries, e)
		}
	}
	r.Shuffle(len(deliveries), func(i, j int) { deliveries[i], deliveries[j] = deliveries[j], deliveries[i] })
	work := make(chan replayEvent)
	var mu sync.Mutex
	var total Result
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for e := range work {
				res, err := h.Handle(context.Background(), snsEvent([2]string{e.snsID, e.message}))
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
	for _, e := range deliveries {
		work <- e
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
	// The same set in another order gives the very same items.
	if other := scan(t, b); !reflect.DeepEqual(got, other) {
		t.Error("two orders of the same events gave different items")
	}
	t.Logf("states %v; %d writes, %d optimistic-concurrency conflicts retried", counts, resA.Writes, resA.Conflicts)
	if counts[Disable] == 0 || counts[Enable] == 0 || counts[Pending] == 0 {
		t.Errorf("the replay does not exercise every state: %v", counts)
	}
}

// FuzzParseNotification: no message panics the parser, and every event it
// accepts has a normalized address and a key.
func FuzzParseNotification(f *testing.F) {
	for _, name := range []string{
		postComplaint, eventBounce, eventComplaint, eventDelivery, notificationBounceTransient, notificationDelivery, subscriptionSucceeded,
	} {
		f.Add("sns-id", fixture(f, name))
	}
	for _, m := range []string{`{}`, `[]`, `{"eventType":"Bounce","bounce":{}}`} {
		f.Add("sns-id", m)
	}
	f.Fuzz(func(t *testing.T, id, message string) {
		evs, err := ParseNotification(id, message)
		if err != nil {
			return
		}
		for _, e := range evs {
			if again, err := emailaddr.Normalize(e.Address); err != nil || again != e.Address {
				t.Fatalf("address %q is not normalized (%q, %v)", e.Address, again, err)
			}
			if e.Key != id+"/"+e.Address || e.At.IsZero() {
				t.Fatalf("event %+v", e)
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
		evs, err := ParseNotification("sns-1", message)
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
		"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "SECRET",
	}
	h, err := newHandler(func(k string) string { return env[k] })
	if err != nil || h.Table != "mailing" || h.Policy != (Policy{Limit: 5, Window: 24 * time.Hour}) || h.DB == nil {
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
	for _, name := range []string{AttrState, AttrNotificationType, AttrFrom, AttrTimestamp, AttrBounceType, AttrBounceSubType,
		AttrComplaintFeedbackType, AttrBounceCount, AttrLastBounceAt} {
		written[name] = true
	}
	for _, name := range emailhygiene.LookupAttributes {
		if !written[name] {
			t.Errorf("the lookup returns %q, which the handler never writes", name)
		}
	}
}
