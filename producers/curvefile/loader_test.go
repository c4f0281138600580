package curvefile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/internal/curve"
	"github.com/aurum-energy/aurum/internal/deadletter"
	"github.com/aurum-energy/aurum/internal/serde"
	"github.com/aurum-energy/aurum/internal/testenv"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

// harness is a loader on a fresh in-process cluster.
type harness struct {
	loader  *Loader
	serde   *serde.Serde
	client  *kgo.Client
	brokers []string
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	k := testenv.NewKafka(t)
	sd, cl := k.Serde(t), k.Client(t, ProducerOpts()...)
	l, err := New(Config{Now: func() time.Time { return testIngest }}, Deps{Client: cl, Serde: sd})
	if err != nil {
		t.Fatal(err)
	}
	return &harness{loader: l, serde: sd, client: cl, brokers: k.Brokers}
}

// consume reads every record on topic: as many as its end offsets say.
func (h *harness) consume(t *testing.T, topic string) []*kgo.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ends, err := kadm.NewClient(h.client).ListEndOffsets(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	ends.Each(func(o kadm.ListedOffset) { want += int(o.Offset) })
	if want == 0 {
		return nil
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(h.brokers...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var got []*kgo.Record
	for len(got) < want {
		fs := cl.PollFetches(ctx)
		if err := fs.Err0(); err != nil {
			t.Fatalf("consume %s: %v after %d of %d records", topic, err, len(got), want)
		}
		got = append(got, fs.Records()...)
	}
	return got
}

func TestLoadQuarantinesBadRows(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	sum, err := h.loader.Load(context.Background(), badCSV)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	wantReasons := map[string]int{"missing_units": 1, "no_price": 1, "invalid_enum": 1, "bad_number": 1, "bad_date": 1}
	if sum.Read != 7 || sum.Published != 2 || sum.Quarantined != 5 || !reflect.DeepEqual(sum.ByReason, wantReasons) {
		t.Errorf("summary %+v, want 7 read, 2 published, 5 quarantined by %v", sum, wantReasons)
	}

	published := h.consume(t, topology.TopicCurveObservation)
	var labels []string
	for _, r := range published {
		var o schemas.CurveObservation
		if err := h.serde.Decode(context.Background(), r.Topic, r.Value, &o); err != nil {
			t.Fatal(err)
		}
		labels = append(labels, o.TenorLabel)
	}
	if len(labels) != 2 || !strings.Contains(strings.Join(labels, ","), "2027-01") || !strings.Contains(strings.Join(labels, ","), "2027-07") {
		t.Errorf("published tenors %v, want 2027-01 and 2027-07", labels)
	}

	westHub := curve.Key(curve.Identity{AssetClass: "power", ISO: "PJM", Region: "Mid-Atlantic", Location: "West Hub",
		Market: "DA", Product: "Firm Power", Block: "ON_PEAK"})
	westHubOff := curve.Key(curve.Identity{AssetClass: "power", ISO: "PJM", Region: "Mid-Atlantic", Location: "West Hub",
		Market: "DA", Product: "Firm Power", Block: "OFF_PEAK"})
	want := map[int]struct{ key, reason, tenor string }{
		3: {westHub, "missing_units: units_raw is empty", "2027-02"},
		4: {westHub, "no_price: none of value, bid, ask, mid is set", "2027-03"},
		5: {westHub, `invalid_enum: tenor_type "MONTHISH" is not one of MONTHLY, QUARTER, SEASON, CALENDAR, STRIP, CUSTOM`, "2027-04"},
		6: {westHubOff, `bad_number: bid "abc" on line 6`, "2027-05"},
		7: {westHub, `bad_date: asof_date "2026-13-45" on line 7 is not a YYYY-MM-DD date`, "2027-06"},
	}
	dlq := h.consume(t, topology.TopicCurveObservationDLQ)
	if len(dlq) != len(want) {
		t.Fatalf("%d dead-letter records, want %d", len(dlq), len(want))
	}
	for _, r := range dlq {
		var v struct {
			Line int               `json:"line"`
			File string            `json:"file"`
			Row  map[string]string `json:"row"`
		}
		if err := json.Unmarshal(r.Value, &v); err != nil {
			t.Fatalf("value %s: %v", r.Value, err)
		}
		w, ok := want[v.Line]
		if !ok {
			t.Errorf("unexpected dead-letter record for line %d: %s", v.Line, r.Value)
			continue
		}
		delete(want, v.Line)
		if string(r.Key) != w.key {
			t.Errorf("line %d: key %s, want curve_key %s", v.Line, r.Key, w.key)
		}
		if v.File != "sample_bad.csv" || v.Row["tenor_label"] != w.tenor || len(v.Row) != len(columnNames) {
			t.Errorf("line %d: value %s", v.Line, r.Value)
		}
		headers := map[string]string{}
		for _, hd := range r.Headers {
			headers[hd.Key] = string(hd.Value)
		}
		if headers[deadletter.HeaderReason] != w.reason || headers[deadletter.HeaderStage] != deadletter.StageLoad ||
			headers[deadletter.HeaderTopic] != topology.TopicCurveObservation {
			t.Errorf("line %d: headers %v, want reason %q", v.Line, headers, w.reason)
		}
		if _, err := time.Parse(time.RFC3339Nano, headers[deadletter.HeaderTime]); err != nil {
			t.Errorf("line %d: time header %q: %v", v.Line, headers[deadletter.HeaderTime], err)
		}
		if _, ok := headers[deadletter.HeaderOffset]; ok {
			t.Errorf("line %d: a row rejected before publishing has an offset header", v.Line)
		}
	}
	if len(want) > 0 {
		t.Errorf("no dead-letter records for lines %v", want)
	}
}

func TestLoadRefusesBadFiles(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const row = "2026-11-24,power,MID,MONTHLY,2027-01,50,USD/MWh\n"
	tests := []struct {
		name, path string
		layout     bool
		mention    string
	}{
		{"unknown column", write("unknown.csv", "asof_date,asset_class,price_type,tenor_type,tenor_label,mid,units_raw,trader\n"+row),
			true, `"trader"`},
		{"missing column", write("missing.csv", "asof_date,asset_class,price_type,tenor_label,mid,units_raw\n"+row),
			true, "tenor_type"},
		{"empty file", write("empty.csv", ""), false, "no header row"},
		{"unreadable", filepath.Join(dir, "absent.csv"), false, "absent.csv"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sum, err := h.loader.Load(context.Background(), tt.path)
			if err == nil {
				t.Fatalf("Load succeeded: %+v", sum)
			}
			if errors.Is(err, ErrLayout) != tt.layout || !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("Load: %v; want layout error %v naming %s", err, tt.layout, tt.mention)
			}
			if sum.Read != 0 {
				t.Errorf("read %d rows of a refused file", sum.Read)
			}
		})
	}
	if got := h.consume(t, topology.TopicCurveObservation); len(got) != 0 {
		t.Errorf("%d records published from refused files", len(got))
	}
}

// writeCurves writes a CSV of n rows: 50 curves of n/50 monthly tenors.
func writeCurves(t testing.TB, path string, n int) {
	t.Helper()
	var b strings.Builder
	b.WriteString("asof_date,asset_class,iso,location,block,price_type,tenor_type,tenor_label,bid,ask,units_raw\n")
	locations := []string{"West Hub", "AEP-Dayton Hub", "N Illinois Hub", "Eastern Hub", "Dominion Hub"}
	blocks := []string{"ON_PEAK", "OFF_PEAK"}
	isos := []string{"PJM", "ERCOT", "CAISO", "MISO", "NYISO"}
	perCurve := n / 50
	row := 0
	for c := 0; c < 50 && row < n; c++ {
		iso, loc, block := isos[c/10], locations[(c/2)%5], blocks[c%2]
		for m := 0; m < perCurve && row < n; m++ {
			month := time.Date(2027, time.Month(1+m), 1, 0, 0, 0, 0, time.UTC)
			mid := 40 + float64(c) + float64(m%12)*1.25
			fmt.Fprintf(&b, "2026-11-24,power,%s,%s,%s,MID,MONTHLY,%s,%.2f,%.2f,USD/MWh\n",
				iso, loc, block, month.Format("2006-01"), mid-0.25, mid+0.25)
			row++
		}
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoadManyRows(t *testing.T) {
	t.Parallel()
	const n = 20_000
	h := newHarness(t)
	path := filepath.Join(t.TempDir(), "eod.csv")
	writeCurves(t, path, n)

	sum, err := h.loader.Load(context.Background(), path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if sum.Read != n || sum.Published != n || sum.Quarantined != 0 {
		t.Fatalf("summary %+v, want %d read and published", sum, n)
	}
	t.Logf("loaded %d rows in %s: %.0f rows/s", n, sum.Duration, float64(n)/sum.Duration.Seconds())

	want := map[string]schemas.CurveObservation{}
	for _, o := range parseFile(t, path).obs {
		want[o.CurveKey+"|"+o.TenorLabel] = o
	}
	records := h.consume(t, topology.TopicCurveObservation)
	if len(records) != n {
		t.Fatalf("%d records on the topic, want %d", len(records), n)
	}
	for _, r := range records {
		var o schemas.CurveObservation
		if err := h.serde.Decode(context.Background(), r.Topic, r.Value, &o); err != nil {
			t.Fatalf("decode: %v", err)
		}
		if string(r.Key) != o.CurveKey {
			t.Fatalf("key %s, curve_key %s", r.Key, o.CurveKey)
		}
		w, ok := want[o.CurveKey+"|"+o.TenorLabel]
		if !ok {
			t.Fatalf("unexpected or duplicate record %s", describe(o))
		}
		delete(want, o.CurveKey+"|"+o.TenorLabel)
		if !reflect.DeepEqual(o, w) {
			t.Fatalf("record differs from the parsed row:\ngot  %+v\nwant %+v", o, w)
		}
	}
}

func TestLoadStopsOnCancel(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	path := filepath.Join(t.TempDir(), "eod.csv")
	writeCurves(t, path, 5_000)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	sum, err := h.loader.Load(ctx, path)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Load = %+v, %v; want context.Canceled", sum, err)
	}
	if got := len(h.consume(t, topology.TopicCurveObservation)); got != sum.Published {
		t.Errorf("%d records on the topic, summary says %d published", got, sum.Published)
	}
}
