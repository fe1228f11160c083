package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/blueprints-cdk/blueprints/internal/lambdamain"
	"github.com/blueprints-cdk/blueprints/internal/orders"
)

var h = &Handler{Log: lambdamain.Logger(io.Discard)}

func page(t *testing.T, start, end, token string) (orders.Result, error) {
	t.Helper()
	return h.Handle(context.Background(), orders.Request{Start: start, End: end, Token: token})
}

func TestPagesOfFive(t *testing.T) {
	r, err := page(t, "2015-10-01T00:00:00Z", "2015-10-04T00:00:00Z", "")
	if err != nil || len(r.Orders) != 3 || r.NextToken != "" || r.Orders[0].OrderTime != "2015-10-01T00:00:00.000Z" {
		t.Fatalf("three days: %+v %v", r, err)
	}
	var sizes []int
	token := ""
	tokens := []string{}
	for {
		r, err := page(t, "2015-10-01T00:00:00Z", "2015-10-15T00:00:00Z", token)
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(r.Orders))
		if r.NextToken == "" {
			break
		}
		token = r.NextToken
		tokens = append(tokens, token)
	}
	// The post's first token: base64 of 2015-10-06T00:00:00.000Z.
	if strings.Join(tokens, " ") != "MjAxNS0xMC0wNlQwMDowMDowMC4wMDBa MjAxNS0xMC0xMVQwMDowMDowMC4wMDBa" || len(sizes) != 3 || sizes[2] != 4 {
		t.Errorf("pages %v, tokens %v", sizes, tokens)
	}
	if r, _ := page(t, "2015-10-01T00:00:00Z", "2015-10-06T00:00:00Z", ""); len(r.Orders) != 5 || r.NextToken != "" {
		t.Errorf("exactly five days: %+v", r)
	}
	a, _ := page(t, "2015-10-01T00:00:00Z", "2015-10-02T00:00:00Z", "")
	b, _ := page(t, "2015-10-01T00:00:00Z", "2015-10-02T00:00:00Z", "")
	if a.Orders[0] != b.Orders[0] {
		t.Error("the demo data is not deterministic")
	}
}

func TestBadInputGetsPreciseMessages(t *testing.T) {
	for name, c := range map[string]struct{ start, end, token, want string }{
		"no start":     {"", "2015-10-02T00:00:00Z", "", orders.ErrInvalidStart},
		"bad start":    {`a"b\c`, "2015-10-02T00:00:00Z", "", orders.ErrInvalidStart},
		"bad end":      {"2015-10-01T00:00:00Z", "tomorrow", "", orders.ErrInvalidEnd},
		"equal":        {"2015-10-01T00:00:00Z", "2015-10-01T00:00:00Z", "", orders.ErrEndNotAfterStart},
		"reversed":     {"2015-10-02T00:00:00Z", "2015-10-01T00:00:00Z", "", orders.ErrEndNotAfterStart},
		"long":         {"2015-01-01T00:00:00Z", "2016-06-01T00:00:00Z", "", orders.ErrRangeTooLong},
		"forged token": {"2015-10-01T00:00:00Z", "2015-10-15T00:00:00Z", "bm90IGEgZGF0ZQ==", orders.ErrInvalidToken},
		"not base64":   {"2015-10-01T00:00:00Z", "2015-10-15T00:00:00Z", "!!", orders.ErrInvalidToken},
		"outside":      {"2015-10-01T00:00:00Z", "2015-10-15T00:00:00Z", Token(mustTime("2015-11-01T00:00:00Z")), orders.ErrInvalidToken},
		"off the grid": {"2015-10-01T00:00:00Z", "2015-10-15T00:00:00Z", Token(mustTime("2015-10-03T05:00:00Z")), orders.ErrInvalidToken},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := page(t, c.start, c.end, c.token); err == nil || err.Error() != c.want {
				t.Errorf("got %v, want %q", err, c.want)
			}
		})
	}
}

func mustTime(s string) (t time.Time) {
	var err error
	if t, err = parseTime(s, "x"); err != nil {
		panic(err)
	}
	return t
}

func FuzzParameters(f *testing.F) {
	f.Add("2015-10-01T00:00:00Z", "2015-10-04T00:00:00Z", "")
	f.Add(`a"b`, "x", "MjAxNS0xMC0wNlQwMDowMDowMC4wMDBa")
	f.Fuzz(func(t *testing.T, start, end, token string) {
		r, err := h.Handle(context.Background(), orders.Request{Start: start, End: end, Token: token})
		if err != nil {
			if strings.ContainsAny(err.Error(), "\n\r") || !strings.HasPrefix(err.Error(), "Invalid parameter") {
				t.Fatalf("message %q", err.Error())
			}
			return
		}
		if len(r.Orders) == 0 || len(r.Orders) > orders.PageSize {
			t.Fatalf("%d orders", len(r.Orders))
		}
	})
}

func BenchmarkPage(b *testing.B) {
	for b.Loop() {
		if _, err := h.Handle(context.Background(), orders.Request{Start: "2015-10-01T00:00:00Z", End: "2015-10-15T00:00:00Z"}); err != nil {
			b.Fatal(err)
		}
	}
}
