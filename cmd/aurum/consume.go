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
	"github.com/aurum-energy/aurum/internal/serde"
	"github.com/aurum-energy/aurum/topology"
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

// stream is a Kafka stream a materialiser writes into the database.
type stream struct {
	// name is the stream's name on the command line: `aurum consume curves`.
	name string
	// group is the consumer group; topology declares the topics it reads.
	group string
	// client names the Kafka client (aurum-<client>) and the logs'
	// component.
	client string
	// materializer builds the materialiser writing the stream through its
	// sink.
	materializer materializerFunc
}

// materializerFunc builds a materialiser whose sink decodes with sd.
type materializerFunc func(cfg materializer.Config, sd *serde.Serde, deps materializer.Deps) (runner, error)

// streams are what `aurum consume` runs, one at a time, and `aurum dev`
// runs together.
var streams = []stream{
	{"curves", topology.GroupCurveMaterializer, "curve-materializer", withSink(curves.NewSink)},
	{"series", topology.GroupSeriesMaterializer, "series-materializer", withSink(series.NewObservationSink)},
	{"catalog", topology.GroupCatalogMaterializer, "catalog-materializer", withSink(series.NewCatalogSink)},
	{"iso", topology.GroupIsoMaterializer, "iso-materializer", withSink(iso.NewSink)},
}

// streamNames lists the streams' names, for usage errors.
func streamNames() string {
	names := make([]string, len(streams))
	for i, s := range streams {
		names[i] = s.name
	}
	return strings.Join(names, ", ")
}

// withSink is the materializerFunc of the sink newSink returns.
func withSink[S materializer.Sink[K, R], K comparable, R any](newSink func(*serde.Serde) S) materializerFunc {
	return func(cfg materializer.Config, sd *serde.Serde, deps materializer.Deps) (runner, error) {
		m, err := materializer.New[K, R](cfg, newSink(sd), deps)
		if err != nil {
			return nil, err
		}
		return m, nil
	}
}

// newMaterializer builds the materialiser of s: its group reading the
// topics topology declares, on the platform's brokers, database, serde
// and metrics. cfg carries the command's own settings (workers, batch
// size).
func (p *platform) newMaterializer(s stream, cfg materializer.Config) (runner, error) {
	g, ok := topology.LookupGroup(s.group)
	if !ok {
		return nil, fmt.Errorf("stream %s: consumer group %s is not declared in topology", s.name, s.group)
	}
	cfg.Group, cfg.Topics = g.Name, g.Topics
	cfg.Brokers = p.cfg.Brokers()
	cfg.KafkaOptions = kafkaOptions(p.logger, p.registry, s.client)
	return s.materializer(cfg, p.serde, materializer.Deps{
		DB:      p.store,
		Metrics: p.metrics,
		Logger:  p.logger.With(slog.String("component", s.client)),
		Tracer:  p.tracing.Tracer(scopeMaterializer),
	})
}

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
		return fmt.Errorf("%w: aurum consume <stream> (streams: %s)", errUsage, streamNames())
	}
	i := slices.IndexFunc(streams, func(s stream) bool { return s.name == inv.args[0] })
	if i < 0 {
		return fmt.Errorf("%w: unknown stream %q (streams: %s)", errUsage, inv.args[0], streamNames())
	}
	return runOn(ctx, inv, flags.metricsAddr, connectData, func(p *platform) (runner, error) {
		return p.newMaterializer(streams[i], materializer.Config{Workers: flags.workers, MaxBatchRecords: flags.maxBatch})
	})
}

// serveMetrics serves reg on addr until cl closes; an empty addr serves
// nothing.
func serveMetrics(addr string, reg *prometheus.Registry, logger *slog.Logger, cl *closers) error {
	if addr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("--metrics-addr: %w", err)
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
	cl.add(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return nil
}
