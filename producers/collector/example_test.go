package collector_test

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/aurum-energy/aurum/internal/serde"
	"github.com/aurum-energy/aurum/internal/testenv"
	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

// tides is a toy source: the hourly water level of one NOAA tide station,
// read from a provider that answers /levels?page=N with a line
// "next=<page>" ("next=" on the last page) and a line "<RFC 3339>,<metres>"
// per hour. A source only knows its provider; the runtime does the rest.
type tides struct{}

func (tides) Name() string { return "tides" }

// Series lists what to collect, each with a checkpoint of its own.
func (tides) Series(context.Context) ([]collector.Series, error) {
	return []collector.Series{{Key: "8518750", Params: map[string]string{"station": "8518750"}}}, nil
}

// Fetch reads one page, whose cursor is its number. This provider takes no
// window: what a page holds outside the window asked for, the runtime
// drops, and the watermark says where a later run starts.
func (tides) Fetch(ctx context.Context, g collector.Getter, s collector.Series, _ collector.Window, cursor string) (collector.Page, error) {
	body, err := g.Get(ctx, "/levels", url.Values{"page": {cmp.Or(cursor, "1")}})
	if err != nil {
		return collector.Page{}, err
	}
	lines := bufio.NewScanner(bytes.NewReader(body))
	if !lines.Scan() || !strings.HasPrefix(lines.Text(), "next=") {
		return collector.Page{}, fmt.Errorf("%w: no next= line", collector.ErrMalformed)
	}
	page := collector.Page{Next: strings.TrimPrefix(lines.Text(), "next=")}
	for lines.Scan() {
		at, level, _ := strings.Cut(lines.Text(), ",")
		ts, err := time.Parse(time.RFC3339, at)
		v, err2 := strconv.ParseFloat(level, 64)
		if err != nil || err2 != nil {
			return collector.Page{}, fmt.Errorf("%w: line %q", collector.ErrMalformed, lines.Text())
		}
		obs := schemas.ExtTimeseriesObservation{
			Provider: schemas.ProviderNOAA, SeriesID: "tides:" + s.Params["station"], TS: ts, Value: &v,
			AsofDate: ts.Truncate(24 * time.Hour), IngestTS: ts,
		}
		page.Records = append(page.Records, collector.Record{
			Topic: topology.TopicExtTimeseriesObs, Key: "NOAA:" + obs.SeriesID, Value: obs, Time: ts,
		})
		page.Watermark = ts
	}
	return page, nil
}

// Example collects a toy source into Kafka twice: the first run publishes
// each page with the series' checkpoint in one transaction, the second
// starts after the checkpoint's watermark and publishes nothing again, so
// the topic holds each reading once.
func Example() {
	ctx := context.Background()
	provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pages := map[string]string{
			"1": "next=2\n2026-06-09T00:00:00Z,1.25\n2026-06-09T01:00:00Z,1.5\n",
			"2": "next=\n2026-06-09T02:00:00Z,1.75\n",
		}
		_, _ = io.WriteString(w, pages[r.URL.Query().Get("page")])
	}))
	defer provider.Close()
	kafka, sd, stop := startKafka(ctx)
	defer stop()

	httpc, err := collector.NewClient(collector.ClientConfig{Source: "tides", BaseURL: provider.URL})
	if err != nil {
		log.Fatal(err)
	}
	for run := 1; run <= 2; run++ {
		c, err := collector.New(collector.Config{}, collector.Deps{Source: tides{}, HTTP: httpc, Kafka: kafka, Serde: sd})
		if err != nil {
			log.Fatal(err)
		}
		if err := c.Run(ctx); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("after run %d:\n", run)
		err = collector.ReadTopic(ctx, kafka, topology.TopicExtTimeseriesObs, true, func(r *kgo.Record) {
			var obs schemas.ExtTimeseriesObservation
			if err := sd.Decode(ctx, r.Topic, r.Value, &obs); err != nil {
				log.Fatal(err)
			}
			fmt.Printf("  %s %s %.2f\n", r.Key, obs.TS.Format(time.RFC3339), *obs.Value)
		})
		if err != nil {
			log.Fatal(err)
		}
	}
	// Output:
	// after run 1:
	//   NOAA:tides:8518750 2026-06-09T00:00:00Z 1.25
	//   NOAA:tides:8518750 2026-06-09T01:00:00Z 1.50
	//   NOAA:tides:8518750 2026-06-09T02:00:00Z 1.75
	// after run 2:
	//   NOAA:tides:8518750 2026-06-09T00:00:00Z 1.25
	//   NOAA:tides:8518750 2026-06-09T01:00:00Z 1.50
	//   NOAA:tides:8518750 2026-06-09T02:00:00Z 1.75
}

// startKafka starts what `aurum dev` embeds, in memory: a Kafka broker with
// Aurum's topics and a schema registry with its schemas
// (testenv.StartKafka). It returns a client of the broker and the serde of
// the registry.
func startKafka(ctx context.Context) (*kgo.Client, *serde.Serde, func()) {
	k, stop, err := testenv.StartKafka(ctx)
	if err != nil {
		log.Fatal(err)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(k.Brokers...))
	if err != nil {
		log.Fatal(err)
	}
	rc, err := sr.NewClient(sr.URLs(k.RegistryURL))
	if err != nil {
		log.Fatal(err)
	}
	s, err := serde.New(ctx, rc, nil)
	if err != nil {
		log.Fatal(err)
	}
	return cl, s, func() { cl.Close(); stop() }
}
