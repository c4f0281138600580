package curvefile

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/internal/curve"
	"github.com/aurum-energy/aurum/internal/deadletter"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

// TestRebuildReadsQuarantinedRowsWithTheLoadersRules rebuilds the dead
// letters of sample_bad.csv: as they are, each is refused for the reason
// the loader gave; with the cell that broke the rule corrected, each is the
// observation the loader would have published.
func TestRebuildReadsQuarantinedRowsWithTheLoadersRules(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	if _, err := h.loader.Load(context.Background(), badCSV); err != nil {
		t.Fatal(err)
	}
	fixes := map[string]map[string]string{
		"missing_units": {"units_raw": "USD/MWh"},
		"no_price":      {"mid": "91.00"},
		"invalid_enum":  {"tenor_type": "monthly"},
		"bad_number":    {"bid": "59.90"},
		"bad_date":      {"asof_date": "2026-11-24"},
	}
	replayedAt := time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)
	letters := h.consume(t, topology.TopicCurveObservationDLQ)
	if len(letters) != len(fixes) {
		t.Fatalf("%d dead letters, want %d", len(letters), len(fixes))
	}
	for _, r := range letters {
		l := deadletter.Open(r)
		t.Run(l.Reason, func(t *testing.T) {
			asIs, err := NewRebuilder(h.serde, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			var refused *deadletter.Failure
			if _, err := asIs.Rebuild(l); !errors.As(err, &refused) || refused.Error() != deadletter.Header(r, deadletter.HeaderReason) {
				t.Fatalf("rebuilt as it is: %v, want the loader's refusal %q", err, deadletter.Header(r, deadletter.HeaderReason))
			}

			fixed, err := NewRebuilder(h.serde, fixes[l.Reason], func() time.Time { return replayedAt })
			if err != nil {
				t.Fatal(err)
			}
			rec, err := fixed.Rebuild(l)
			if err != nil {
				t.Fatalf("rebuilt with %v: %v", fixes[l.Reason], err)
			}
			var o schemas.CurveObservation
			if err := h.serde.Decode(context.Background(), rec.Topic, rec.Value, &o); err != nil {
				t.Fatal(err)
			}
			if rec.Topic != topology.TopicCurveObservation || string(rec.Key) != o.CurveKey || string(rec.Key) != string(r.Key) ||
				curve.Validate(&o) != nil || !o.IngestTS.Equal(replayedAt) || o.SourceFile == nil || *o.SourceFile != "sample_bad.csv" ||
				o.AsofDate != time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC) || o.Currency == nil || *o.Currency != "USD" {
				t.Errorf("rebuilt %s: %+v", rec.Key, o)
			}
		})
	}
}

func TestRebuildRefuses(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	if _, err := NewRebuilder(h.serde, map[string]string{"unit": "USD/MWh", "units_raw": "x"}, nil); err == nil ||
		!strings.Contains(err.Error(), "no column unit ") {
		t.Errorf("a correction of no column: %v", err)
	}
	rb, err := NewRebuilder(h.serde, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for name, value := range map[string]string{
		"not a quarantined row":      "\x00\x00\x00\x00\x01",
		"a cell outside any column":  `{"line":2,"file":"a.csv","row":{"asof_date":"2026-11-24","column_21":"x"}}`,
		"a row without a price type": `{"line":2,"file":"a.csv","row":{"asof_date":"2026-11-24"}}`,
	} {
		_, err := rb.Rebuild(deadletter.Open(&kgo.Record{Value: []byte(value)}))
		var refused *deadletter.Failure
		if !errors.As(err, &refused) || refused.Stage != deadletter.StageLoad {
			t.Errorf("%s: %v, want a refusal", name, err)
		}
	}
}
