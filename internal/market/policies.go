package market

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
)

// Policies are the TimescaleDB policies of the market hypertables.
type Policies struct {
	// CompressAfter is the age (of a chunk's newest time) after which its
	// chunks are compressed; 0 removes the compression policy.
	CompressAfter time.Duration
	// Retain is, per dataset (DatasetCurves, DatasetISO, DatasetSeries),
	// the age after which chunks are dropped; absent or 0 keeps them.
	Retain map[string]time.Duration
}

// hypertables are the fact tables of each dataset that are hypertables
// under TimescaleDB.
var hypertables = map[string][]string{
	DatasetCurves: {"curve_observation"},
	DatasetISO:    {"iso_lmp", "iso_load"},
	DatasetSeries: {"ext_timeseries_observation"},
}

// ApplyPolicies makes the compression and retention policies of the market
// hypertables those of p, changing only what differs, and logs what it
// changed. On plain PostgreSQL (timescale false) there is nothing to apply;
// a retention asked for there is logged as not applied.
func ApplyPolicies(ctx context.Context, db Querier, timescale bool, p Policies, logger *slog.Logger) error {
	if !timescale {
		for dataset, age := range p.Retain {
			if age > 0 {
				logger.Warn("market: TimescaleDB is not in use, so no retention applies", slog.String("dataset", dataset), slog.Duration("retain", age))
			}
		}
		return nil
	}
	for dataset, tables := range hypertables {
		for _, table := range tables {
			if err := applyPolicy(ctx, db, table, "policy_compression", "compress_after", p.CompressAfter, logger); err != nil {
				return err
			}
			if err := applyPolicy(ctx, db, table, "policy_retention", "drop_after", p.Retain[dataset], logger); err != nil {
				return err
			}
		}
	}
	return nil
}

// applyPolicy makes the policy proc of table take arg = age, or removes it
// when age is 0.
func applyPolicy(ctx context.Context, db Querier, table, proc, arg string, age time.Duration, logger *slog.Logger) error {
	var current *time.Duration
	err := db.QueryRow(ctx, `SELECT (config->>$3)::interval FROM timescaledb_information.jobs
		WHERE proc_name = $1 AND hypertable_name = $2`, proc, table, arg).Scan(&current)
	if err != nil && !isNoRows(err) {
		return fmt.Errorf("read %s of %s: %w", proc, table, err)
	}
	if current != nil && *current == age {
		return nil
	}
	kind := map[string]string{"policy_compression": "compression", "policy_retention": "retention"}[proc]
	if current != nil {
		if _, err := db.Exec(ctx, fmt.Sprintf(`SELECT remove_%s_policy($1::regclass)`, kind), table); err != nil {
			return fmt.Errorf("remove the %s policy of %s: %w", kind, table, err)
		}
	}
	if age > 0 {
		if _, err := db.Exec(ctx, fmt.Sprintf(`SELECT add_%s_policy($1::regclass, %s => $2::interval)`, kind, arg), table, age); err != nil {
			return fmt.Errorf("add the %s policy of %s: %w", kind, table, err)
		}
	}
	logger.Info("market: "+kind+" policy set", slog.String("table", table), slog.Duration(arg, age))
	return nil
}

func isNoRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }
