package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/blueprints-cdk/blueprints/assertions/local"
	"github.com/blueprints-cdk/blueprints/internal/lambdamain"
	"github.com/blueprints-cdk/blueprints/internal/redirects"
)

// withTable is a handler on a dynalite table holding the given redirects.
func withTable(t testing.TB, stored map[string]map[string]types.AttributeValue) (*Handler, *bytes.Buffer) {
	t.Helper()
	d := local.StartDynalite(t)
	db := d.Client()
	ctx := context.Background()
	if _, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String("redirects"), BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("slug"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("slug"), KeyType: types.KeyTypeHash}},
	}); err != nil {
		t.Fatal(err)
	}
	for slug, item := range stored {
		item["slug"] = &types.AttributeValueMemberS{Value: slug}
		if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("redirects"), Item: item}); err != nil {
			t.Fatal(err)
		}
	}
	var logs bytes.Buffer
	return &Handler{Config: redirects.Config{TableName: "redirects", Schemes: []string{"https"}}, DB: &counting{Table: db}, Log: lambdamain.Logger(&logs)}, &logs
}

// counting counts the table reads.
type counting struct {
	Table
	n int
}

func (c *counting) GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	c.n++
	return c.Table.GetItem(ctx, in, opts...)
}

func target(loc string, permanent bool) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"location": &types.AttributeValueMemberS{Value: loc}, "permanent": &types.AttributeValueMemberBOOL{Value: permanent}}
}

func TestRedirects(t *testing.T) {
	h, logs := withTable(t, map[string]map[string]types.AttributeValue{
		"found": target("https://example.com/a", false), "moved": target("https://example.com/b", true),
		"js": target("javascript:alert(1)", false), "plain": target("http://example.com", false),
		"creds": target("https://u:p@example.com", false), "crlf": target("https://example.com/\r\nSet-Cookie: a=b", true),
		"nolocation": {"permanent": &types.AttributeValueMemberBOOL{Value: true}},
	})
	ctx := context.Background()
	for slug, want := range map[string]Result{
		"found": {Location: "https://example.com/a"}, "moved": {Location: "https://example.com/b", Permanent: true}, "unknown": {NotFound: true},
	} {
		if got, err := h.Handle(ctx, Request{Slug: slug}); err != nil || got != want {
			t.Errorf("%s: %+v %v, want %+v", slug, got, err, want)
		}
	}
	for _, slug := range []string{"js", "plain", "creds", "crlf", "nolocation"} {
		if got, err := h.Handle(ctx, Request{Slug: slug}); !errors.Is(err, ErrInvalidTarget) || got != (Result{}) {
			t.Errorf("%s: %+v %v, want ErrInvalidTarget", slug, got, err)
		}
	}
	reads := h.DB.(*counting).n
	for _, slug := range []string{"<script>", "../x", strings.Repeat("a", 65), "", "a b"} {
		if got, err := h.Handle(ctx, Request{Slug: slug}); err != nil || !got.NotFound {
			t.Errorf("%q: %+v %v", slug, got, err)
		}
	}
	if n := h.DB.(*counting).n; n != reads || strings.Contains(logs.String(), "<script>") {
		t.Errorf("a bad slug was read (%d reads) or logged: %s", n-reads, logs.String())
	}
}

func TestNewHandlerNamesWhatIsMissing(t *testing.T) {
	_, err := newHandler(func(string) string { return "" })
	if err == nil || !strings.Contains(err.Error(), "TABLE_NAME") {
		t.Errorf("got %v", err)
	}
}

func FuzzSlug(f *testing.F) {
	for _, s := range []string{"abc", "<script>", "../", "%3C", strings.Repeat("z", 70)} {
		f.Add(s)
	}
	table := &counting{Table: memTable{}}
	h := &Handler{Config: redirects.Config{TableName: "t"}, DB: table, Log: lambdamain.Logger(&bytes.Buffer{})}
	f.Fuzz(func(t *testing.T, s string) {
		if redirects.ValidSlug(s) {
			return // would read the table
		}
		if got, err := h.Handle(context.Background(), Request{Slug: s}); err != nil || !got.NotFound || table.n != 0 {
			t.Fatalf("%q: %+v %v", s, got, err)
		}
	})
}

type memTable map[string]map[string]types.AttributeValue

func (m memTable) GetItem(_ context.Context, in *dynamodb.GetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	return &dynamodb.GetItemOutput{Item: m[in.Key["slug"].(*types.AttributeValueMemberS).Value]}, nil
}

func BenchmarkHandle(b *testing.B) {
	h := &Handler{Config: redirects.Config{TableName: "t", Schemes: []string{"https"}}, DB: memTable{"found": target("https://example.com/a", false)},
		Log: lambdamain.Logger(&bytes.Buffer{})}
	for b.Loop() {
		if _, err := h.Handle(context.Background(), Request{Slug: "found"}); err != nil {
			b.Fatal(err)
		}
	}
}
