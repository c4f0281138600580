package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/aurum-energy/aurum/internal/config"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

// devInstance is one `aurum dev` run in this process, on free ports.
type devInstance struct {
	api, broker, registry string
	stop                  context.CancelFunc
	done                  chan error
}

func startDev(t *testing.T, dataDir string, ports [3]int) *devInstance {
	t.Helper()
	return startDevWith(t, dataDir, ports)
}

func startDevWith(t *testing.T, dataDir string, ports [3]int, extra ...string) *devInstance {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	d := &devInstance{
		api:      fmt.Sprintf("127.0.0.1:%d", ports[0]),
		broker:   fmt.Sprintf("127.0.0.1:%d", ports[1]),
		registry: fmt.Sprintf("127.0.0.1:%d", ports[2]),
		stop:     cancel,
		done:     make(chan error, 1),
	}
	go func() {
		args := []string{"dev", "--data-dir", dataDir, "--http-addr", d.api,
			"--broker-addr", d.broker, "--registry-addr", d.registry, "--log-level", "warn"}
		d.done <- run(ctx, append(args, extra...), io.Discard)
	}()
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case err := <-d.done:
			t.Fatalf("aurum dev stopped during start-up: %v", err)
		default:
		}
		resp, err := http.Get("http://" + d.api + "/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return d
			}
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("/ready did not answer 200 within 60 s (last: %v)", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// shutdown is what SIGINT does: cancel the command's context.
func (d *devInstance) shutdown(t *testing.T) {
	t.Helper()
	start := time.Now()
	d.stop()
	select {
	case err := <-d.done:
		if err != nil {
			t.Fatalf("aurum dev stopped with %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("aurum dev did not stop within 10 s")
	}
	t.Logf("stopped in %s", time.Since(start).Round(time.Millisecond))
}

// TestDevStartsEverythingAndResumes is the newcomer's path: `aurum dev`
// answers /ready, every topic and subject exists, Ctrl-C stops it, and a
// second start on the same data dir keeps topics, records and schema IDs.
func TestDevStartsEverythingAndResumes(t *testing.T) {
	dataDir := serverReachableTempDir(t)
	ports := [3]int{freePort(t), freePort(t), freePort(t)}

	d := startDev(t, dataDir, ports)
	checkTopics(t, d.broker)
	checkReadyLag(t, d.api)
	ids := subjectIDs(t, d.registry)
	produced := produceMarker(t, d.broker)
	d.shutdown(t)

	d = startDev(t, dataDir, ports)
	defer d.shutdown(t)
	checkTopics(t, d.broker)
	if again := subjectIDs(t, d.registry); !equalMaps(ids, again) {
		t.Fatalf("schema ids changed across a restart:\nbefore %v\nafter  %v", ids, again)
	}
	if got := consumeMarker(t, d.broker); got != produced {
		t.Fatalf("record after restart = %q, want %q", got, produced)
	}
}

// checkReadyLag: /ready shows the lag of every materialiser's group.
func checkReadyLag(t *testing.T, api string) {
	t.Helper()
	lags := readyLag(t, api)
	for _, s := range streams {
		if l, ok := lags[s.group]; !ok || l.Records == nil || l.Seconds == nil {
			t.Errorf("/ready shows no lag of group %s: %+v", s.group, lags)
		}
	}
}

// groupLag is a consumer group's lag as GET /ready shows it.
type groupLag struct {
	Records *int64   `json:"records"`
	Seconds *float64 `json:"seconds"`
}

// readyLag is the lag of every group GET /ready shows, by group.
func readyLag(t *testing.T, api string) map[string]groupLag {
	t.Helper()
	resp, err := http.Get("http://" + api + "/ready")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Lag map[string]groupLag `json:"lag"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return body.Lag
}

func checkTopics(t *testing.T, broker string) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(broker))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	details, err := kadm.NewClient(cl).ListTopics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range topology.Topics() {
		got, ok := details[want.Name]
		if !ok {
			t.Errorf("topic %s missing", want.Name)
			continue
		}
		if n := int32(len(got.Partitions)); n != want.Partitions {
			t.Errorf("topic %s has %d partitions, want %d", want.Name, n, want.Partitions)
		}
	}
}

// subjectIDs reads GET /subjects as any HTTP client would, and the ID of
// each subject's latest version.
func subjectIDs(t *testing.T, registry string) map[string]int {
	t.Helper()
	resp, err := http.Get("http://" + registry + "/subjects")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var subjects []string
	if err := json.NewDecoder(resp.Body).Decode(&subjects); err != nil {
		t.Fatal(err)
	}
	sort.Strings(subjects)
	for _, r := range schemas.Records() {
		if i := sort.SearchStrings(subjects, r.Subject); i == len(subjects) || subjects[i] != r.Subject {
			t.Errorf("subject %s missing from GET /subjects %v", r.Subject, subjects)
		}
	}
	c, err := sr.NewClient(sr.URLs("http://" + registry))
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int{}
	for _, s := range subjects {
		ss, err := c.SchemaByVersion(context.Background(), s, -1)
		if err != nil {
			t.Fatal(err)
		}
		ids[s] = ss.ID
	}
	return ids
}

const markerTopic = topology.TopicScenarioRun

func produceMarker(t *testing.T, broker string) string {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(broker))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	marker := fmt.Sprintf("marker-%d", time.Now().UnixNano())
	if err := cl.ProduceSync(context.Background(), &kgo.Record{Topic: markerTopic, Key: []byte("marker"), Value: []byte(marker)}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	return marker
}

func consumeMarker(t *testing.T, broker string) string {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(broker), kgo.ConsumeTopics(markerTopic))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatal("no record after restart")
		}
		var found string
		fs.EachRecord(func(r *kgo.Record) {
			if string(r.Key) == "marker" {
				found = string(r.Value)
			}
		})
		if found != "" {
			return found
		}
	}
}

// TestBadSettingsFailFast: a nonsense broker list or an unreachable
// database stops `aurum api` with an error naming the setting.
func TestBadSettingsFailFast(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"nonsense brokers", []string{"api", "--kafka-brokers", "nonsense::", "--database-url", "postgres://127.0.0.1:1/x", "--redis-url", "redis://127.0.0.1:1"}, "AURUM_KAFKA_BROKERS"},
		{"unreachable database", []string{"api", "--database-url", fmt.Sprintf("postgres://aurum@127.0.0.1:%d/x?connect_timeout=2", freePort(t)), "--redis-url", "redis://127.0.0.1:1"}, "AURUM_DATABASE_URL"},
		{"missing database", []string{"api", "--redis-url", "redis://127.0.0.1:1"}, "AURUM_DATABASE_URL"},
		{"bad auth mode", []string{"api", "--auth-mode", "basic"}, "AURUM_AUTH_MODE"},
		{"unknown command", []string{"frobnicate"}, "unknown command"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			err := run(ctx, tc.args, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v does not name %s", err, tc.want)
			}
			if exitCode(err) == 0 {
				t.Fatal("exit code 0 for a failure")
			}
		})
	}
}

func serverReachableTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "aurum-dev-test-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func equalMaps(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestLoadFileTwiceEndToEnd is the analyst's path: a 20,000-row curve file
// loaded twice through `aurum load curves` into a running `aurum dev` leaves
// exactly its 20,000 rows, served by GET /v1/curves with a working ETag.
func TestLoadFileTwiceEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test in -short mode")
	}
	const rows = 20_000
	dataDir := serverReachableTempDir(t)
	d := startDevWith(t, dataDir, [3]int{freePort(t), freePort(t), freePort(t)}, "--no-demo")
	defer d.shutdown(t)
	file := writeCurveFile(t, rows)

	load := func() {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		err := run(ctx, []string{"load", "curves", "--no-progress", "--log-level", "warn",
			"--kafka-brokers", d.broker, "--schema-registry-url", "http://" + d.registry, file}, io.Discard)
		if err != nil {
			t.Fatalf("aurum load curves: %v", err)
		}
	}
	load()
	waitConsumed(t, d, rows)
	load()
	waitConsumed(t, d, 2*rows)
	if got := countCurves(t, d, "2026-11-24"); got != rows {
		t.Fatalf("after loading the file twice GET /v1/curves pages through %d rows, want %d", got, rows)
	}

	url := "http://" + d.api + "/v1/curves?iso=PJM&limit=5"
	resp := getCurves(t, url, "")
	etag := resp.Header.Get("ETag")
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || etag == "" {
		t.Fatalf("GET %s: %s, ETag %q", url, resp.Status, etag)
	}
	resp = getCurves(t, url, etag)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotModified {
		t.Fatalf("If-None-Match with the ETag: %s, want 304", resp.Status)
	}
}

// writeCurveFile writes rows distinct PJM curve points of one as-of date.
func writeCurveFile(t *testing.T, rows int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "curves.csv")
	var b strings.Builder
	b.WriteString("asof_date,asset_class,iso,location,block,price_type,tenor_type,tenor_label,bid,ask,units_raw\n")
	for i := range rows {
		month := time.Date(2027, time.January, 1, 0, 0, 0, 0, time.UTC).AddDate(0, i%100, 0)
		fmt.Fprintf(&b, "2026-11-24,power,PJM,Node %d,ON,MID,MONTHLY,%s,%d.25,%d.75,USD/MWh\n",
			i/100, month.Format("2006-01"), 40+i%50, 40+i%50)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// waitConsumed waits until the curve materialiser has written n records
// (counted after their transaction committed).
func waitConsumed(t *testing.T, d *devInstance, n int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + d.api + "/metrics")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			for _, line := range strings.Split(string(body), "\n") {
				if strings.HasPrefix(line, `aurum_records_materialized_total{table="curve_observation"}`) {
					var got float64
					fmt.Sscanf(line[strings.LastIndex(line, " ")+1:], "%g", &got)
					if int(got) >= n {
						return
					}
				}
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("the curve materialiser did not write %d records in 2 minutes", n)
}

// countCurves pages through GET /v1/curves for one as-of date.
func countCurves(t *testing.T, d *devInstance, asof string) int {
	t.Helper()
	total, cursor := 0, ""
	for {
		url := "http://" + d.api + "/v1/curves?limit=500&asof=" + asof
		if cursor != "" {
			url += "&cursor=" + cursor
		}
		resp := getCurves(t, url, "")
		var page struct {
			Meta struct {
				Count      int    `json:"count"`
				NextCursor string `json:"next_cursor"`
			} `json:"meta"`
		}
		err := json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s %v", url, resp.Status, err)
		}
		total += page.Meta.Count
		if page.Meta.NextCursor == "" {
			return total
		}
		cursor = page.Meta.NextCursor
	}
}

func getCurves(t *testing.T, url, ifNoneMatch string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Aurum-Tenant", "acme")
	req.Header.Set("X-Aurum-Roles", "viewer")
	if ifNoneMatch != "" {
		req.Header.Set("If-None-Match", ifNoneMatch)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// TestDevLogsURLsWithoutPasswords: the start-up line of `aurum dev` names
// the operator's database, Redis and registry without their passwords.
func TestDevLogsURLsWithoutPasswords(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	logUp(slog.New(slog.NewTextHandler(&out, nil)), config.Config{
		HTTPAddr:          "127.0.0.1:8080",
		SchemaRegistryURL: "https://key:s3cret@registry.example",
		DatabaseURL:       "postgres://aurum:s3cret@db:5432/aurum",
		RedisURL:          "redis://:s3cret@cache:6379/0",
	}, "/var/lib/aurum")
	line := out.String()
	if strings.Contains(line, "s3cret") {
		t.Errorf("log line shows a password: %s", line)
	}
	for _, want := range []string{"registry.example", "db:5432", "cache:6379"} {
		if !strings.Contains(line, want) {
			t.Errorf("log line does not name %s: %s", want, line)
		}
	}
}
