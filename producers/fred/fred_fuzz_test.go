package fred_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/collector/collectortest"
	"github.com/aurum-energy/aurum/producers/fred"
)

// answers is a transport that answers FRED's two endpoints with fixed
// bodies, so that a fuzzed answer reaches the source without a network.
type answers struct{ series, observations []byte }

func (a answers) RoundTrip(r *http.Request) (*http.Response, error) {
	body := a.observations
	if r.URL.Path == "/fred/series" {
		body = a.series
	}
	return &http.Response{StatusCode: http.StatusOK, Body: io.NopCloser(bytes.NewReader(body)), Request: r}, nil
}

// FuzzFetch feeds arbitrary series and observations answers to Fetch: it
// returns a page or an error wrapping collector.ErrMalformed, never panics.
func FuzzFetch(f *testing.F) {
	f.Add(collectortest.Fixture(f, "series-GDP.json"), collectortest.Fixture(f, "series-observations-GDP.json"))
	f.Add([]byte(`{"seriess":[{"id":"GDP"}]}`), []byte(`{"count":1,"observations":[{"realtime_start":"2026-01-01","date":"2025-10-01","value":"."}]}`))
	f.Add([]byte(`{"seriess":[{"id":"GDP"}]}`), []byte(`{"error_code":400,"error_message":"Bad Request."}`))
	f.Fuzz(func(t *testing.T, series, observations []byte) {
		c, err := collector.NewClient(collector.ClientConfig{
			Source: fred.Name, BaseURL: "http://fred.invalid/fred", Rate: rate.Inf, MaxAttempts: 1,
			HTTPClient: &http.Client{Transport: answers{series, observations}},
		})
		if err != nil {
			t.Fatal(err)
		}
		src, err := fred.New(fred.Config{Series: []string{"GDP"}, Now: func() time.Time { return time.Unix(1_780_000_000, 0) }})
		if err != nil {
			t.Fatal(err)
		}
		sr, err := src.Series(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := src.Fetch(context.Background(), c, sr[0], collector.Window{}, ""); err != nil && !errors.Is(err, collector.ErrMalformed) {
			t.Fatalf("Fetch = %v, want a page or collector.ErrMalformed", err)
		}
	})
}
