package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/aurum-energy/aurum/internal/config"
	"github.com/aurum-energy/aurum/internal/market"
	"github.com/aurum-energy/aurum/internal/store"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

func runMigrate(ctx context.Context, args []string) error {
	inv, err := parse("migrate", "Usage: aurum migrate [flags]\n\nApplies the embedded database migrations to AURUM_DATABASE_URL (forward-only, idempotent).\n", args)
	if err != nil {
		return err
	}
	if err := inv.cfg.Require(config.DatabaseURL); err != nil {
		return err
	}
	st, err := openStore(ctx, store.Config{URL: inv.cfg.DatabaseURL}, inv.logger)
	if err != nil {
		return err
	}
	defer st.Close()
	applied, err := st.Migrate(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("applied %d migration(s)\n", len(applied))
	for _, m := range applied {
		fmt.Println("  " + m)
	}
	return applyPolicies(ctx, st, inv.cfg, inv.logger)
}

// applyPolicies gives the market hypertables the compression and retention
// policies of AURUM_COMPRESS_AFTER and AURUM_RETAIN_* (TimescaleDB only).
func applyPolicies(ctx context.Context, st *store.Store, cfg config.Config, logger *slog.Logger) error {
	timescale, err := st.Timescale(ctx)
	if err != nil {
		return err
	}
	return market.ApplyPolicies(ctx, st.Pool(), timescale, market.Policies{
		CompressAfter: cfg.CompressAfter,
		Retain: map[string]time.Duration{
			market.DatasetCurves: cfg.RetainCurves,
			market.DatasetISO:    cfg.RetainISO,
			market.DatasetSeries: cfg.RetainExternal,
		},
	}, logger)
}

func runTopology(ctx context.Context, args []string) error {
	inv, err := parse("topology", "Usage: aurum topology apply|diff [flags]\n\n"+
		"apply creates the declared topics that are missing and reports drift it does not fix\n"+
		"(partition counts, configs); diff only reports. Both exit 1 when drift remains.\n", args)
	if err != nil {
		return err
	}
	if len(inv.args) != 1 || (inv.args[0] != "apply" && inv.args[0] != "diff") {
		return fmt.Errorf("%w: aurum topology apply|diff", errUsage)
	}
	cl, err := openKafka(ctx, inv.cfg, inv.logger, nil, "topology")
	if err != nil {
		return err
	}
	defer cl.Close()
	var report topology.Report
	if inv.args[0] == "apply" {
		report, err = topology.Apply(ctx, admin(cl))
	} else {
		report, err = topology.Diff(ctx, admin(cl))
	}
	if err != nil {
		return err
	}
	fmt.Print(report.String())
	if !report.InSync() {
		return fmt.Errorf("topology drift remains (%d item(s))", len(report.Drift))
	}
	return nil
}

func runSchemas(ctx context.Context, args []string) error {
	inv, err := parse("schemas", "Usage: aurum schemas check|register [flags]\n\n"+
		"check fails on a missing doc or an incompatible change against the versions kept in\n"+
		"schemas/history and, when AURUM_SCHEMA_REGISTRY_URL is set, those of the live registry.\n"+
		"register registers every record schema under <topic>-value.\n", args)
	if err != nil {
		return err
	}
	if len(inv.args) != 1 || (inv.args[0] != "check" && inv.args[0] != "register") {
		return fmt.Errorf("%w: aurum schemas check|register", errUsage)
	}
	if inv.args[0] == "check" && inv.cfg.SchemaRegistryURL == "" {
		if err := schemas.Check(ctx, nil); err != nil {
			return err
		}
		fmt.Println("schemas: documented and compatible with schemas/history")
		return nil
	}
	c, err := registryClient(inv.cfg)
	if err != nil {
		return err
	}
	if err := pingRegistry(ctx, c); err != nil {
		return err
	}
	if inv.args[0] == "check" {
		if err := schemas.Check(ctx, c); err != nil {
			return err
		}
		fmt.Println("schemas: documented and compatible with schemas/history and " + inv.cfg.Registry())
		return nil
	}
	ids, err := schemas.Register(ctx, c)
	if err != nil {
		return err
	}
	for _, r := range schemas.Records() {
		fmt.Fprintf(os.Stdout, "%-45s id %d\n", r.Subject, ids[r.Subject])
	}
	return nil
}
