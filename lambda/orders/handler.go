// Package main is the orders back end of the versionedapi construct: a Go
// port of the V2 getOrders of "Using API Gateway mapping templates to
// handle changes in your back-end APIs", with deterministic demo data
// (one order a day from start, amounts derived from the timestamp). V1
// clients keep their contract through the integration's mapping templates.
//
// Unlike the post's function, it returns after an error (the post's went
// on after context.fail), parses the parameters strictly, refuses a token
// that is forged or outside the range, and bounds the range.
package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"os"
	"time"

	"github.com/blueprints-cdk/blueprints/internal/lambdamain"
	"github.com/blueprints-cdk/blueprints/internal/orders"
)

// Handler serves V2 pages.
type Handler struct {
	Log *slog.Logger
}

// parseTime reads an ISO 8601 timestamp (RFC 3339), at most 64 bytes.
func parseTime(s, message string) (time.Time, error) {
	if len(s) == 0 || len(s) > orders.MaxParameterBytes {
		return time.Time{}, errors.New(message)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, errors.New(message)
	}
	return t.UTC(), nil
}

// Token is the post's page token: the base64 of a timestamp.
func Token(t time.Time) string {
	return base64.StdEncoding.EncodeToString([]byte(t.UTC().Format(orders.TimestampLayout)))
}

// Handle answers one page of orders in [start, end), from the token's
// timestamp when there is one. Every error is one of the orders.Err…
// messages.
func (h *Handler) Handle(ctx context.Context, req orders.Request) (orders.Result, error) {
	start, err := parseTime(req.Start, orders.ErrInvalidStart)
	if err != nil {
		return orders.Result{}, err
	}
	end, err := parseTime(req.End, orders.ErrInvalidEnd)
	if err != nil {
		return orders.Result{}, err
	}
	if !end.After(start) {
		return orders.Result{}, errors.New(orders.ErrEndNotAfterStart)
	}
	if end.Sub(start) > orders.MaxRangeDays*orders.Day {
		return orders.Result{}, errors.New(orders.ErrRangeTooLong)
	}
	from := start
	if req.Token != "" {
		b, err := base64.StdEncoding.DecodeString(req.Token)
		if err != nil || len(req.Token) > orders.MaxParameterBytes {
			return orders.Result{}, errors.New(orders.ErrInvalidToken)
		}
		t, err := time.Parse(time.RFC3339Nano, string(b))
		// A token is a page boundary of this range: a whole number of days
		// after start, and before end.
		if err != nil || t.Before(start) || !t.Before(end) || t.Sub(start)%orders.Day != 0 {
			return orders.Result{}, errors.New(orders.ErrInvalidToken)
		}
		from = t.UTC()
	}
	res := orders.Result{Orders: []orders.Order{}}
	d := from
	for ; d.Before(end) && len(res.Orders) < orders.PageSize; d = d.Add(orders.Day) {
		res.Orders = append(res.Orders, order(d))
	}
	if d.Before(end) {
		res.NextToken = Token(d)
	}
	h.Log.InfoContext(ctx, "orders", "count", len(res.Orders), "more", res.NextToken != "")
	return res, nil
}

// order is the demo order at t: its id and amount follow from the time.
func order(t time.Time) orders.Order {
	f := fnv.New32a()
	_, _ = f.Write([]byte(t.Format(time.RFC3339))) // a hash.Hash never fails to write
	return orders.Order{
		OrderID:     fmt.Sprintf("order-%s", t.Format("20060102T150405Z")),
		OrderTime:   t.Format(orders.TimestampLayout),
		OrderAmount: float64(f.Sum32() % 100),
	}
}

// newHandler builds the handler; it needs no configuration.
func newHandler(func(string) string) (*Handler, error) {
	return &Handler{Log: lambdamain.Logger(os.Stdout)}, nil
}
