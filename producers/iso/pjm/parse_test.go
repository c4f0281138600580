package pjm

import (
	"errors"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/collector/collectortest"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

var ingest = time.Date(2026, 6, 11, 12, 0, 0, 0, time.UTC)

func lmps(t *testing.T, p collector.Page) []schemas.IsoLmpRecord {
	t.Helper()
	out := make([]schemas.IsoLmpRecord, 0, len(p.Records))
	for _, rec := range p.Records {
		r, ok := rec.Value.(schemas.IsoLmpRecord)
		if !ok {
			t.Fatalf("record value %T, want IsoLmpRecord", rec.Value)
		}
		if rec.Topic != topology.TopicIsoLmp || rec.Key != "PJM:"+r.LocationID {
			t.Fatalf("record topic %q key %q", rec.Topic, rec.Key)
		}
		out = append(out, r)
	}
	return out
}

func TestParsePageDayAhead(t *testing.T) {
	t.Parallel()
	p, err := ParsePage(collectortest.Fixture(t, "dataminer-da_hrl_lmps-zones-2026-06-09.json"), Feeds["da_hrl_lmps"], 1, 600, schemas.LocationOther, ingest)
	if err != nil {
		t.Fatal(err)
	}
	recs := lmps(t, p)
	if len(recs) != 184 {
		t.Fatalf("%d records, want 184 (8 hours x 23 zones)", len(recs))
	}
	if p.Next != "" {
		t.Errorf("Next %q, want none: 1+600 > totalRows 184", p.Next)
	}
	// The last hour of the trimmed file is 07:00 EDT = 11:00 UTC.
	if want := time.Date(2026, 6, 9, 11, 0, 0, 0, time.UTC); !p.Watermark.Equal(want) {
		t.Errorf("Watermark %s, want %s", p.Watermark, want)
	}
	r := recs[0]
	// datetime_beginning_utc 2026-06-09T04:00:00 is 00:00 EDT (UTC-4), so
	// the operating day is 2026-06-09.
	wantStart := time.Date(2026, 6, 9, 4, 0, 0, 0, time.UTC)
	if r.IsoCode != schemas.IsoPJM || r.Market != schemas.MarketDayAhead || r.LocationID != "1" ||
		r.LocationName == nil || *r.LocationName != "PJM-RTO" || r.LocationType != schemas.LocationZone ||
		r.PriceTotal != 31.862345 || !r.IntervalStart.Equal(wantStart) ||
		!r.IntervalEnd.Equal(wantStart.Add(time.Hour)) || *r.IntervalMinutes != 60 ||
		!r.DeliveryDate.Equal(time.Date(2026, 6, 9, 0, 0, 0, 0, time.UTC)) ||
		r.Currency != "USD" || r.UOM != "MWh" || !r.IngestTS.Equal(ingest) ||
		r.PriceEnergy != nil || r.PriceCongestion != nil || r.PriceLoss != nil || len(r.RecordHash) != 64 {
		t.Errorf("first record %+v", r)
	}
	hours := map[time.Time]int{}
	seen := map[string]bool{}
	for _, r := range recs {
		hours[r.IntervalStart]++
		k := r.LocationID + r.IntervalStart.String()
		if seen[k] {
			t.Errorf("duplicate %s", k)
		}
		seen[k] = true
		if r.IntervalStart.Location() != time.UTC {
			t.Errorf("interval start %s not in UTC", r.IntervalStart)
		}
	}
	if len(hours) != 8 {
		t.Errorf("%d distinct hours, want 8", len(hours))
	}
	for h, n := range hours {
		if n != 23 {
			t.Errorf("hour %s: %d zones, want 23", h, n)
		}
	}
}

func TestParsePageFiveMinute(t *testing.T) {
	t.Parallel()
	p, err := ParsePage(collectortest.Fixture(t, "dataminer-rt_unverified_fivemin_lmps-2026-06-10.json"), Feeds["rt_unverified_fivemin_lmps"], 1, 200, schemas.LocationZone, ingest)
	if err != nil {
		t.Fatal(err)
	}
	recs := lmps(t, p)
	if len(recs) != 154 || p.Next != "" {
		t.Fatalf("%d records next %q, want 154 and none", len(recs), p.Next)
	}
	// The rows are not in time order; the watermark is the latest start.
	if want := time.Date(2026, 6, 10, 19, 10, 0, 0, time.UTC); !p.Watermark.Equal(want) {
		t.Errorf("Watermark %s, want %s", p.Watermark, want)
	}
	var bge *schemas.IsoLmpRecord
	for i, r := range recs {
		if r.LocationID == "51292" && r.IntervalStart.Equal(time.Date(2026, 6, 10, 19, 10, 0, 0, time.UTC)) {
			bge = &recs[i]
		}
	}
	// 19:10 UTC is 15:10 EDT; the LMP above $1000 is kept as published.
	if bge == nil || bge.PriceTotal != 1070.33 || bge.Market != schemas.MarketFiveMinute ||
		*bge.IntervalMinutes != 5 || !bge.IntervalEnd.Equal(bge.IntervalStart.Add(5*time.Minute)) ||
		bge.LocationType != schemas.LocationZone || *bge.LocationName != "BGE" ||
		!bge.DeliveryDate.Equal(time.Date(2026, 6, 10, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("BGE 19:10Z: %+v", bge)
	}
}

func TestParsePageNext(t *testing.T) {
	t.Parallel()
	body := []byte(`{"items":[],"totalRows":184}`)
	for _, tc := range []struct {
		name               string
		startRow, rowCount int
		want               string
	}{
		{"first of two", 1, 100, "101"},
		{"last partial", 101, 100, ""},
		{"exact fit", 1, 184, ""},
		{"half", 1, 92, "93"},
		{"second half", 93, 92, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := ParsePage(body, Feeds["da_hrl_lmps"], tc.startRow, tc.rowCount, schemas.LocationOther, ingest)
			if err != nil || p.Next != tc.want {
				t.Errorf("Next %q err %v, want %q", p.Next, err, tc.want)
			}
		})
	}
}

func TestParsePageComponents(t *testing.T) {
	t.Parallel()
	body := []byte(`{"items":[{"datetime_beginning_utc":"2024-11-03T06:00:00","pnode_id":51217,"pnode_name":"WESTERN HUB","type":"HUB",` +
		`"total_lmp_da":25.5,"system_energy_price_da":24.0,"congestion_price_da":1.75,"marginal_loss_price_da":-0.25}],"totalRows":1}`)
	p, err := ParsePage(body, Feeds["da_hrl_lmps"], 1, 100, schemas.LocationOther, ingest)
	if err != nil {
		t.Fatal(err)
	}
	r := lmps(t, p)[0]
	// 06:00 UTC on the fall-back day is 01:00 EST, the second 01:00.
	if r.LocationType != schemas.LocationHub || *r.PriceEnergy != 24 || *r.PriceCongestion != 1.75 || *r.PriceLoss != -0.25 ||
		*r.PriceEnergy+*r.PriceCongestion+*r.PriceLoss != r.PriceTotal ||
		!r.DeliveryDate.Equal(time.Date(2024, 11, 3, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("record %+v", r)
	}
}

func TestParsePageMalformed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		body []byte
	}{
		{"truncated", collectortest.Fixture(t, "dataminer-da_hrl_lmps-zones-2026-06-09.json")[:5000]},
		{"empty", nil},
		{"html", []byte("<html>Service Unavailable</html>")},
		{"error body", []byte(`{"message":"Access denied due to invalid subscription key."}`)},
		{"no totalRows", []byte(`{"items":[]}`)},
		{"gen_by_fuel has no pnode", collectortest.Fixture(t, "dataminer-gen_by_fuel-2025-02-09.json")},
		{"marginal value has no pnode", collectortest.Fixture(t, "dataminer-da_marginal_value-2024-09-02.json")},
		{"null total", []byte(`{"items":[{"datetime_beginning_utc":"2026-06-09T04:00:00","pnode_id":1,"total_lmp_da":null}],"totalRows":1}`)},
		{"bad time", []byte(`{"items":[{"datetime_beginning_utc":"06/09/2026 4AM","pnode_id":1,"total_lmp_da":1}],"totalRows":1}`)},
		{"string price", []byte(`{"items":[{"datetime_beginning_utc":"2026-06-09T04:00:00","pnode_id":1,"total_lmp_da":"n/a"}],"totalRows":1}`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := ParsePage(tc.body, Feeds["da_hrl_lmps"], 1, 100, schemas.LocationOther, ingest)
			if !errors.Is(err, collector.ErrMalformed) || len(p.Records) != 0 {
				t.Errorf("err %v, %d records; want ErrMalformed and none", err, len(p.Records))
			}
		})
	}
}

func TestRecordHash(t *testing.T) {
	t.Parallel()
	body := collectortest.Fixture(t, "dataminer-da_hrl_lmps-zones-2026-06-09.json")
	a, _ := ParsePage(body, Feeds["da_hrl_lmps"], 1, 600, schemas.LocationOther, ingest)
	b, _ := ParsePage(body, Feeds["da_hrl_lmps"], 1, 600, schemas.LocationOther, ingest.Add(time.Hour))
	hashes := map[string]bool{}
	for i := range a.Records {
		ha := a.Records[i].Value.(schemas.IsoLmpRecord).RecordHash
		hb := b.Records[i].Value.(schemas.IsoLmpRecord).RecordHash
		if ha != hb {
			t.Fatalf("record %d: hash depends on ingest_ts", i)
		}
		hashes[ha] = true
	}
	if len(hashes) != len(a.Records) {
		t.Errorf("%d distinct hashes for %d records", len(hashes), len(a.Records))
	}
}
