package registry_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/aurum-energy/aurum/internal/broker"
	"github.com/aurum-energy/aurum/internal/registry"
)

const (
	obsV1 = `{"type":"record","name":"Obs","namespace":"aurum.test","fields":[
		{"name":"id","type":"string"}]}`
	// obsV2 adds an optional field: readable with v1 data under BACKWARD.
	obsV2 = `{"type":"record","name":"Obs","namespace":"aurum.test","fields":[
		{"name":"id","type":"string"},
		{"name":"note","type":["null","string"],"default":null}]}`
	// obsNoDefault adds a field without default: v1 data cannot be read.
	obsNoDefault = `{"type":"record","name":"Obs","namespace":"aurum.test","fields":[
		{"name":"id","type":"string"},
		{"name":"value","type":"double"}]}`
	// obsDropped removes obsNoDefault's value field: a v1 reader of new
	// data misses a field it has no default for.
	obsDropped = `{"type":"record","name":"Obs","namespace":"aurum.test","fields":[
		{"name":"id","type":"string"}]}`
	other = `{"type":"record","name":"Other","namespace":"aurum.test","fields":[
		{"name":"n","type":"long"}]}`
)

// env is a broker and a registry on one data directory, restartable.
type env struct {
	t      *testing.T
	dir    string
	broker *broker.Broker
	reg    *registry.Server
	client *sr.Client
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir()}
	e.start()
	t.Cleanup(e.stop)
	return e
}

func (e *env) start() {
	e.t.Helper()
	logger := slog.New(slog.DiscardHandler)
	b, err := broker.New(broker.Config{Addr: "127.0.0.1:0", DataDir: e.dir}, logger)
	if err != nil {
		e.t.Fatalf("start broker: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	reg, err := registry.New(ctx, registry.Config{Addr: "127.0.0.1:0", Brokers: b.Addrs()}, logger)
	if err != nil {
		b.Close()
		e.t.Fatalf("start registry: %v", err)
	}
	cl, err := sr.NewClient(sr.URLs(reg.URL()))
	if err != nil {
		e.t.Fatalf("registry client: %v", err)
	}
	e.broker, e.reg, e.client = b, reg, cl
}

func (e *env) stop() {
	if e.reg == nil {
		return
	}
	if err := e.reg.Close(); err != nil {
		e.t.Errorf("close registry: %v", err)
	}
	e.broker.Close()
	e.reg, e.broker = nil, nil
}

func (e *env) restart() {
	e.t.Helper()
	e.stop()
	e.start()
}

func (e *env) register(ctx context.Context, subject, schema string) sr.SubjectSchema {
	e.t.Helper()
	ss, err := e.client.CreateSchema(ctx, subject, sr.Schema{Schema: schema})
	if err != nil {
		e.t.Fatalf("register %s: %v", subject, err)
	}
	return ss
}

func (e *env) setCompat(ctx context.Context, level sr.CompatibilityLevel, subjects ...string) {
	e.t.Helper()
	for _, res := range e.client.SetCompatibility(ctx, sr.SetCompatibility{Level: level}, subjects...) {
		if res.Err != nil {
			e.t.Fatalf("set compatibility %v on %v: %v", level, subjects, res.Err)
		}
	}
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestRegisterEnforcesCompatibility(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tests := []struct {
		name        string
		level       sr.CompatibilityLevel // subject level; 0 = global BACKWARD
		history     []string
		candidate   string
		wantCode    int // Confluent error_code; 0 = accepted
		wantVersion int
	}{
		{name: "first version", candidate: obsV1, wantVersion: 1},
		{name: "optional field added under BACKWARD", history: []string{obsV1}, candidate: obsV2, wantVersion: 2},
		{name: "field without default under BACKWARD", history: []string{obsV1}, candidate: obsNoDefault, wantCode: 409},
		{name: "field without default under NONE", level: sr.CompatNone, history: []string{obsV1}, candidate: obsNoDefault, wantVersion: 2},
		{name: "field removed under FORWARD", level: sr.CompatForward, history: []string{obsNoDefault}, candidate: obsDropped, wantCode: 409},
		{name: "field without default under FULL", level: sr.CompatFull, history: []string{obsV1}, candidate: obsNoDefault, wantCode: 409},
		{name: "only the latest version under BACKWARD", history: []string{obsNoDefault, obsV2}, candidate: obsV1, wantVersion: 3},
		{name: "every version under BACKWARD_TRANSITIVE", level: sr.CompatBackwardTransitive, history: []string{obsV1, obsV2}, candidate: obsNoDefault, wantCode: 409},
		{name: "identical schema keeps its version", history: []string{obsV1, obsV2}, candidate: obsV1, wantVersion: 1},
		{name: "unparsable schema", candidate: `{"type":"record","name":"Bad","fields":[{"name":"x","type":"nope"}]}`, wantCode: 42201},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := testContext(t)
			subject := "aurum.test." + strings.ReplaceAll(tc.name, " ", "_") + "-value"
			if tc.level != 0 {
				e.setCompat(ctx, tc.level, subject)
			}
			ids := map[int]bool{}
			for _, s := range tc.history {
				ids[e.register(ctx, subject, s).ID] = true
			}

			ss, err := e.client.CreateSchema(ctx, subject, sr.Schema{Schema: tc.candidate})
			if tc.wantCode != 0 {
				var re *sr.ResponseError
				if !errors.As(err, &re) || re.ErrorCode != tc.wantCode {
					t.Fatalf("CreateSchema error = %v, want error_code %d", err, tc.wantCode)
				}
				if tc.wantCode == 409 && re.StatusCode != http.StatusConflict {
					t.Fatalf("HTTP status = %d, want 409", re.StatusCode)
				}
				versions, _ := e.client.SubjectVersions(ctx, subject)
				if len(versions) != len(tc.history) {
					t.Fatalf("versions after refusal = %v, want %d", versions, len(tc.history))
				}
				return
			}
			if err != nil {
				t.Fatalf("CreateSchema: %v", err)
			}
			if ss.Version != tc.wantVersion {
				t.Fatalf("version = %d, want %d", ss.Version, tc.wantVersion)
			}
			if len(tc.history) >= tc.wantVersion && !ids[ss.ID] {
				t.Fatalf("re-registered schema got new id %d, want one of %v", ss.ID, ids)
			}
		})
	}
}

// TestIncompatibleRawHTTP checks the exact response a non-Go client sees.
func TestIncompatibleRawHTTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := testContext(t)
	const subject = "aurum.test.raw.v1-value"
	e.register(ctx, subject, obsV1)

	body, _ := json.Marshal(map[string]string{"schema": obsNoDefault})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, e.reg.URL()+"/subjects/"+subject+"/versions", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/vnd.schemaregistry.v1+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)

	if resp.StatusCode != http.StatusConflict {
		t.Fatalf("status = %d, want 409; body %s", resp.StatusCode, raw)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/vnd.schemaregistry.v1+json" {
		t.Fatalf("Content-Type = %q", ct)
	}
	var got struct {
		ErrorCode int    `json:"error_code"`
		Message   string `json:"message"`
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	wantPrefix := `Schema being registered is incompatible with an earlier schema for subject "` + subject + `", details: [`
	if got.ErrorCode != 409 || !strings.HasPrefix(got.Message, wantPrefix) || !strings.HasSuffix(got.Message, "]") {
		t.Fatalf("body = %s, want error_code 409 and message starting %q", raw, wantPrefix)
	}
}

func TestCompatibilityEndpoint(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := testContext(t)
	const subject = "aurum.test.compat.v1-value"
	e.register(ctx, subject, obsNoDefault) // v1
	e.register(ctx, subject, obsV1)        // v2: drops value, fine under BACKWARD

	tests := []struct {
		name      string
		subject   string
		version   int // -1 latest, -2 all versions
		candidate string
		want      bool
		wantCode  int
	}{
		{name: "compatible with latest", subject: subject, version: -1, candidate: obsV2, want: true},
		{name: "incompatible with latest", subject: subject, version: -1, candidate: obsNoDefault, want: false},
		{name: "compatible with version 1", subject: subject, version: 1, candidate: obsNoDefault, want: true},
		{name: "incompatible with version 1", subject: subject, version: 1, candidate: other, want: false},
		{name: "all versions under BACKWARD checks the latest", subject: subject, version: -2, candidate: obsV2, want: true},
		{name: "unknown subject", subject: "aurum.test.none-value", version: -1, candidate: obsV1, wantCode: 40401},
		{name: "unknown version", subject: subject, version: 9, candidate: obsV1, wantCode: 40402},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res, err := e.client.CheckCompatibility(ctx, tc.subject, tc.version, sr.Schema{Schema: tc.candidate})
			if tc.wantCode != 0 {
				var re *sr.ResponseError
				if !errors.As(err, &re) || re.ErrorCode != tc.wantCode {
					t.Fatalf("error = %v, want error_code %d", err, tc.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatalf("CheckCompatibility: %v", err)
			}
			if res.Is != tc.want {
				t.Fatalf("is_compatible = %v, want %v (messages %v)", res.Is, tc.want, res.Messages)
			}
			if !res.Is && len(res.Messages) == 0 {
				t.Fatal("incompatible without messages")
			}
		})
	}
}

// TestRestartKeepsRegistrations registers, configures and deletes, restarts
// broker and registry on the same directory twice, and checks that a client
// sees the same subjects, versions, IDs and configs, and that new schemas
// get IDs that were never used.
func TestRestartKeepsRegistrations(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := testContext(t)
	const (
		subjA    = "aurum.test.a.v1-value"
		subjB    = "aurum.test.b.v1-value"
		subjGone = "aurum.test.gone.v1-value"
		subjSoft = "aurum.test.soft.v1-value"
	)

	var want []sr.SubjectSchema
	want = append(want, e.register(ctx, subjA, obsV1), e.register(ctx, subjA, obsV2))
	want = append(want, e.register(ctx, subjB, obsV1)) // same schema as A v1: same id
	if want[2].ID != want[0].ID {
		t.Fatalf("identical schema under another subject got id %d, want %d", want[2].ID, want[0].ID)
	}
	e.setCompat(ctx, sr.CompatNone, subjA)
	want = append(want, e.register(ctx, subjA, obsNoDefault))
	e.setCompat(ctx, sr.CompatFull) // global

	// A soft-deleted version stays deleted; registering its schema again
	// makes a new version with the same id.
	softV1 := e.register(ctx, subjSoft, obsV1)
	softV2 := e.register(ctx, subjSoft, obsV2)
	if err := e.client.DeleteSchema(ctx, subjSoft, softV2.Version, sr.SoftDelete); err != nil {
		t.Fatalf("soft delete version: %v", err)
	}
	want = append(want, softV1)

	gone := e.register(ctx, subjGone, other)
	if _, err := e.client.DeleteSubject(ctx, subjGone, sr.SoftDelete); err != nil {
		t.Fatalf("soft delete: %v", err)
	}
	if _, err := e.client.DeleteSubject(ctx, subjGone, sr.HardDelete); err != nil {
		t.Fatalf("hard delete: %v", err)
	}
	wantSubjects := []string{subjA, subjB, subjSoft}
	maxID := gone.ID
	for _, ss := range want {
		maxID = max(maxID, ss.ID)
	}

	for restart := 1; restart <= 2; restart++ {
		e.restart()
		checks := []struct {
			name  string
			check func(t *testing.T)
		}{
			{"subjects", func(t *testing.T) {
				subjects, err := e.client.Subjects(ctx)
				if err != nil || !slices.Equal(subjects, wantSubjects) {
					t.Fatalf("Subjects() = %v, %v; want %v", subjects, err, wantSubjects)
				}
			}},
			{"versions and ids", func(t *testing.T) {
				for _, w := range want {
					got, err := e.client.SchemaByVersion(ctx, w.Subject, w.Version)
					if err != nil || got.ID != w.ID || got.Schema.Schema != w.Schema.Schema {
						t.Errorf("%s v%d = id %d, %v; want id %d", w.Subject, w.Version, got.ID, err, w.ID)
					}
					byID, err := e.client.SchemaByID(ctx, w.ID)
					if err != nil || byID.Schema != w.Schema.Schema {
						t.Errorf("schema id %d = %q, %v; want %q", w.ID, byID.Schema, err, w.Schema.Schema)
					}
				}
			}},
			{"configs", func(t *testing.T) {
				res := e.client.Compatibility(sr.WithParams(ctx, sr.DefaultToGlobal), subjA, subjB, sr.GlobalSubject)
				for i, want := range []sr.CompatibilityLevel{sr.CompatNone, sr.CompatFull, sr.CompatFull} {
					if res[i].Err != nil || res[i].Level != want {
						t.Errorf("compatibility of %q = %v, %v; want %v", res[i].Subject, res[i].Level, res[i].Err, want)
					}
				}
			}},
			{"soft-deleted version", func(t *testing.T) {
				versions, err := e.client.SubjectVersions(ctx, subjSoft)
				if err != nil || !slices.Equal(versions, []int{1}) {
					t.Fatalf("versions of %s = %v, %v; want [1]", subjSoft, versions, err)
				}
			}},
			{"compatibility still enforced", func(t *testing.T) {
				_, err := e.client.CreateSchema(ctx, subjB, sr.Schema{Schema: obsNoDefault})
				var re *sr.ResponseError
				if !errors.As(err, &re) || re.ErrorCode != 409 {
					t.Fatalf("incompatible registration under FULL: %v, want 409", err)
				}
			}},
		}
		for _, c := range checks {
			t.Run(c.name, c.check)
		}

		name := fmt.Sprintf("Fresh%d", restart)
		fresh := e.register(ctx, "aurum.test."+strings.ToLower(name)+".v1-value",
			strings.Replace(other, `"Other"`, `"`+name+`"`, 1))
		if fresh.ID <= maxID {
			t.Fatalf("after restart %d a new schema got id %d, want > %d", restart, fresh.ID, maxID)
		}
		maxID = fresh.ID
		want = append(want, fresh)
		wantSubjects = append(wantSubjects, fresh.Subject)
		slices.Sort(wantSubjects)
	}

	again := e.register(ctx, subjSoft, obsV2)
	if again.ID != softV2.ID || again.Version != softV2.Version+1 {
		t.Fatalf("re-registered soft-deleted schema = id %d v%d, want id %d v%d", again.ID, again.Version, softV2.ID, softV2.Version+1)
	}
}
