package fred

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/aurum-energy/aurum/internal/serde"
	"github.com/aurum-energy/aurum/internal/testenv"
	"github.com/aurum-energy/aurum/producers/collector"
)

// helperEnv carries the JSON helperConfig to TestHelperProcess.
const helperEnv = "AURUM_TEST_FRED_COLLECTOR"

type helperConfig struct {
	Brokers     []string `json:"brokers"`
	RegistryURL string   `json:"registry_url"`
	BaseURL     string   `json:"base_url"`
	PageSize    int      `json:"page_size"`
}

// TestHelperProcess is not a test: re-executed by TestSurvivesKill9 with
// helperEnv set, it runs `collect fred` once, unless it is killed first.
func TestHelperProcess(t *testing.T) { testenv.RunHelper(t, helperEnv, runHelper) }

func runHelper(ctx context.Context, cfg helperConfig) error {
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	cl, err := kgo.NewClient(kgo.SeedBrokers(cfg.Brokers...))
	if err != nil {
		return err
	}
	defer cl.Close()
	src, err := sr.NewClient(sr.URLs(cfg.RegistryURL))
	if err != nil {
		return err
	}
	sd, err := serde.New(ctx, src, logger)
	if err != nil {
		return err
	}
	hc := ClientConfig()
	hc.BaseURL, hc.APIKey, hc.Rate, hc.Logger = cfg.BaseURL, testAPIKey, 1000, logger
	httpc, err := collector.NewClient(hc)
	if err != nil {
		return err
	}
	fred, err := New(Config{Series: []string{"DAILY"}, PageSize: cfg.PageSize})
	if err != nil {
		return err
	}
	c, err := collector.New(collector.Config{}, collector.Deps{Source: fred, HTTP: httpc, Kafka: cl, Serde: sd, Logger: logger})
	if err != nil {
		return err
	}
	return c.Run(ctx)
}

// TestSurvivesKill9 kills the collector process with SIGKILL at random
// points of a 50-page backfill served slowly, restarts it, and lets the
// last run finish: every observation is on the topic exactly once.
func TestSurvivesKill9(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("crash test in -short mode")
	}
	e := newEnv(t)
	const (
		days     = 3000
		pageSize = 60
		kills    = 4
	)
	rp := fixtureReplay(t)
	rp.meta = bytes.ReplaceAll(rp.meta, []byte(`"id":"GDP"`), []byte(`"id":"DAILY"`))
	rp.obs = nil
	day0 := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range days {
		v := "."
		if i%7 != 0 {
			v = fmt.Sprintf("%d.5", i)
		}
		rp.obs = append(rp.obs, observation{RealtimeStart: "2024-10-30", Date: day0.AddDate(0, 0, i).Format(time.DateOnly), Value: v})
	}
	rp.delay = 40 * time.Millisecond
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	requests := func() int {
		rp.mu.Lock()
		defer rp.mu.Unlock()
		return len(rp.requests)
	}

	helpers := testenv.NewHelperProcess(t, "collector", helperEnv,
		helperConfig{Brokers: e.kafka.Brokers, RegistryURL: e.kafka.RegistryURL, BaseURL: srv.URL + "/fred", PageSize: pageSize})

	rnd := rand.New(rand.NewPCG(5, 9))
	for k := range kills {
		p := helpers.Start()
		// Kill it while it works: once it asked for a few pages more.
		before, deadline := requests(), time.Now().Add(time.Minute)
		for requests() < before+2 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(time.Duration(rnd.IntN(120)) * time.Millisecond)
		p.Kill()
		t.Logf("kill %d after %d observations requests", k+1, requests())
	}
	final := helpers.Start()
	select {
	case <-final.Done():
		if err := final.Wait(); err != nil {
			t.Fatalf("last run: %v", err)
		}
	case <-time.After(3 * time.Minute):
		final.Kill()
		t.Fatal("last run did not finish")
	}

	got := e.read(t)
	if len(got.obs) != days {
		t.Errorf("%d observations on the topic, want %d", len(got.obs), days)
	}
	seen := map[time.Time]int{}
	for _, o := range got.obs {
		seen[o.TS]++
	}
	for i := range days {
		ts := day0.AddDate(0, 0, i)
		switch n := seen[ts]; {
		case n == 0:
			t.Errorf("gap: %s missing", ts.Format(time.DateOnly))
		case n > 1:
			t.Errorf("duplicate: %s %d times", ts.Format(time.DateOnly), n)
		}
	}
	if len(got.catalog) != 1 {
		t.Errorf("%d catalog records, want 1", len(got.catalog))
	}
	if n := requests(); n < days/pageSize+kills {
		t.Errorf("only %d observations requests for %d pages and %d kills", n, days/pageSize, kills)
	}
}
