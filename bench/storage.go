package main

import (
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/aurum-energy/aurum/topology"
)

// statsSettle is how long after a load the rows-written figure is read. A
// backend flushes its table statistics at most once a second, and one that
// goes idle with statistics still pending flushes them only after
// PostgreSQL's idle interval of 10 s (PGSTAT_IDLE_INTERVAL): the
// materialiser's pooled connections stay open, so only waiting that long
// is sure to see all their writes.
const statsSettle = 11 * time.Second

// measureAurum runs the aurum side of figures 1–4 and 7 through the
// running `aurum dev`.
func (s *setup) measureAurum(ctx context.Context, aurum string, w *workload, r *setupReport) error {
	progress("%s: aurum: load curves of %d rows until the materialiser has committed them", s.kind.name, w.rows())
	if s.kind.timescale {
		// The files are older than the policy's 30 days: left to its
		// schedule, the policy could compress their chunk in the middle of
		// a load. Figure 2 runs it when its turn comes.
		if _, err := s.pool.Exec(ctx, `SELECT alter_job(job_id, scheduled => false) FROM timescaledb_information.jobs
			WHERE proc_name = 'policy_compression'`); err != nil {
			return err
		}
	}
	before, err := s.checkpointed(ctx, "SELECT pg_database_size(current_database())")
	if err != nil {
		return err
	}
	empty := before
	if r.aurum.load, err = s.aurumLoad(ctx, aurum, w.file1, w.rows()); err != nil {
		return err
	}
	r.loader = s.loaderTook
	var n int
	if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM curve_observation WHERE asof_date = $1", w.day1).Scan(&n); err != nil {
		return err
	}
	if n != w.rows() {
		return fmt.Errorf("aurum: %d rows of %s queryable once the materialiser caught up, want %d", n, w.day1.Format(time.DateOnly), w.rows())
	}
	if r.peakRSS, err = s.dev.peakRSS(); err != nil {
		return err
	}
	after, err := s.checkpointed(ctx, "SELECT pg_database_size(current_database())")
	if err != nil {
		return err
	}
	r.aurum.growth = after - before
	if s.kind.timescale {
		if r.compression, err = s.compress(ctx, before); err != nil {
			return err
		}
	}

	progress("%s: aurum: loading the same file again", s.kind.name)
	if _, err := s.pool.Exec(ctx, "VACUUM (ANALYZE)"); err != nil {
		return err
	}
	// The first load's statistics reach pg_stat_user_tables only when the
	// materialiser's sessions flush them: wait, or the reload is charged
	// with some of the first load's rows.
	select {
	case <-time.After(statsSettle):
	case <-ctx.Done():
		return ctx.Err()
	}
	mark, err := s.markWrites(ctx)
	if err != nil {
		return err
	}
	if r.aurum.reload.took, err = s.aurumLoad(ctx, aurum, w.file1, w.rows()); err != nil {
		return err
	}
	if r.aurum.reload.wal, err = s.walSince(ctx, mark); err != nil {
		return err
	}
	select {
	case <-time.After(statsSettle):
	case <-ctx.Done():
		return ctx.Err()
	}
	if r.aurum.reload.rows, err = s.rowsWrittenSince(ctx, mark); err != nil {
		return err
	}

	progress("%s: aurum: the next day's file", s.kind.name)
	if before, err = s.checkpointed(ctx, "SELECT pg_database_size(current_database())"); err != nil {
		return err
	}
	if r.aurum.day2, err = s.aurumLoad(ctx, aurum, w.file2, w.rows()); err != nil {
		return err
	}
	if after, err = s.checkpointed(ctx, "SELECT pg_database_size(current_database())"); err != nil {
		return err
	}
	r.aurum.day2Growth = after - before
	if s.kind.timescale {
		// Both days in the chunk, as history is: compressed again.
		if r.compressionBoth, err = s.compress(ctx, empty); err != nil {
			return err
		}
	}
	return nil
}

var loadSummary = regexp.MustCompile(`published (\d+), quarantined (\d+)`)

// aurumLoad runs `aurum load curves` on file and returns the time from its
// start until the curve materialiser has committed offsets at the end of
// every partition of the topic. The materialiser commits only after the
// rows are committed to PostgreSQL, so by then every row is queryable.
func (s *setup) aurumLoad(ctx context.Context, aurum, file string, rows int) (time.Duration, error) {
	start := time.Now()
	cmd := exec.CommandContext(ctx, aurum, "load", "curves", "--no-progress", file)
	cmd.Env = s.dev.env()
	out, err := cmd.CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("aurum load curves %s: %w: %s", file, err, out)
	}
	s.loaderTook = time.Since(start)
	m := loadSummary.FindSubmatch(out)
	if m == nil || string(m[1]) != strconv.Itoa(rows) || string(m[2]) != "0" {
		return 0, fmt.Errorf("aurum load curves %s: want %d rows published and none quarantined: %s", file, rows, out)
	}
	if err := s.dev.waitCaughtUp(ctx, 15*time.Minute); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// waitCaughtUp polls until the curve materialiser's group has committed
// the end offset of every partition of the curve topic.
func (d *devProcess) waitCaughtUp(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		lag, err := d.curveLag(ctx)
		if err != nil {
			return err
		}
		if lag == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the curve materialiser is %d records behind after %s (log: %s)", lag, timeout, d.logTail())
		}
		select {
		case <-d.exited:
			return fmt.Errorf("aurum dev exited: %v (log: %s)", d.waitErr, d.logTail())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// curveLag is how many records of the curve topic the curve materialiser
// has not committed yet.
func (d *devProcess) curveLag(ctx context.Context) (int64, error) {
	ends, err := d.admin.ListEndOffsets(ctx, topology.TopicCurveObservation)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		return 0, fmt.Errorf("end offsets of %s: %w", topology.TopicCurveObservation, err)
	}
	committed, err := d.admin.FetchOffsets(ctx, topology.GroupCurveMaterializer)
	if err == nil {
		err = committed.Error()
	}
	if err != nil {
		return 0, fmt.Errorf("offsets of %s: %w", topology.GroupCurveMaterializer, err)
	}
	var lag int64
	ends.Each(func(end kadm.ListedOffset) {
		at := int64(0)
		if c, ok := committed.Lookup(end.Topic, end.Partition); ok && c.At > 0 {
			at = c.At
		}
		lag += max(0, end.Offset-at)
	})
	return lag, nil
}

// compress runs every compression policy job now and measures the database
// growth since before (bytes before the first load) again, and the bytes
// TimescaleDB reports for compressed data.
func (s *setup) compress(ctx context.Context, before int64) (compressionFigures, error) {
	var c compressionFigures
	rows, err := s.pool.Query(ctx, "SELECT job_id FROM timescaledb_information.jobs WHERE proc_name = 'policy_compression'")
	if err != nil {
		return c, err
	}
	jobs, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return c, err
	}
	c.jobs = len(jobs)
	if c.jobs == 0 {
		return c, nil
	}
	progress("%s: aurum: running %d compression policy job(s)", s.kind.name, c.jobs)
	for _, id := range jobs {
		if _, err := s.pool.Exec(ctx, "CALL run_job($1)", id); err != nil {
			return c, fmt.Errorf("run_job(%d): %w", id, err)
		}
	}
	after, err := s.checkpointed(ctx, "SELECT pg_database_size(current_database())")
	if err != nil {
		return c, err
	}
	c.growth = after - before
	c.compressedBytes, c.haveCompressed = s.compressedBytes(ctx)
	return c, nil
}

// compressedBytes sums the compressed size of every hypertable, under the
// name of the statistics function of either TimescaleDB generation.
func (s *setup) compressedBytes(ctx context.Context) (int64, bool) {
	for _, fn := range []string{"hypertable_compression_stats", "hypertable_columnstore_stats"} {
		var n int64
		err := s.pool.QueryRow(ctx, `SELECT coalesce(sum(st.after_compression_total_bytes), 0)::bigint
			FROM timescaledb_information.hypertables h,
			LATERAL `+fn+`(format('%I.%I', h.hypertable_schema, h.hypertable_name)::regclass) st`).Scan(&n)
		if err == nil {
			return n, true
		}
	}
	return 0, false
}

// checkpointed runs a CHECKPOINT, so that sizes include what is still only
// in the WAL, and then the size query.
func (s *setup) checkpointed(ctx context.Context, sizeQuery string) (int64, error) {
	if _, err := s.pool.Exec(ctx, "CHECKPOINT"); err != nil {
		return 0, err
	}
	var n int64
	err := s.pool.QueryRow(ctx, sizeQuery).Scan(&n)
	return n, err
}

// writeMark is where the database's writes stood at one moment.
type writeMark struct {
	rows int64  // rows inserted, updated and deleted in every table
	lsn  string // WAL position
}

// rowsWrittenQuery sums the rows written to every table but temporary
// ones, TimescaleDB's chunks (_timescaledb_internal) included.
const rowsWrittenQuery = `SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)::bigint
	FROM pg_stat_user_tables WHERE schemaname NOT LIKE 'pg\_temp\_%'`

func (s *setup) markWrites(ctx context.Context) (writeMark, error) {
	var m writeMark
	rows, err := s.rowsWritten(ctx)
	if err != nil {
		return m, err
	}
	m.rows = rows
	err = s.pool.QueryRow(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&m.lsn)
	return m, err
}

func (s *setup) rowsWrittenSince(ctx context.Context, m writeMark) (int64, error) {
	rows, err := s.rowsWritten(ctx)
	return rows - m.rows, err
}

func (s *setup) walSince(ctx context.Context, m writeMark) (int64, error) {
	var n int64
	err := s.pool.QueryRow(ctx, "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::bigint", m.lsn).Scan(&n)
	return n, err
}

// rowsWritten reads the statistics afresh: without pg_stat_clear_snapshot
// a session may keep answering from the snapshot it read first.
func (s *setup) rowsWritten(ctx context.Context) (int64, error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_stat_clear_snapshot()"); err != nil {
		return 0, err
	}
	var n int64
	if err := conn.QueryRow(ctx, rowsWrittenQuery).Scan(&n); err != nil {
		return 0, fmt.Errorf("read pg_stat_user_tables: %w", err)
	}
	return n, nil
}
