// Package orders is the contract between constructs/versionedapi and its
// handler, lambda/orders: the V2 request and result of "Using API Gateway
// mapping templates to handle changes in your back-end APIs", and the
// exact error messages the integration responses select on.
package orders

import "time"

// PageSize is how many orders a V2 page holds.
const PageSize = 5

// Day is the demo data's spacing: one order a day from start, as the post's.
const Day = 24 * time.Hour

// The handler's errors: single-line, each one its own selection pattern.
const (
	ErrInvalidStart     = "Invalid parameter 'start'"
	ErrInvalidEnd       = "Invalid parameter 'end'"
	ErrInvalidToken     = "Invalid parameter 'token'"
	ErrEndNotAfterStart = "Invalid parameters 'end' must be greater than 'start'"
	ErrTooManyResultsV1 = "Too many results, try your request with a shorter duration"
	TimestampLayout     = "2006-01-02T15:04:05.000Z07:00"
	MaxParameterBytes   = 64
	MaxRangeDays        = 366
	ErrRangeTooLong     = "Invalid parameters: the range is longer than 366 days"
)

// Request is what the integration request templates send.
type Request struct {
	Start string `json:"start"`
	End   string `json:"end"`
	Token string `json:"token,omitempty"`
}

// Order is one order.
type Order struct {
	OrderID     string  `json:"orderId"`
	OrderTime   string  `json:"orderTs"`
	OrderAmount float64 `json:"orderAmount"`
}

// Result is a V2 page: the orders, and the token of the next page when
// there is one: the base64 of the next order's timestamp, as the post's.
type Result struct {
	Orders    []Order `json:"orders"`
	NextToken string  `json:"nextToken,omitempty"`
}
