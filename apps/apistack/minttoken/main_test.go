package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

const key = "0123456789abcdefghijABCDEFGHIJ0123456789abc"

func TestRunMintsAVerifiableHS256Token(t *testing.T) {
	var out bytes.Buffer
	now := time.Unix(1_800_000_000, 0)
	if err := run([]string{"-sub", "alice", "-scope", "users admins"}, strings.NewReader(key+"\n"), &out, now); err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(strings.TrimSpace(out.String()), ".")
	if len(parts) != 3 {
		t.Fatalf("token %q", out.String())
	}
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(parts[0] + "." + parts[1]))
	if base64.RawURLEncoding.EncodeToString(mac.Sum(nil)) != parts[2] {
		t.Error("signature does not verify with the key")
	}
	b, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var claims map[string]any
	if err := json.Unmarshal(b, &claims); err != nil || claims["sub"] != "alice" || claims["scope"] != "users admins" ||
		claims["exp"] != float64(now.Add(time.Hour).Unix()) {
		t.Errorf("claims %v (%v)", claims, err)
	}
}

func TestBadInputIsRefused(t *testing.T) {
	for name, c := range map[string]struct {
		args []string
		key  string
		want string
	}{
		"no sub":    {nil, key, "-sub is required"},
		"wild sub":  {[]string{"-sub", "bob/*"}, key, "-sub is required, without"},
		"short key": {[]string{"-sub", "bob"}, "short", "the key on standard input is 5 bytes"},
		"ttl":       {[]string{"-sub", "bob", "-ttl", "48h"}, key, "-ttl must be"},
		"flag":      {[]string{"-nope"}, key, "flag provided but not defined"},
	} {
		t.Run(name, func(t *testing.T) {
			err := run(c.args, strings.NewReader(c.key), &bytes.Buffer{}, time.Now())
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want %q", err, c.want)
			}
		})
	}
}
