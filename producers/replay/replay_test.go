package replay_test

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/fred"
	"github.com/aurum-energy/aurum/producers/iso/pjm"
	"github.com/aurum-energy/aurum/producers/replay"
	"github.com/aurum-energy/aurum/topology"
)

// startServer runs a replay server until the test ends.
func startServer(t *testing.T) *replay.Server {
	t.Helper()
	s, err := replay.New(replay.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return s
}

// TestReplayCollects runs the FRED and PJM sources against the replay over
// the recordings' windows, as `aurum dev` does, and counts what they would
// publish.
func TestReplayCollects(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	// Built as `aurum dev` builds them: through a registry, of the
	// recording's configuration.
	sources := collector.NewRegistry(fred.Spec, pjm.Spec)
	cases := []struct {
		source string
		topic  string
		want   int
	}{
		{"fred", topology.TopicExtTimeseriesObs, 200},
		{"pjm", topology.TopicIsoLmp, 184},
	}
	for _, tc := range cases {
		t.Run(tc.source, func(t *testing.T) {
			t.Parallel()
			rec, ok := replay.Lookup(tc.source)
			if !ok {
				t.Fatalf("no recording of %s", tc.source)
			}
			src, err := sources.Build(rec.Source, rec.Config)
			if err != nil {
				t.Fatal(err)
			}
			cc, err := sources.Client(rec.Source)
			if err != nil {
				t.Fatal(err)
			}
			cc.BaseURL = s.BaseURL(tc.source)
			c, err := collector.NewClient(cc)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			series, err := src.Series(ctx)
			if err != nil || len(series) != 1 {
				t.Fatalf("series %v: %v", series, err)
			}
			page, err := src.Fetch(ctx, c, series[0], rec.Window, "")
			if err != nil {
				t.Fatal(err)
			}
			if page.Next != "" {
				t.Errorf("next page %q: a replay answers every page alike, so a recording must be one page", page.Next)
			}
			got := 0
			for _, r := range page.Records {
				if r.Topic == tc.topic {
					got++
				}
			}
			if got != tc.want {
				t.Errorf("%d records on %s, want %d", got, tc.topic, tc.want)
			}
			if !rec.Window.Since.IsZero() && page.Watermark.Before(rec.Window.Since) ||
				!rec.Window.Until.IsZero() && page.Watermark.After(rec.Window.Until) {
				t.Errorf("watermark %s outside the recording's window %v", page.Watermark, rec.Window)
			}
		})
	}
}

func TestReplayAnswers(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	for _, tc := range []struct {
		name, url string
		status    int
	}{
		{"recorded path, any query", s.BaseURL("fred") + "/series/observations?series_id=GDP&offset=7", http.StatusOK},
		{"unknown path", s.BaseURL("fred") + "/category", http.StatusNotFound},
		{"unknown source", s.BaseURL("eia") + "/series", http.StatusNotFound},
	} {
		resp, err := http.Get(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s: %s, want %d", tc.name, resp.Status, tc.status)
		}
		if tc.status == http.StatusOK && len(body) == 0 {
			t.Errorf("%s: empty body", tc.name)
		}
	}
}
