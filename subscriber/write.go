package subscriber

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/aurum-energy/aurum/internal/runs"
	"github.com/aurum-energy/aurum/schemas"
)

// WriteText returns a Handler that writes each event to w as a line of
// text: time (UTC, milliseconds), tenant, run, scenario, state and attempt,
// then the progress of a run still going, the output count and the error
// when the event has them:
//
//	2026-05-04T09:30:05.000Z tenant=acme run=a0… scenario=5c… state=SUCCEEDED attempt=1 outputs=240
//
// This is the format of `aurum runs watch`.
func WriteText(w io.Writer) Handler {
	return func(_ context.Context, ev schemas.RunEvent) error {
		var b strings.Builder
		fmt.Fprintf(&b, "%s tenant=%s run=%s scenario=%s state=%s attempt=%d",
			ev.OccurredTS.UTC().Format("2006-01-02T15:04:05.000Z"), ev.TenantID, ev.RunID, ev.ScenarioID, ev.State, ev.Attempt)
		if ev.ProgressPercent != nil && !ev.State.Terminal() {
			fmt.Fprintf(&b, " progress=%g%%", *ev.ProgressPercent)
		}
		if ev.OutputCount != nil {
			fmt.Fprintf(&b, " outputs=%d", *ev.OutputCount)
		}
		if ev.Error != nil {
			fmt.Fprintf(&b, " error=%q", *ev.Error)
		}
		b.WriteByte('\n')
		if _, err := io.WriteString(w, b.String()); err != nil {
			return fmt.Errorf("write: %w", err)
		}
		return nil
	}
}

// WriteJSON returns a Handler that writes each event to w as a JSON object
// on a line of its own, with the RunEvent's field names and every field
// present (null when missing); occurred_ts is RFC 3339 in UTC. This is the
// format of `aurum runs watch --json`.
func WriteJSON(w io.Writer) Handler {
	return func(_ context.Context, ev schemas.RunEvent) error {
		b, err := json.Marshal(runs.JSONOf(ev))
		if err != nil {
			return fmt.Errorf("encode event %s: %w", ev.EventID, err)
		}
		if _, err := fmt.Fprintf(w, "%s\n", b); err != nil {
			return fmt.Errorf("write: %w", err)
		}
		return nil
	}
}
