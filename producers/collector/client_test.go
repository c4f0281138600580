package collector

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/internal/retry"
)

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	for name, tc := range map[string]struct {
		header string
		want   time.Duration
	}{
		"absent":    {"", 0},
		"seconds":   {"7", 7 * time.Second},
		"http date": {now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		"past date": {now.Add(-time.Hour).Format(http.TimeFormat), 0},
		"garbage":   {"soon", 0},
	} {
		if got := retryAfterOf(tc.header, now); got != tc.want {
			t.Errorf("%s: %q → %s, want %s", name, tc.header, got, tc.want)
		}
	}
}

func TestClientRetriesAndGivesUp(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("key") != "s3cret" {
			t.Errorf("request without the API key: %s", r.URL.RawQuery)
		}
		switch r.URL.Path {
		case "/api/flaky":
			if calls.Add(1) < 3 {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			_, _ = w.Write([]byte("ok"))
		case "/api/missing":
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte("no such series"))
		default:
			w.WriteHeader(http.StatusBadGateway)
		}
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(ClientConfig{Source: "test", BaseURL: srv.URL + "/api", APIKey: "s3cret", APIKeyParam: "key",
		Rate: 1000, MaxAttempts: 3, Backoff: retry.Backoff{Min: time.Millisecond, Max: 5 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if body, err := c.Get(ctx, "flaky", nil); err != nil || string(body) != "ok" {
		t.Errorf("flaky: %q, %v", body, err)
	}
	var se *StatusError
	if _, err := c.Get(ctx, "missing", nil); !errors.As(err, &se) || se.Code != 404 || se.Body != "no such series" {
		t.Errorf("missing: %v, want a 404 StatusError at once", err)
	}
	if _, err := c.Get(ctx, "down", nil); !errors.As(err, &se) || se.Code != 502 || !strings.Contains(err.Error(), "3 attempts") {
		t.Errorf("down: %v, want a 502 after 3 attempts", err)
	}

	// A network error quotes the URL; the key never shows.
	dead, err := NewClient(ClientConfig{Source: "test", BaseURL: "http://127.0.0.1:1", APIKey: "s3cret", APIKeyParam: "key",
		Rate: 1000, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dead.Get(ctx, "x", nil); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("unreachable: %v, want an error without the key", err)
	}
}

// TestClientRefusesABodyOverTheLimit: an answer one byte longer than
// MaxBody fails at once, naming the limit and the URL without the key,
// instead of arriving cut at the limit (where a CSV still parses); an
// answer of exactly MaxBody bytes arrives whole.
func TestClientRefusesABodyOverTheLimit(t *testing.T) {
	t.Parallel()
	const limit = 1024
	row := "2026-01-01,42.5\n" // 16 bytes: a cut at the limit falls at a line end
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		body := strings.Repeat(row, limit/len(row))
		if r.URL.Path == "/api/long" {
			body += "x"
		}
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(ClientConfig{Source: "test", BaseURL: srv.URL + "/api", APIKey: "s3cret", APIKeyParam: "key",
		Rate: 1000, MaxAttempts: 3, Backoff: retry.Backoff{Min: time.Millisecond, Max: 5 * time.Millisecond}, MaxBody: limit})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if body, err := c.Get(ctx, "exact", nil); err != nil || len(body) != limit {
		t.Errorf("exact: %d bytes, %v; want all %d", len(body), err, limit)
	}
	calls.Store(0)
	body, err := c.Get(ctx, "long", nil)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("long: %d bytes, %v; want ErrTooLarge", len(body), err)
	}
	msg := err.Error()
	if !strings.Contains(msg, "1024 bytes") || !strings.Contains(msg, srv.URL+"/api/long") || strings.Contains(msg, "s3cret") {
		t.Errorf("long: %q, want the limit and the URL, without the key", msg)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("long: %d requests, want 1 (the same request brings the same bytes)", n)
	}
}

func TestPlan(t *testing.T) {
	t.Parallel()
	d := func(y, m, day int) time.Time { return time.Date(y, time.Month(m), day, 0, 0, 0, 0, time.UTC) }
	req := Window{Since: d(2020, 1, 1), Until: d(2020, 12, 31)}
	for name, tc := range map[string]struct {
		cp     checkpoint
		want   Window
		cursor string
		ok     bool
	}{
		"fresh":              {checkpoint{}, req, "", true},
		"finished inside":    {checkpoint{watermark: d(2020, 6, 1)}, Window{d(2020, 6, 1).Add(time.Nanosecond), d(2020, 12, 31)}, "", true},
		"finished before":    {checkpoint{watermark: d(2019, 6, 1)}, req, "", true},
		"finished after":     {checkpoint{watermark: d(2021, 1, 1)}, Window{}, "", false},
		"finished at until":  {checkpoint{watermark: d(2020, 12, 31)}, Window{}, "", false},
		"interrupted window": {checkpoint{watermark: d(2018, 1, 1), inFlight: &resume{Since: d(2017, 1, 1), Next: "40"}}, Window{Since: d(2017, 1, 1)}, "40", true},
	} {
		w, cursor, ok := plan(req, tc.cp)
		if ok != tc.ok || (ok && (!w.Since.Equal(tc.want.Since) || !w.Until.Equal(tc.want.Until) || cursor != tc.cursor)) {
			t.Errorf("%s: plan = %v %q %v, want %v %q %v", name, w, cursor, ok, tc.want, tc.cursor, tc.ok)
		}
	}
	r := &resume{Since: d(2017, 1, 1), Next: "40"}
	back, err := decodeResume(r.encode())
	if err != nil || !back.Since.Equal(r.Since) || !back.Until.IsZero() || back.Next != "40" {
		t.Errorf("resume round trip: %+v, %v (from %s)", back, err, r.encode())
	}
}
