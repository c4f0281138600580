package api

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestAppendJSONString(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"", "plain", `quo"te`, `back\slash`, "line\nbreak\r\t", "\x00\x1f\x7f", "ünïcødé €", "bad \xff utf8",
		"sep\u2028arator\u2029", "<html>&amp;",
	} {
		b := appendJSONString(nil, s)
		var got string
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%q encodes to invalid JSON %s: %v", s, b, err)
		}
		want := strings.ToValidUTF8(s, "\ufffd")
		if got != want {
			t.Errorf("%q round-trips to %q", s, got)
		}
	}
}

func TestCSVFields(t *testing.T) {
	t.Parallel()
	fields := []string{"", "plain", "with,comma", `with "quotes"`, "line\nbreak", "crlf\r\nend", " leading", "€"}
	var b []byte
	for i, f := range fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendCSVField(b, f)
	}
	b = append(b, '\r', '\n')
	r := csv.NewReader(bytes.NewReader(b))
	r.LazyQuotes = false
	rec, err := r.Read()
	if err != nil {
		t.Fatalf("%q: %v", b, err)
	}
	want := slices.Clone(fields)
	want[5] = "crlf\nend" // encoding/csv reads a quoted CRLF as LF
	if !slices.Equal(rec, want) {
		t.Fatalf("read %q, want %q", rec, want)
	}
}

func TestCursorCodec(t *testing.T) {
	t.Parallel()
	cc := newCursorCodec([]byte("0123456789abcdef"), time.Hour)
	bind := [16]byte{1, 2, 3}
	key := []string{"2026-01-05", "", "with,comma and ünïcode", strings.Repeat("k", 300)}
	c := cc.encode(key, bind)
	got, err := cc.decode(c, bind, len(key))
	if err != nil || !slices.Equal(got, key) {
		t.Fatalf("decode = %v, %v", got, err)
	}
	if _, err := cc.decode(c, bind, len(key)-1); err == nil {
		t.Error("a cursor with another number of keys is accepted")
	}
	if _, err := cc.decode(c, [16]byte{9}, len(key)); err == nil {
		t.Error("a cursor of another query is accepted")
	}
	for i := range len(c) {
		b := []byte(c)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		if _, err := cc.decode(string(b), bind, len(key)); err == nil {
			// Flipping the last character may only change padding bits.
			if i != len(c)-1 {
				t.Fatalf("cursor altered at %d is accepted", i)
			}
		}
	}
	if _, err := newCursorCodec([]byte("another key 1234"), time.Hour).decode(c, bind, len(key)); err == nil {
		t.Error("a cursor signed with another key is accepted")
	}
}
