package curvefile

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/internal/deadletter"
	"github.com/aurum-energy/aurum/internal/serde"
	"github.com/aurum-energy/aurum/topology"
)

// Rebuilder turns quarantined rows back into records of
// aurum.curve.observation.v1, with cells an operator corrected
// (`aurum dlq replay --set units_raw=USD/MWh`): a row's dead letter holds
// its raw cells, which are read again with the loader's rules.
type Rebuilder struct {
	set   map[column]string
	serde *serde.Serde
	now   func() time.Time
}

// everyColumn is the layout a quarantined row is read with: its cells are
// named, so their order in the file no longer matters.
var everyColumn, _ = newLayout(columnNames[:])

// NewRebuilder returns a Rebuilder that replaces the cells set names
// (column → value; a column of the README's curve files) in every row it
// rebuilds, encodes with sd, and stamps rows with now as their ingest time.
func NewRebuilder(sd *serde.Serde, set map[string]string, now func() time.Time) (*Rebuilder, error) {
	if sd == nil {
		return nil, fmt.Errorf("curvefile: Rebuilder needs a serde")
	}
	if now == nil {
		now = time.Now
	}
	b := &Rebuilder{set: make(map[column]string, len(set)), serde: sd, now: now}
	var unknown []string
	for name, v := range set {
		c, ok := columnByName[strings.ToLower(strings.TrimSpace(name))]
		if !ok {
			unknown = append(unknown, name)
			continue
		}
		b.set[c] = v
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, fmt.Errorf("curvefile: no column %s (columns are %s)",
			strings.Join(unknown, ", "), strings.Join(columnNames[:], ", "))
	}
	return b, nil
}

// Rebuild is deadletter.ReplayDeps.Rebuild for the dead letters of
// aurum.curve.observation.v1: the observation of a quarantined row, keyed by
// its curve_key, or a *deadletter.Failure saying why the row, corrected,
// still breaks a rule.
func (b *Rebuilder) Rebuild(l deadletter.Letter) (*kgo.Record, error) {
	refuse := func(reason, detail string) error {
		return &deadletter.Failure{Reason: reason, Detail: detail, Stage: deadletter.StageLoad}
	}
	var q quarantined
	if err := json.Unmarshal(l.Record.Value, &q); err != nil || q.Row == nil {
		return nil, refuse(ReasonBadRow, "the dead letter holds no quarantined row")
	}
	row := make([]string, numColumns)
	for name, cell := range q.Row {
		c, ok := columnByName[name]
		if !ok && strings.TrimSpace(cell) != "" {
			return nil, refuse(ReasonBadRow, fmt.Sprintf("cell %q on line %d has no column", cell, q.Line))
		}
		if ok {
			row[c] = cell
		}
	}
	for c, v := range b.set {
		row[c] = v
	}
	excel := strings.EqualFold(filepath.Ext(q.File), ".xlsx")
	p := newParser(everyColumn, q.File, "", excel, false, b.now().UTC())
	o, rerr := p.parse(row, q.Line)
	if rerr != nil {
		return nil, refuse(rerr.reason, rerr.detail)
	}
	v, err := b.serde.Encode(topology.TopicCurveObservation, o)
	if err != nil {
		return nil, fmt.Errorf("encode row %d of %s: %w", q.Line, q.File, err)
	}
	return &kgo.Record{Topic: topology.TopicCurveObservation, Key: []byte(o.CurveKey), Value: v}, nil
}
