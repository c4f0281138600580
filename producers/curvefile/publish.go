package curvefile

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync/atomic"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/internal/curve"
	"github.com/aurum-energy/aurum/internal/deadletter"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

// Sizes of the slabs records are carved from: one allocation serves many
// records, and a slab is collected once the broker acknowledged them all.
const (
	recordSlab   = 1024
	valueSlab    = 1 << 20
	maxValueSize = 4 << 10 // an encoded observation is a few hundred bytes
)

// publisher produces one file's records asynchronously and counts the
// acknowledgements.
type publisher struct {
	l    *Loader
	ctx  context.Context
	file string

	records []kgo.Record
	values  []byte
	keys    map[string][]byte // curve_key → its bytes, shared by records

	promise   func(*kgo.Record, error)
	published atomic.Int64
	failed    firstError
}

// newPublisher returns a publisher whose records carry ctx.
func newPublisher(ctx context.Context, l *Loader, file string) *publisher {
	p := &publisher{l: l, ctx: ctx, file: file, keys: make(map[string][]byte)}
	p.promise = p.acked
	return p
}

// acked runs on the client's goroutines when a record is delivered or has
// failed for good.
func (p *publisher) acked(r *kgo.Record, err error) {
	if err != nil {
		p.failed.set(fmt.Errorf("%s: %w", r.Topic, err))
		return
	}
	if r.Topic == topology.TopicCurveObservation {
		p.published.Add(1)
	}
}

func (p *publisher) err() error { return p.failed.get() }

// record returns a zeroed record from the current slab.
func (p *publisher) record() *kgo.Record {
	if len(p.records) == cap(p.records) {
		p.records = make([]kgo.Record, 0, recordSlab)
	}
	p.records = p.records[:len(p.records)+1]
	return &p.records[len(p.records)-1]
}

// publish encodes o and hands it to the client, which batches it. It
// blocks only while the client's buffer is full.
func (p *publisher) publish(o *schemas.CurveObservation) error {
	if cap(p.values)-len(p.values) < maxValueSize {
		p.values = make([]byte, 0, valueSlab)
	}
	start := len(p.values)
	var err error
	p.values, err = p.l.serde.AppendEncode(p.values, topology.TopicCurveObservation, o)
	if err != nil {
		return fmt.Errorf("encode row of curve %s: %w", o.CurveKey, err)
	}
	key, ok := p.keys[o.CurveKey]
	if !ok {
		key = []byte(o.CurveKey)
		if len(p.keys) >= maxCachedKeys {
			clear(p.keys)
		}
		p.keys[o.CurveKey] = key
	}
	r := p.record()
	r.Topic = topology.TopicCurveObservation
	r.Key = key
	r.Value = p.values[start:len(p.values):len(p.values)]
	p.l.client.Produce(p.ctx, r, p.promise)
	return nil
}

// quarantined is the value of a row's dead-letter record: the raw cells by
// column name and where they came from. Why is in the headers.
type quarantined struct {
	Line int               `json:"line"`
	File string            `json:"file"`
	Row  map[string]string `json:"row"`
}

// quarantine sends a bad row to the dead-letter topic, keyed by its
// curve_key when the row names a curve. row is nil when the file format
// could not split the line into cells.
func (p *publisher) quarantine(ps *parser, row []string, line int, why *rowError, sum *Summary) {
	sum.Quarantined++
	sum.ByReason[why.reason]++

	q := quarantined{Line: line, File: p.file, Row: make(map[string]string, len(row))}
	for i, cell := range row {
		name := ""
		if i < len(ps.layout.names) {
			name = ps.layout.names[i]
		}
		if name == "" {
			name = fmt.Sprintf("column_%d", i+1)
		}
		q.Row[name] = cell
	}
	value, err := json.Marshal(q)
	if err != nil { // a map of strings always marshals
		p.failed.set(fmt.Errorf("quarantine line %d: %w", line, err))
		return
	}
	orig := &kgo.Record{Topic: topology.TopicCurveObservation, Value: value}
	if id, ok := ps.identity(row); ok {
		orig.Key = []byte(curve.Key(id))
	}
	dlq := deadletter.Record(orig, deadletter.Failure{Reason: why.reason, Detail: why.detail, Stage: deadletter.StageLoad}, p.l.cfg.Now())
	p.l.logger.Debug("row quarantined", slog.String("file", p.file), slog.Int("line", line),
		slog.String("reason", why.reason), slog.String("detail", why.detail))
	p.l.client.Produce(p.ctx, dlq, p.promise)
}
