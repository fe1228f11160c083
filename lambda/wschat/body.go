package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
)

// BadMessage is why the send route refused a message. Its Error is a short
// name for the logs; Handler.refusal is the fixed sentence the sender gets.
type BadMessage int

// The reasons a send is refused, in the order ParseSendBody checks them.
const (
	// NotJSONObject: the body is not a JSON object (not JSON, or an array,
	// a string, a number, null), or is base64 that does not decode.
	NotJSONObject BadMessage = iota + 1
	// NoData: the object has no "data" member.
	NoData
	// DataNotString: "data" is not a JSON string (a number, an object, null…).
	DataNotString
	// EmptyData: "data" is "": a post would send an empty frame.
	EmptyData
	// DataTooLarge: "data" is longer, in UTF-8 bytes, than the limit.
	DataTooLarge
)

// Error implements error.
func (b BadMessage) Error() string {
	switch b {
	case NotJSONObject:
		return "not a JSON object"
	case NoData:
		return "no data"
	case DataNotString:
		return "data is not a string"
	case EmptyData:
		return "data is empty"
	case DataTooLarge:
		return "data is too large"
	}
	return fmt.Sprintf("BadMessage(%d)", int(b))
}

// ParseSendBody returns the "data" string of a send-route message: a JSON
// object whose "data" member (spelled exactly so) is a non-empty string of
// at most maxBytes bytes once decoded. Other members, "action" among them
// (API Gateway routed on it already), are ignored; of duplicate members the
// last counts, as in encoding/json. The error is always a BadMessage.
//
// The data is returned exactly as decoded from the JSON string: escapes
// such as \" and \u0000 become the characters they stand for, and nothing
// else changes. (JSON text is UTF-8; encoding/json replaces an invalid byte
// with U+FFFD, as the Lambda runtime already did when it decoded the event.)
func ParseSendBody(body string, maxBytes int) (string, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal([]byte(body), &fields); err != nil || fields == nil {
		return "", NotJSONObject
	}
	raw, ok := fields["data"]
	if !ok {
		return "", NoData
	}
	if len(raw) == 0 || raw[0] != '"' {
		return "", DataNotString
	}
	var data string
	if err := json.Unmarshal(raw, &data); err != nil {
		return "", DataNotString
	}
	switch {
	case data == "":
		return "", EmptyData
	case len(data) > maxBytes:
		return "", DataTooLarge
	}
	return data, nil
}

// requestBody is the message as the client sent it: API Gateway passes a
// text frame as is. (It closes a connection that sends a binary frame, with
// 1003, "Binary media types for WebSocket APIs in API Gateway"; a body
// marked base64 is decoded all the same, in case one arrives.)
func requestBody(body string, isBase64 bool) (string, error) {
	if !isBase64 {
		return body, nil
	}
	b, err := base64.StdEncoding.DecodeString(body)
	if err != nil {
		return "", NotJSONObject
	}
	return string(b), nil
}
