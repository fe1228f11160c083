package main

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/blueprints-cdk/blueprints/internal/wschat"
)

func TestParseSendBody(t *testing.T) {
	cases := []struct {
		body string
		data string
		err  error
	}{
		{`{"action":"sendmessage","data":"hello"}`, "hello", nil},
		{`{"data":"a\"b\\c\u0000d\ud83d\ude00"}`, "a\"b\\c\x00d😀", nil},
		{`{"data":"first","data":"last"}`, "last", nil},
		{`{"DATA":"x"}`, "", NoData},
		{`{"data":"x"`, "", NotJSONObject},
		{`{"data":"x"}{}`, "", NotJSONObject},
		{`{"data":1e3}`, "", DataNotString},
		{`{"data":""}`, "", EmptyData},
		{`{"data":"0123456789abcdef"}`, "0123456789abcdef", nil},
		{`{"data":"0123456789abcdefg"}`, "", DataTooLarge},
		{`{"data":"ééééééééé"}`, "", DataTooLarge},
	}
	for _, c := range cases {
		data, err := ParseSendBody(c.body, 16)
		if data != c.data || !errors.Is(err, c.err) {
			t.Errorf("%s: %q %v, want %q %v", c.body, data, err, c.data, c.err)
		}
	}
}

func FuzzSendBody(f *testing.F) {
	for _, seed := range []string{
		`{"action":"sendmessage","data":"hello"}`, `{"data":"\"'</script>😀\u0000"}`, `{"data":"\ud800"}`, `{"data":7}`,
		`{"data":null}`, `[]`, `null`, ``, `{"data":"` + strings.Repeat("é", 20) + `"}`, "{\"data\":\"\xff\xfe\"}", `{"data":{"data":"x"}}`,
	} {
		f.Add(seed, 16)
	}
	f.Fuzz(func(t *testing.T, body string, limit int) {
		limit = 1 + abs(limit)%(wschat.MaxMessageBytes)
		data, err := ParseSendBody(body, limit)
		if err != nil {
			var bad BadMessage
			if !errors.As(err, &bad) || bad < NotJSONObject || bad > DataTooLarge || data != "" {
				t.Fatalf("%q: %q %#v", body, data, err)
			}
			return
		}
		if data == "" || len(data) > limit || !utf8.ValidString(data) {
			t.Fatalf("%q accepted %q at a limit of %d", body, data, limit)
		}
		// Accepted: the body is a JSON object whose "data" is that string.
		var m map[string]any
		if err := json.Unmarshal([]byte(body), &m); err != nil {
			t.Fatalf("%q accepted but is not a JSON object: %v", body, err)
		}
		if s, ok := m["data"].(string); !ok || s != data {
			t.Fatalf("%q: data %q, but the object's data is %#v", body, data, m["data"])
		}
	})
}

func abs(n int) int {
	if n < 0 {
		return -(n + 1)
	}
	return n
}

func BenchmarkParseSendBody(b *testing.B) {
	body := `{"action":"sendmessage","data":"` + strings.Repeat("Hello, I am using WebSocket APIs in API Gateway. ", 20) + `"}`
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseSendBody(body, wschat.DefaultMaxMessageBytes); err != nil {
			b.Fatal(err)
		}
	}
}
