package scenario

import (
	"context"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/internal/runs"
	model "github.com/aurum-energy/aurum/internal/scenario"
	"github.com/aurum-energy/aurum/internal/telemetry"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

// carried returns the headers of req that its records carry. When the
// worker traces, their traceparent is that of the span in ctx instead, so
// that the records continue the request's trace from the worker's span.
func (w *Worker) carried(ctx context.Context, req *kgo.Record) []kgo.RecordHeader {
	var out []kgo.RecordHeader
	for _, h := range req.Headers {
		for _, k := range runs.CarriedHeaders {
			if h.Key == k {
				out = append(out, kgo.RecordHeader{Key: h.Key, Value: h.Value})
			}
		}
	}
	if w.tracer != nil {
		return telemetry.InjectHeaders(ctx, out)
	}
	return out
}

// eventRecord encodes ev for the run topic, keyed by run id.
func (w *Worker) eventRecord(ctx context.Context, req *kgo.Record, ev schemas.RunEvent) (*kgo.Record, error) {
	v, err := w.serde.Encode(topology.TopicScenarioRun, ev)
	if err != nil {
		return nil, fmt.Errorf("encode %s event of run %s: %w", ev.State, ev.RunID, err)
	}
	return &kgo.Record{Topic: topology.TopicScenarioRun, Key: []byte(ev.RunID), Value: v, Headers: w.carried(ctx, req)}, nil
}

// terminalRecords are what a terminal run publishes: its outputs when it
// SUCCEEDED, then its terminal RunEvent.
func (w *Worker) terminalRecords(ctx context.Context, req *kgo.Record, r runs.Run, outs []model.Output, computedTS time.Time) ([]*kgo.Record, error) {
	recs := make([]*kgo.Record, 0, len(outs)+1)
	headers := w.carried(ctx, req)
	var buf []byte
	for _, o := range outs {
		so := schemas.ScenarioOutput{
			RunID:         r.ID,
			ScenarioID:    r.ScenarioID,
			TenantID:      r.Tenant,
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
	ev, err := w.eventRecord(ctx, req, runs.Event(r, at))
	if err != nil {
		return nil, err
	}
	return append(recs, ev), nil
}
