package fred

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/internal/testenv"
	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/schemas"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// TestCollectsFixture runs the collector on the recorded GDP answers,
// paged by 70, and checks what a read_committed reader sees; a second run
// over the same window adds nothing.
func TestCollectsFixture(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rp := fixtureReplay(t)
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)

	cfg := Config{Series: []string{"GDP"}, PageSize: 70}
	if err := e.run(t, srv.URL, cfg, collector.Config{}, nil); err != nil {
		t.Fatal(err)
	}
	got := e.read(t)

	if len(got.obs) != 200 {
		t.Fatalf("%d observations, want 200", len(got.obs))
	}
	for i, o := range got.obs {
		if i > 0 && !o.TS.After(got.obs[i-1].TS) {
			t.Errorf("observation %d at %s is not after %s: duplicate or out of order", i, o.TS, got.obs[i-1].TS)
		}
		if o.TS.Location() != time.UTC || o.TS.Hour() != 0 {
			t.Errorf("observation %d ts %s, want midnight UTC", i, o.TS)
		}
		if o.Provider != schemas.ProviderFRED || o.SeriesID != "GDP" {
			t.Errorf("observation %d is %s/%s", i, o.Provider, o.SeriesID)
		}
		if o.Unit == nil || *o.Unit != "Billions of Dollars" || o.Frequency == nil || *o.Frequency != "Quarterly" {
			t.Errorf("observation %d unit %v frequency %v", i, o.Unit, o.Frequency)
		}
		if want := time.Date(2024, 10, 30, 0, 0, 0, 0, time.UTC); !o.AsofDate.Equal(want) {
			t.Errorf("observation %d asof_date %s, want the vintage %s", i, o.AsofDate, want)
		}
	}
	first := got.obs[0]
	if !first.TS.Equal(time.Date(1946, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("first ts %s", first.TS)
	}
	for i := range 4 { // 1946 is "." in the recording
		o := got.obs[i]
		if o.Value != nil || o.ValueRaw == nil || *o.ValueRaw != "." {
			t.Errorf("%s: value %v raw %v, want missing with raw \".\"", o.TS.Format(time.DateOnly), o.Value, o.ValueRaw)
		}
	}
	checks := map[string]float64{"1947-01-01": 243.164, "1947-04-01": 245.968, "1995-10-01": 7772.586}
	for _, o := range got.obs {
		if want, ok := checks[o.TS.Format(time.DateOnly)]; ok {
			if o.Value == nil || *o.Value != want || *o.ValueRaw != strconv.FormatFloat(want, 'f', -1, 64) {
				t.Errorf("%s: value %v raw %v, want %v", o.TS.Format(time.DateOnly), o.Value, o.ValueRaw, want)
			}
			delete(checks, o.TS.Format(time.DateOnly))
		}
	}
	if len(checks) != 0 {
		t.Errorf("observations missing: %v", checks)
	}

	if len(got.catalog) != 1 {
		t.Fatalf("%d catalog records, want 1", len(got.catalog))
	}
	c := got.catalog[0]
	if c.Provider != schemas.ProviderFRED || c.SeriesID != "GDP" || c.Title != "Gross Domestic Product" ||
		*c.Unit != "Billions of Dollars" || *c.Frequency != "Quarterly" ||
		!c.FirstTS.Equal(time.Date(1947, 1, 1, 0, 0, 0, 0, time.UTC)) || !c.LastTS.Equal(time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)) ||
		*c.SourceURL != "https://fred.stlouisfed.org/series/GDP" {
		t.Errorf("catalog %+v", c)
	}

	// Three pages (70+70+60), each with its checkpoint; the last is complete.
	if len(got.checkpoints) != 3 {
		t.Fatalf("%d checkpoints, want 3 (one per page)", len(got.checkpoints))
	}
	last := got.checkpoints[2]
	if last.Collector != "fred" || last.SeriesKey != "GDP" || last.Cursor != nil ||
		!last.WatermarkTS.Equal(time.Date(1995, 10, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("last checkpoint %+v", last)
	}

	// A second run over the same window asks only for what is after the
	// watermark, and publishes nothing.
	before := len(rp.requests)
	if err := e.run(t, srv.URL, cfg, collector.Config{}, nil); err != nil {
		t.Fatal(err)
	}
	again := e.read(t)
	if len(again.obs) != 200 || len(again.catalog) != 1 || len(again.checkpoints) != 3 {
		t.Errorf("second run: %d observations, %d catalog, %d checkpoints; want 200, 1, 3",
			len(again.obs), len(again.catalog), len(again.checkpoints))
	}
	if n := len(rp.requests) - before; n != 1 || rp.requests[before].URL.Query().Get("observation_start") != "1995-10-02" {
		t.Errorf("second run made %d requests, first %v", n, rp.requests[before].URL.RawQuery)
	}
}

// TestWindow checks that --since and --until bound the observations.
func TestWindow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := httptest.NewServer(fixtureReplay(t))
	t.Cleanup(srv.Close)
	w := collector.Window{Since: time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(1990, 12, 31, 0, 0, 0, 0, time.UTC)}
	if err := e.run(t, srv.URL, Config{Series: []string{"GDP"}}, collector.Config{Window: w}, nil); err != nil {
		t.Fatal(err)
	}
	got := e.read(t)
	if len(got.obs) != 4 || got.obs[0].TS.Format(time.DateOnly) != "1990-01-01" || got.obs[3].TS.Format(time.DateOnly) != "1990-10-01" {
		t.Fatalf("observations %+v, want the 4 quarters of 1990", got.obs)
	}
}

// TestProviderError checks that FRED's own error (a bad API key) fails
// the series with the provider's message and publishes nothing.
func TestProviderError(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := httptest.NewServer(fixtureReplay(t))
	t.Cleanup(srv.Close)
	err := e.run(t, srv.URL, Config{Series: []string{"GDP"}}, collector.Config{}, func(c *collector.ClientConfig) { c.APIKey = "wrong" })
	if err == nil {
		t.Fatal("no error with a bad API key")
	}
	var se *collector.SeriesError
	var he *collector.StatusError
	if !errors.As(err, &se) || se.SeriesKey != "GDP" || !errors.As(err, &he) || he.Code != 400 ||
		!strings.Contains(err.Error(), "api_key is not registered") {
		t.Errorf("error %v, want a SeriesError for GDP quoting FRED's message", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Errorf("error %v shows the API key", err)
	}
	if got := e.read(t); len(got.obs)+len(got.catalog)+len(got.checkpoints) != 0 {
		t.Errorf("published %d records after an error", len(got.obs)+len(got.catalog)+len(got.checkpoints))
	}
}

// With --every the collector repeats its pass on a schedule until stopped;
// later passes find nothing new, so every observation is published once.
func TestEveryRepeatsWithoutDuplicates(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rp := fixtureReplay(t)
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- e.runUntil(ctx, t, srv.URL, Config{Series: []string{"GDP"}, PageSize: 100},
			collector.Config{Every: 100 * time.Millisecond}, nil)
	}()
	// The first pass takes two pages; each later pass asks once and finds
	// nothing after the watermark.
	deadline := time.Now().Add(time.Minute)
	for {
		rp.mu.Lock()
		n := len(rp.requests)
		rp.mu.Unlock()
		if n >= 5 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d observation requests after a minute, want passes every 100ms", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if got := e.read(t); len(got.obs) != 200 || len(got.catalog) != 1 {
		t.Fatalf("%d observations and %d catalog records after repeated passes, want 200 and 1", len(got.obs), len(got.catalog))
	}
}

// With Recollect the collector publishes the window again although the
// checkpoints say it is done, once per series: later passes of the same
// run resume after the watermark, which never moved back.
func TestRecollect(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rp := fixtureReplay(t)
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	cfg := Config{Series: []string{"GDP"}, PageSize: 100}
	if err := e.run(t, srv.URL, cfg, collector.Config{}, nil); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- e.runUntil(ctx, t, srv.URL, cfg, collector.Config{Every: 100 * time.Millisecond, Recollect: true}, nil)
	}()
	// Two pages again, then a request per pass for what is after the
	// watermark.
	deadline := time.Now().Add(time.Minute)
	for {
		rp.mu.Lock()
		n := len(rp.requests)
		rp.mu.Unlock()
		if n >= 2+2+3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d observation requests after a minute", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	got := e.read(t)
	if len(got.obs) != 2*200 {
		t.Fatalf("%d observations, want the 200 twice", len(got.obs))
	}
	for i, o := range got.obs[200:] {
		if !o.TS.Equal(got.obs[i].TS) || *o.ValueRaw != *got.obs[i].ValueRaw {
			t.Fatalf("recollected observation %d is %s %s, was %s %s", i, o.TS, *o.ValueRaw, got.obs[i].TS, *got.obs[i].ValueRaw)
		}
	}
	if len(got.checkpoints) != 2+2 {
		t.Fatalf("%d checkpoints, want one per page of each run's first pass", len(got.checkpoints))
	}
	for _, cp := range got.checkpoints[2:] {
		if !cp.WatermarkTS.Equal(time.Date(1995, 10, 1, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("recollecting checkpoint %+v moved the watermark back", cp)
		}
	}
}

// A series that fails does not stop the others: GDP is collected in full
// while the provider refuses NOSUCH, and Run reports NOSUCH's failure.
func TestFailedSeriesDoesNotStopOthers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rp := fixtureReplay(t)
	rp.fault = func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Query().Get("series_id") != "NOSUCH" {
			return false
		}
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"error_code":400,"error_message":"Bad Request.  The series does not exist."}`)
		return true
	}
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	err := e.run(t, srv.URL, Config{Series: []string{"NOSUCH", "GDP"}}, collector.Config{MalformedBackoff: 10 * time.Millisecond}, nil)
	var se *collector.SeriesError
	if !errors.As(err, &se) || se.SeriesKey != "NOSUCH" {
		t.Fatalf("Run = %v, want the failure of NOSUCH", err)
	}
	if got := e.read(t); len(got.obs) != 200 {
		t.Fatalf("%d GDP observations, want all 200 despite the other series failing", len(got.obs))
	}
}
