package series_test

import (
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurum-energy/aurum/consumers/materializer/materializertest"
	"github.com/aurum-energy/aurum/consumers/series"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

var (
	vintage1 = time.Date(2026, 1, 30, 0, 0, 0, 0, time.UTC)
	vintage2 = time.Date(2026, 2, 27, 0, 0, 0, 0, time.UTC)
	ingest   = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
)

func observation(month int, value *float64, asof time.Time) schemas.ExtTimeseriesObservation {
	return schemas.ExtTimeseriesObservation{
		Provider: schemas.ProviderFRED, SeriesID: "UNRATE",
		TS:    time.Date(2025, time.Month(month), 1, 0, 0, 0, 0, time.UTC),
		Value: value, ValueRaw: ptr("."), Unit: ptr("Percent"), Frequency: ptr("Monthly"),
		AsofDate: asof, IngestTS: ingest,
	}
}

func (e *env) obsRecord(t *testing.T, o schemas.ExtTimeseriesObservation) *kgo.Record {
	return e.Encode(t, topology.TopicExtTimeseriesObs, string(o.Provider)+":"+o.SeriesID, o)
}

func TestObservationsMaterialize(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	good := []schemas.ExtTimeseriesObservation{
		observation(1, ptr(4.0), vintage1),
		observation(2, nil, vintage1), // FRED "." — missing stays missing
		observation(2, ptr(4.1), vintage2),
		observation(3, ptr(0.0), vintage1), // a real zero stays zero
	}
	var recs []*kgo.Record
	for _, o := range good {
		recs = append(recs, e.obsRecord(t, o))
	}
	bad := observation(4, ptr(1.0), vintage1)
	bad.SeriesID = " "
	recs = append(recs, e.obsRecord(t, bad),
		&kgo.Record{Topic: topology.TopicExtTimeseriesObs, Key: []byte("junk"), Value: []byte("not avro")})
	e.Produce(t, recs...)

	stop := e.start(t, false)
	e.WaitCaughtUp(t, topology.GroupSeriesMaterializer, topology.TopicExtTimeseriesObs, time.Minute)

	if n := e.Count(t, `SELECT count(*) FROM ext_timeseries_observation`); n != 4 {
		t.Fatalf("rows = %d, want 4", n)
	}
	if n := e.Count(t, `SELECT count(*) FROM ext_timeseries_observation
		WHERE ts = '2025-02-01Z' AND asof_date = '2026-01-30' AND value IS NULL AND value_raw = '.'`); n != 1 {
		t.Errorf("the missing February value of the first vintage is not NULL")
	}
	if n := e.Count(t, `SELECT count(*) FROM ext_timeseries_observation WHERE ts = '2025-03-01Z' AND value = 0`); n != 1 {
		t.Errorf("the zero March value is not 0")
	}
	if v := e.Count(t, `SELECT version FROM data_version WHERE dataset = 'series'`); v == 0 {
		t.Errorf("series data version not bumped")
	}

	dl := e.DeadLetters(t, topology.TopicExtTimeseriesObsDLQ)
	if len(dl) != 2 {
		t.Fatalf("dead letters = %d, want 2", len(dl))
	}
	reasons := map[string]string{}
	for _, r := range dl {
		reasons[string(r.Key)] = materializertest.Reason(r)
	}
	if got := reasons["FRED: "]; got != "validate/"+series.ReasonMissingField {
		t.Errorf("blank series dead-lettered as %q", got)
	}
	if got := reasons["junk"]; got != "decode/malformed" {
		t.Errorf("junk dead-lettered as %q", got)
	}

	// Re-delivery (a collector re-publishing the window) changes nothing:
	// the same rows, no row rewritten, the data version left alone.
	before := e.Count(t, `SELECT version FROM data_version WHERE dataset = 'series'`)
	rowVersions := e.Count(t, `SELECT sum(xmin::text::bigint) FROM ext_timeseries_observation`)
	e.Produce(t, recs[:len(good)]...)
	e.WaitCaughtUp(t, topology.GroupSeriesMaterializer, topology.TopicExtTimeseriesObs, time.Minute)
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if n := e.Count(t, `SELECT count(*) FROM ext_timeseries_observation`); n != 4 {
		t.Fatalf("rows after re-delivery = %d, want 4", n)
	}
	if n := e.Count(t, `SELECT count(*) FROM ext_timeseries_observation WHERE value IS NULL`); n != 1 {
		t.Errorf("null values after re-delivery = %d, want 1", n)
	}
	if after := e.Count(t, `SELECT version FROM data_version WHERE dataset = 'series'`); after != before {
		t.Errorf("series data version %d after the re-delivery, want %d", after, before)
	}
	if after := e.Count(t, `SELECT sum(xmin::text::bigint) FROM ext_timeseries_observation`); after != rowVersions {
		t.Errorf("the re-delivery rewrote rows")
	}
	if len(e.DeadLetters(t, topology.TopicExtTimeseriesObsDLQ)) != 2 {
		t.Errorf("re-delivery of good records dead-lettered some")
	}
}

func catalogEntry(title string, updated time.Time) schemas.ExtSeriesCatalogUpsert {
	return schemas.ExtSeriesCatalogUpsert{
		Provider: schemas.ProviderFRED, SeriesID: "UNRATE", Title: title,
		Unit: ptr("Percent"), Frequency: ptr("Monthly"), UpdatedTS: updated,
	}
}

func TestCatalogKeepsNewestUpdate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rec := func(c schemas.ExtSeriesCatalogUpsert) *kgo.Record {
		return e.Encode(t, topology.TopicExtSeriesCatalog, string(c.Provider)+":"+c.SeriesID, c)
	}
	t1, t2 := ingest, ingest.Add(time.Hour)
	noTitle := catalogEntry("", t1)
	noTitle.SeriesID = "GDP"
	// In one batch: the newer update first, an older one after it, and an
	// invalid record.
	e.Produce(t, rec(catalogEntry("Unemployment Rate v2", t2)), rec(catalogEntry("Unemployment Rate v1", t1)), rec(noTitle))
	stop := e.start(t, true)
	e.WaitCaughtUp(t, topology.GroupCatalogMaterializer, topology.TopicExtSeriesCatalog, time.Minute)

	title := func() string {
		var s string
		if err := e.Store.Pool().QueryRow(materializertest.Context(t), `SELECT title FROM ext_series WHERE provider = 'FRED' AND series_id = 'UNRATE'`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	if got := title(); got != "Unemployment Rate v2" {
		t.Errorf("title = %q, want the newest update's", got)
	}
	// An older update in a later batch changes nothing; one of the same
	// time replaces the row; a re-delivery is idempotent.
	e.Produce(t, rec(catalogEntry("stale", t1)))
	e.WaitCaughtUp(t, topology.GroupCatalogMaterializer, topology.TopicExtSeriesCatalog, time.Minute)
	if got := title(); got != "Unemployment Rate v2" {
		t.Errorf("title after a stale update = %q", got)
	}
	e.Produce(t, rec(catalogEntry("Unemployment Rate", t2)), rec(catalogEntry("Unemployment Rate", t2)))
	e.WaitCaughtUp(t, topology.GroupCatalogMaterializer, topology.TopicExtSeriesCatalog, time.Minute)
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if got := title(); got != "Unemployment Rate" {
		t.Errorf("title after a same-time update = %q", got)
	}
	if n := e.Count(t, `SELECT count(*) FROM ext_series WHERE updated_ts IS NOT NULL`); n != 1 {
		t.Errorf("catalog rows = %d, want 1", n)
	}
	dl := e.DeadLetters(t, topology.TopicExtSeriesCatalogDLQ)
	if len(dl) != 1 || materializertest.Reason(dl[0]) != "validate/"+series.ReasonMissingField {
		t.Errorf("dead letters = %d, want the record without a title", len(dl))
	}
}

// Collectors send a catalog record per page, each spanning its page; the
// catalog spans them all, across batches and within one.
func TestCatalogWidensRange(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	page := func(first, last time.Time, updated time.Time) *kgo.Record {
		c := catalogEntry("Unemployment Rate", updated)
		c.FirstTS, c.LastTS = &first, &last
		return e.Encode(t, topology.TopicExtSeriesCatalog, "FRED:UNRATE", c)
	}
	y := func(year int) time.Time { return time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC) }
	stop := e.start(t, true)
	e.Produce(t, page(y(1948), y(1970), ingest))
	e.WaitCaughtUp(t, topology.GroupCatalogMaterializer, topology.TopicExtSeriesCatalog, time.Minute)
	e.Produce(t, page(y(1971), y(1990), ingest.Add(time.Minute)), page(y(1991), y(2024), ingest.Add(2*time.Minute)))
	e.WaitCaughtUp(t, topology.GroupCatalogMaterializer, topology.TopicExtSeriesCatalog, time.Minute)
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	var first, last time.Time
	if err := e.Store.Pool().QueryRow(materializertest.Context(t), `SELECT first_ts, last_ts FROM ext_series
		WHERE provider = 'FRED' AND series_id = 'UNRATE'`).Scan(&first, &last); err != nil {
		t.Fatal(err)
	}
	if !first.Equal(y(1948)) || !last.Equal(y(2024)) {
		t.Fatalf("catalog spans %s – %s, want 1948 – 2024", first, last)
	}
}
