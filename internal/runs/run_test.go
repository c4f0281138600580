package runs

import (
	"testing"
	"time"

	"github.com/aurum-energy/aurum/schemas"
)

// TestEventIDIsStable: subscribers deduplicate by event id across releases
// and across the API and the worker, so the id of a state change is
// pinned.
func TestEventIDIsStable(t *testing.T) {
	const run = "6f1c2a4e-0d3b-4c1e-9a57-2b8d4e6f8a10"
	if got, want := EventID(run, schemas.RunSucceeded, 1), "2d91ebb5-27c7-861e-bc70-a2c928ecfe51"; got != want {
		t.Errorf("EventID = %s, want %s", got, want)
	}
	if EventID(run, schemas.RunSucceeded, 2) == EventID(run, schemas.RunSucceeded, 1) ||
		EventID(run, schemas.RunFailed, 1) == EventID(run, schemas.RunSucceeded, 1) {
		t.Error("EventID does not tell attempts or states apart")
	}
}

func TestEvent(t *testing.T) {
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.FixedZone("CET", 3600))
	n := 42
	r := Run{Tenant: "acme", ID: "r1", ScenarioID: "s1", State: schemas.RunSucceeded, Attempt: 2, OutputCount: &n}
	ev := Event(r, at)
	if ev.EventID != EventID("r1", schemas.RunSucceeded, 2) || ev.TenantID != "acme" || ev.Attempt != 2 ||
		ev.OutputCount == nil || *ev.OutputCount != 42 || ev.ProgressPercent == nil || *ev.ProgressPercent != 100 ||
		!ev.OccurredTS.Equal(at) || ev.OccurredTS.Location() != time.UTC {
		t.Errorf("Event = %+v", ev)
	}
	r.State, r.OutputCount = schemas.RunQueued, nil
	if ev := Event(r, at); ev.ProgressPercent != nil || ev.OutputCount != nil || ev.State != schemas.RunQueued {
		t.Errorf("QUEUED event = %+v, want no progress or output count", ev)
	}
}
