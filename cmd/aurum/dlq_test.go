package main

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/internal/deadletter"
	"github.com/aurum-energy/aurum/internal/testenv"
	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/topology"
)

// dlqArgs are the settings that point a command at kafka.
func dlqArgs(kafka *testenv.Kafka, extra ...string) []string {
	return append([]string{"--kafka-brokers", strings.Join(kafka.Brokers, ","),
		"--schema-registry-url", kafka.RegistryURL, "--log-level", "error"}, extra...)
}

// TestDLQInspect is the output of `aurum dlq inspect` and its filters on
// three dead letters: a record the materialiser refused and two file rows.
func TestDLQInspect(t *testing.T) {
	t.Parallel()
	kafka := testenv.NewKafka(t)
	cl := kafka.Client(t)
	at := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	refused := &kgo.Record{Topic: topology.TopicCurveObservation, Partition: 4, Offset: 1833, Key: []byte("4be1"),
		Value: []byte{0, 0, 0, 0, 3, 0x14, 0x32}}
	row := func(line, units string) *kgo.Record {
		return &kgo.Record{Topic: topology.TopicCurveObservation, Key: []byte("4be1"),
			Value: []byte(`{"line":` + line + `,"file":"eod.csv","row":{"units_raw":"` + units + `"}}`)}
	}
	letters := []*kgo.Record{
		deadletter.Record(refused, deadletter.Failure{Reason: "constraint_violation", Detail: "mid too high", Stage: deadletter.StageMaterialize}, at),
		deadletter.Record(row("3", ""), deadletter.Failure{Reason: "missing_units", Detail: "units_raw is empty", Stage: deadletter.StageLoad}, at.Add(time.Hour)),
		deadletter.Record(row("4", ""), deadletter.Failure{Reason: "missing_units", Detail: "units_raw is empty", Stage: deadletter.StageLoad}, at.Add(2*time.Hour)),
	}
	for _, l := range letters {
		l.Partition = 0 // one partition, so that offsets are known
	}
	if err := cl.ProduceSync(context.Background(), letters...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	const (
		refusedLine = `2026-11-24T12:00:00.000Z 0/0 materialize/constraint_violation key=4be1 from=aurum.curve.observation.v1/4/1833 detail="mid too high"`
		refusedHex  = `    value 7 bytes, schema id 3: 00000000031432`
		row3        = `2026-11-24T13:00:00.000Z 0/1 load/missing_units key=4be1 from=aurum.curve.observation.v1 detail="units_raw is empty"`
		row3Value   = `    row {"line":3,"file":"eod.csv","row":{"units_raw":""}}`
		row4        = `2026-11-24T14:00:00.000Z 0/2 load/missing_units key=4be1 from=aurum.curve.observation.v1 detail="units_raw is empty"`
		row4Value   = `    row {"line":4,"file":"eod.csv","row":{"units_raw":""}}`
	)
	tests := []struct {
		name    string
		args    []string
		want    []string
		summary string
	}{
		{name: "every dead letter, oldest first", want: []string{refusedLine, refusedHex, row3, row3Value, row4, row4Value},
			summary: "3 dead letters, 3 matched, 3 shown"},
		{name: "by reason", args: []string{"--reason", "missing_units"}, want: []string{row3, row3Value, row4, row4Value},
			summary: "3 dead letters, 2 matched, 2 shown"},
		{name: "by stage", args: []string{"--stage", "materialize"}, want: []string{refusedLine, refusedHex},
			summary: "3 dead letters, 1 matched, 1 shown"},
		{name: "a window", args: []string{"--since", "2026-11-24T13:00:00Z", "--until", "2026-11-24T13:30:00Z"},
			want: []string{row3, row3Value}, summary: "3 dead letters, 1 matched, 1 shown"},
		{name: "a day", args: []string{"--since", "2026-11-25"}, want: []string{""},
			summary: "3 dead letters, 0 matched, 0 shown"},
		{name: "a limit", args: []string{"--limit", "1", "--reason", "missing_units,no_price"}, want: []string{row3, row3Value},
			summary: "3 dead letters, 2 matched, 1 shown"},
		{name: "as JSON", args: []string{"--json", "--limit", "1"},
			want:    []string{`{"partition":0,"offset":0,"time":"2026-11-24T12:00:00Z","stage":"materialize","reason":"constraint_violation","detail":"mid too high","topic":"aurum.curve.observation.v1","source_partition":4,"source_offset":1833,"replay_of":null,"key":"4be1","value_hex":"00000000031432","value_bytes":7,"schema_id":3}`},
			summary: "3 dead letters, 3 matched, 1 shown"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var flags dlqFlags
			inv, err := parse("dlq inspect", dlqUsage, dlqArgs(kafka, tc.args...), flags.register)
			if err != nil {
				t.Fatal(err)
			}
			var out, summary testenv.Buffer
			if err := inspectDLQ(context.Background(), inv.cfg, inv.logger, topology.TopicCurveObservationDLQ, flags, &out, &summary); err != nil {
				t.Fatal(err)
			}
			if got := out.Lines(); !slices.Equal(got, tc.want) {
				t.Errorf("printed\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			if want := topology.TopicCurveObservationDLQ + ": " + tc.summary + "\n"; summary.String() != want {
				t.Errorf("summary %q, want %q", summary.String(), want)
			}
		})
	}
}

// TestDLQReplay runs the README's workflow with the commands: a file row
// without units is quarantined by `aurum load curves`, and `aurum dlq
// replay --set units_raw=…` lists it in a dry run, then publishes it once.
func TestDLQReplay(t *testing.T) {
	t.Parallel()
	kafka := testenv.NewKafka(t)
	ctx := context.Background()
	if err := run(ctx, append([]string{"load", "curves"}, dlqArgs(kafka, "--no-progress", "../../testdata/curves/sample_bad.csv")...), io.Discard); err != nil {
		t.Fatal(err)
	}
	replay := func(args ...string) []string {
		t.Helper()
		var flags dlqFlags
		inv, err := parse("dlq replay", dlqUsage, dlqArgs(kafka, args...), flags.register)
		if err != nil {
			t.Fatal(err)
		}
		var out testenv.Buffer
		if err := replayDLQ(ctx, inv.cfg, inv.logger, topology.TopicCurveObservationDLQ, flags, &out); err != nil {
			t.Fatal(err)
		}
		return out.Lines()
	}
	fix := []string{"--reason", "missing_units", "--set", "units_raw=USD/MWh"}
	const dlq = topology.TopicCurveObservationDLQ + ": "

	got := replay(append(fix, "--dry-run")...)
	if len(got) != 2 || !strings.HasPrefix(got[0], "would replay ") || !strings.HasSuffix(got[0], " to aurum.curve.observation.v1") ||
		got[1] != dlq+"seen 5, matched 1, would replay 1, skipped 0" {
		t.Fatalf("dry run printed %q", got)
	}
	if got := replay(fix...); !slices.Equal(got, []string{dlq + "seen 5, matched 1, replayed 1, skipped 0"}) {
		t.Fatalf("replay printed %q", got)
	}
	if got := replay("--reason", "missing_units,no_price", "--set", "units_raw=USD/MWh"); len(got) != 2 ||
		!strings.HasSuffix(got[0], ": still no_price") || got[1] != dlq+"seen 5, matched 2, replayed 0, skipped 2 (already replayed 1, still no_price 1)" {
		t.Fatalf("second replay printed %q", got)
	}

	cl := kafka.Client(t)
	var replayed []string
	err := collector.ReadTopic(ctx, cl, topology.TopicCurveObservation, true, func(r *kgo.Record) {
		if from := deadletter.Header(r, deadletter.HeaderReplayFrom); from != "" {
			replayed = append(replayed, from)
		}
	})
	if err != nil || len(replayed) != 1 || !strings.HasPrefix(replayed[0], topology.TopicCurveObservationDLQ+"/") {
		t.Fatalf("replayed records %v (%v), want the one row without units", replayed, err)
	}
}

func TestDLQUsage(t *testing.T) {
	t.Parallel()
	for name, args := range map[string][]string{
		"no verb":                 {},
		"an unknown verb":         {"purge", topology.TopicCurveObservationDLQ},
		"no topic":                {"inspect"},
		"a record topic":          {"inspect", topology.TopicCurveObservation},
		"two topics":              {"replay", topology.TopicCurveObservationDLQ, topology.TopicIsoLmpDLQ},
		"--set on other topics":   {"replay", topology.TopicIsoLmpDLQ, "--set", "units_raw=USD/MWh"},
		"--set with other stages": {"replay", topology.TopicCurveObservationDLQ, "--stage", "decode", "--set", "units_raw=USD/MWh"},
		"--json on replay":        {"replay", topology.TopicCurveObservationDLQ, "--json"},
		"--dry-run on inspect":    {"inspect", topology.TopicCurveObservationDLQ, "--dry-run"},
		"a bad time":              {"inspect", topology.TopicCurveObservationDLQ, "--since", "yesterday"},
		"an unknown stage":        {"inspect", topology.TopicCurveObservationDLQ, "--stage", "loading"},
	} {
		err := runDLQ(context.Background(), append(args, "--kafka-brokers", "127.0.0.1:1"))
		if !errors.Is(err, errUsage) {
			t.Errorf("%s: %v, want a usage error", name, err)
		}
	}
}
