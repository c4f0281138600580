package scenario

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	model "github.com/aurum-energy/aurum/internal/scenario"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

// Kafka headers of run requests that the worker reads and carries over to
// the records a request leads to (docs/CONTRACTS.md#topics, #metrics).
const (
	HeaderTenant      = "aurum.tenant"
	HeaderTraceparent = "traceparent"
	HeaderRequestID   = "x-request-id"
)

var carriedHeaders = []string{HeaderTraceparent, HeaderRequestID, HeaderTenant}

// carried returns the headers of req that its records carry.
func carried(req *kgo.Record) []kgo.RecordHeader {
	var out []kgo.RecordHeader
	for _, h := range req.Headers {
		for _, k := range carriedHeaders {
			if h.Key == k {
				out = append(out, kgo.RecordHeader{Key: h.Key, Value: h.Value})
			}
		}
	}
	return out
}

// eventID is the RunEvent id of a run's state change: a name-based UUID of
// the run, the state and the attempt, so the same change published again
// has the same id and subscribers can deduplicate by it.
func eventID(runID string, state schemas.RunState, attempt int) string {
	sum := sha256.Sum256([]byte(runID + "/" + string(state) + "/" + strconv.Itoa(attempt)))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x80 // version 8: custom (RFC 9562)
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// runEvent is the RunEvent of run r's current state.
func runEvent(r runRow, at time.Time) schemas.RunEvent {
	ev := schemas.RunEvent{
		EventID:    eventID(r.ID, r.State, r.Attempt),
		RunID:      r.ID,
		ScenarioID: r.ScenarioID,
		TenantID:   r.tenant,
		State:      r.State,
		Attempt:    int32(r.Attempt),
		Error:      r.Error,
		OccurredTS: at.UTC(),
	}
	if r.OutputCount != nil {
		n := int64(*r.OutputCount)
		ev.OutputCount = &n
	}
	if r.State == schemas.RunSucceeded {
		p := 100.0
		ev.ProgressPercent = &p
	}
	return ev
}

// eventRecord encodes ev for the run topic, keyed by run id.
func (w *Worker) eventRecord(req *kgo.Record, ev schemas.RunEvent) (*kgo.Record, error) {
	v, err := w.serde.Encode(topology.TopicScenarioRun, ev)
	if err != nil {
		return nil, fmt.Errorf("encode %s event of run %s: %w", ev.State, ev.RunID, err)
	}
	return &kgo.Record{Topic: topology.TopicScenarioRun, Key: []byte(ev.RunID), Value: v, Headers: carried(req)}, nil
}

// terminalRecords are what a terminal run publishes: its outputs when it
// SUCCEEDED, then its terminal RunEvent.
func (w *Worker) terminalRecords(req *kgo.Record, r runRow, outs []model.Output, computedTS time.Time) ([]*kgo.Record, error) {
	recs := make([]*kgo.Record, 0, len(outs)+1)
	headers := carried(req)
	var buf []byte
	for _, o := range outs {
		so := schemas.ScenarioOutput{
			RunID:         r.ID,
			ScenarioID:    r.ScenarioID,
			TenantID:      r.tenant,
			AsofDate:      r.AsofDate,
			CurveKey:      o.CurveKey,
			TenorType:     schemas.TenorType(o.TenorType),
			TenorLabel:    o.TenorLabel,
			ContractMonth: o.ContractMonth,
			Metric:        o.Metric,
			Value:         o.Value,
			BandLower:     o.BandLower,
			BandUpper:     o.BandUpper,
			Attribution:   make([]schemas.Attribution, len(o.Attribution)),
			InputHash:     r.InputHash,
			ComputedTS:    computedTS.UTC(),
		}
		for i, a := range o.Attribution {
			so.Attribution[i] = schemas.Attribution{Driver: a.Driver, Delta: a.Delta}
		}
		var err error
		buf, err = w.serde.AppendEncode(buf[:0], topology.TopicScenarioOutput, &so)
		if err != nil {
			return nil, fmt.Errorf("encode output %s %s of run %s: %w", o.CurveKey, o.TenorLabel, r.ID, err)
		}
		recs = append(recs, &kgo.Record{
			Topic: topology.TopicScenarioOutput, Key: []byte(r.ID), Value: append([]byte(nil), buf...), Headers: headers,
		})
	}
	at := w.now()
	if r.CompletedAt != nil {
		at = *r.CompletedAt
	}
	ev, err := w.eventRecord(req, runEvent(r, at))
	if err != nil {
		return nil, err
	}
	return append(recs, ev), nil
}
