package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/aurum-energy/aurum/consumers/curves"
	"github.com/aurum-energy/aurum/consumers/iso"
	"github.com/aurum-energy/aurum/consumers/materializer"
	"github.com/aurum-energy/aurum/consumers/series"
	"github.com/aurum-energy/aurum/internal/config"
)

const consumeUsage = `Usage: aurum consume <stream> [flags]

Runs a consumer group. Streams:
  curves   materialise aurum.curve.observation.v1 into curve and
           curve_observation (group aurum-curve-materializer)
  series   materialise aurum.ext.timeseries.obs.v1 into ext_series and
           ext_timeseries_observation (group aurum-series-materializer)
  catalog  materialise aurum.ext.series_catalog.upsert.v1 into ext_series
           (group aurum-catalog-materializer)
  iso      materialise aurum.iso.lmp.v1 and aurum.iso.load.v1 into iso_location,
           iso_lmp, iso_area and iso_load (group aurum-iso-materializer)

Needs AURUM_DATABASE_URL; Kafka and the schema registry default to the embedded
ones of ` + "`aurum broker`" + `. Offsets are committed only after the database commit; while
the database is unavailable the same batch is retried with backoff. Ctrl-C
finishes the batch in hand and commits it.
`

// consumeStreams are the streams `aurum consume` runs.
const consumeStreams = "curves, series, catalog, iso"

// consumeFlags are the flags of `aurum consume` beyond the shared settings.
type consumeFlags struct {
	metricsAddr string
	workers     int
	maxBatch    int
}

func (f *consumeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.metricsAddr, "metrics-addr", "", "serve Prometheus metrics on http://ADDR/metrics (empty: off)")
	fs.IntVar(&f.workers, "workers", materializer.DefaultWorkers, "concurrent write transactions per batch (and decoding goroutines)")
	fs.IntVar(&f.maxBatch, "max-batch", materializer.DefaultMaxBatchRecords, "most records taken from one poll and written as one batch")
}

func runConsume(ctx context.Context, args []string) error {
	// Accept the stream before or after the flags.
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		args = append(append([]string(nil), args[1:]...), args[0])
	}
	var flags consumeFlags
	inv, err := parse("consume", consumeUsage, args, flags.register)
	if err != nil {
		return err
	}
	if len(inv.args) != 1 {
		return fmt.Errorf("%w: aurum consume <stream> (streams: %s)", errUsage, consumeStreams)
	}
	stream := inv.args[0]
	if !slices.Contains(strings.Split(consumeStreams, ", "), stream) {
		return fmt.Errorf("%w: unknown stream %q (streams: %s)", errUsage, stream, consumeStreams)
	}
	if err := inv.cfg.Require(config.DatabaseURL); err != nil {
		return err
	}
	cfg, logger := inv.cfg, inv.logger

	var cl closers
	defer cl.close()
	p, err := connectData(ctx, cfg, logger, &cl)
	if err != nil {
		return err
	}
	clientName := stream + "-materializer"
	if stream == "curves" {
		clientName = "curve-materializer"
	}
	mcfg := materializer.Config{
		Brokers:         cfg.Brokers(),
		Workers:         flags.workers,
		MaxBatchRecords: flags.maxBatch,
		KafkaOptions:    kafkaOptions(logger, p.registry, clientName),
	}
	var m runner
	switch stream {
	case "curves":
		m, err = curves.New(mcfg, curves.Deps{Store: p.store, Serde: p.serde, Metrics: p.metrics, Logger: logger})
	case "series":
		m, err = series.NewObservations(mcfg, series.Deps{Store: p.store, Serde: p.serde, Metrics: p.metrics, Logger: logger})
	case "catalog":
		m, err = series.NewCatalog(mcfg, series.Deps{Store: p.store, Serde: p.serde, Metrics: p.metrics, Logger: logger})
	case "iso":
		m, err = iso.New(mcfg, iso.Deps{Store: p.store, Serde: p.serde, Metrics: p.metrics, Logger: logger})
	}
	if err != nil {
		return err
	}
	if flags.metricsAddr != "" {
		stop, err := serveMetrics(flags.metricsAddr, p.registry, logger)
		if err != nil {
			return err
		}
		cl.add(stop)
	}
	return ignoreCanceled(m.Run(ctx))
}

// serveMetrics serves reg on addr until the returned stop is called.
func serveMetrics(addr string, reg *prometheus.Registry, logger *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("metrics server stopped", slog.String("error", err.Error()))
		}
	}()
	logger.Info("serving metrics", slog.String("addr", "http://"+ln.Addr().String()+"/metrics"))
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}
