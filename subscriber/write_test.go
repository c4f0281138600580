package subscriber_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aurum-energy/aurum/internal/testenv"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/subscriber"
	"github.com/aurum-energy/aurum/subscriber/subscribertest"
)

func TestWriteText(t *testing.T) {
	t.Parallel()
	events := subscribertest.Events()
	succeeded := events[4]
	done := 100.0
	succeeded.ProgressPercent = &done
	tests := []struct {
		name  string
		event schemas.RunEvent
		want  string
	}{
		{"queued", events[0], runAQueued},
		{"running, with its progress", events[2], runARunning},
		{"succeeded, with its outputs and without progress", succeeded, runASucceeded},
		{"failed, with its error quoted", events[5], runBFailed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out testenv.Buffer
			if err := subscriber.WriteText(&out)(context.Background(), tc.event); err != nil {
				t.Fatal(err)
			}
			if got := out.String(); got != tc.want+"\n" {
				t.Errorf("wrote %q, want %q", got, tc.want+"\n")
			}
		})
	}
}

func TestWriteJSON(t *testing.T) {
	t.Parallel()
	var out testenv.Buffer
	if err := subscriber.WriteJSON(&out)(context.Background(), subscribertest.Events()[5]); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out.Lines()[0]), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"event_id": "b000-FAILED", "run_id": subscribertest.RunB, "scenario_id": "5c000000-0000-4000-8000-00000000000b",
		"tenant_id": "globex", "state": "FAILED", "attempt": 1.0, "progress_percent": nil, "output_count": nil,
		"error": "no base curves for 2026-05-01", "occurred_ts": "2026-05-04T09:30:06Z",
	}
	if len(got) != len(want) {
		t.Errorf("json line %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("json line %s = %v, want %v", k, got[k], v)
		}
	}
}
