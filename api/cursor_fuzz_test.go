package api

import (
	"encoding/base64"
	"errors"
	"net/http"
	"testing"
	"time"
)

// FuzzCursorDecode feeds arbitrary cursors to the codec: as a client sends
// them, and signed with the codec's key, so that the fuzzer reaches the
// parsing of the keyset values behind the MAC. A cursor decodes to as many
// values as the query's keyset has, or is a 400 naming the cursor; it never
// panics.
func FuzzCursorDecode(f *testing.F) {
	cc := newCursorCodec([]byte("0123456789abcdef"), time.Hour)
	cc.now = func() time.Time { return time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC) }
	bind := [16]byte{1, 2, 3}
	valid := cc.encode([]string{"2026-05-31T23:59:59.123456Z", "0b5e8a3c-7d43-4c1b-9f0e-8f3b1a2c4d5e"}, bind)
	raw, err := base64.RawURLEncoding.DecodeString(valid)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid, raw[:len(raw)-32])
	f.Add("", []byte{cursorVersion})
	f.Fuzz(func(t *testing.T, cursor string, body []byte) {
		signed := base64.RawURLEncoding.EncodeToString(append(body[:len(body):len(body)], cc.sign(body)...))
		for _, c := range []string{cursor, signed} {
			keys, err := cc.decode(c, bind, 2)
			if err == nil && len(keys) != 2 {
				t.Fatalf("decode(%q) = %d values, want 2", c, len(keys))
			}
			requireClientError(t, err)
		}
	})
}

// requireClientError fails unless err is nil or a problem with a 4xx
// status: what a client sent must never turn into a 500.
func requireClientError(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var p *Problem
	if !errors.As(err, &p) || p.Status < http.StatusBadRequest || p.Status >= http.StatusInternalServerError {
		t.Fatalf("error %v (%T), want a 4xx problem", err, err)
	}
}
