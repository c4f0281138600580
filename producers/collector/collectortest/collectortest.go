// Package collectortest holds what the tests of the provider sources share:
// reading recorded responses and taking a collector.Page apart. Only tests
// import it.
package collectortest

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

// Fixture reads the recorded response testdata/name.
func Fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// UTC parses an RFC 3339 instant written in a test.
func UTC(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// Deref is *p, or nil for a nil pointer, for comparing optional fields.
func Deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// Split separates a page of an external-series source into observations
// and catalog records, failing the test for a record on the wrong topic, a
// key other than "PROVIDER:series_id" or a value of another type.
func Split(t testing.TB, p collector.Page, provider string) (obs []schemas.ExtTimeseriesObservation, cat []schemas.ExtSeriesCatalogUpsert) {
	t.Helper()
	for _, r := range p.Records {
		switch v := r.Value.(type) {
		case schemas.ExtTimeseriesObservation:
			if r.Topic != topology.TopicExtTimeseriesObs || r.Key != provider+":"+v.SeriesID {
				t.Fatalf("observation on %s key %s", r.Topic, r.Key)
			}
			obs = append(obs, v)
		case schemas.ExtSeriesCatalogUpsert:
			if r.Topic != topology.TopicExtSeriesCatalog || r.Key != provider+":"+v.SeriesID {
				t.Fatalf("catalog on %s key %s", r.Topic, r.Key)
			}
			cat = append(cat, v)
		default:
			t.Fatalf("record of type %T", r.Value)
		}
	}
	return obs, cat
}

// PricesAt returns the prices of recs whose interval starts at start, by
// location id, failing t when a location has two: each location of an
// answer is a series of its own.
func PricesAt(t testing.TB, recs []schemas.IsoLmpRecord, start time.Time) map[string]schemas.IsoLmpRecord {
	t.Helper()
	out := map[string]schemas.IsoLmpRecord{}
	for _, r := range recs {
		if !r.IntervalStart.Equal(start) {
			continue
		}
		if _, dup := out[r.LocationID]; dup {
			t.Fatalf("location %s twice in the interval starting %s", r.LocationID, start.Format(time.RFC3339))
		}
		out[r.LocationID] = r
	}
	return out
}

// RefusesZipBombs checks a source's unzip: a file that decompresses past
// collector.MaxBody is refused as a malformed answer wrapping
// collector.ErrTooLarge and naming the limit, whatever size the zip's
// header declares (archive/zip itself refuses a file longer than its
// header declares).
func RefusesZipBombs(t *testing.T, name string, unzip func(body []byte) ([]byte, error)) {
	t.Helper()
	// Past the limit by more than a byte: with the file ending right after
	// the byte that tells it is too large, archive/zip would see its end,
	// and a header declaring more would fail as truncated instead.
	const size = collector.MaxBody + 1<<20
	limit := strconv.Itoa(collector.MaxBody) + " bytes"
	for _, tc := range []struct {
		name     string
		declared uint64
		tooLarge bool
	}{
		{"honest header", size, true},
		{"header declaring more", 1 << 40, true},
		{"header declaring less", 1 << 10, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := unzip(ZipBomb(t, name, size, tc.declared))
			if !errors.Is(err, collector.ErrMalformed) || errors.Is(err, collector.ErrTooLarge) != tc.tooLarge {
				t.Fatalf("err %v, want ErrMalformed (ErrTooLarge %t)", err, tc.tooLarge)
			}
			if tc.tooLarge && !strings.Contains(err.Error(), limit) {
				t.Errorf("err %q does not name the limit (%s)", err, limit)
			}
		})
	}
}

// ZipBomb returns a zip holding one file, name, of size zero bytes: a few
// hundred KiB that decompress to hundreds of MiB. Its header declares
// declared bytes as the file's uncompressed size, which a hostile answer
// may set to anything; pass size for an honest header.
func ZipBomb(t testing.TB, name string, size int64, declared uint64) []byte {
	t.Helper()
	// Deflating hundreds of MiB takes seconds. A flushed block of 1 MiB of
	// zeros refers to nothing before it, so the stream is that block
	// repeated, then the rest in a final block.
	const chunk = 1 << 20
	zeros := make([]byte, chunk)
	deflate := func(n int64, final bool) []byte {
		var b bytes.Buffer
		fw, err := flate.NewWriter(&b, flate.BestCompression)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write(zeros[:n]); err != nil {
			t.Fatal(err)
		}
		if final {
			err = fw.Close()
		} else {
			err = fw.Flush()
		}
		if err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	stream := append(bytes.Repeat(deflate(chunk, false), int(size/chunk)), deflate(size%chunk, true)...)
	crc := crc32.NewIEEE()
	for left := size; left > 0; left -= chunk {
		_, _ = crc.Write(zeros[:min(left, chunk)])
	}

	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	w, err := zw.CreateRaw(&zip.FileHeader{
		Name: name, Method: zip.Deflate, CRC32: crc.Sum32(),
		CompressedSize64: uint64(len(stream)), UncompressedSize64: declared,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(stream); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// RequireMalformed fails t unless err is nil or wraps
// collector.ErrMalformed: all a source's parser may answer to any input.
func RequireMalformed(t testing.TB, what string, err error) {
	t.Helper()
	if err != nil && !errors.Is(err, collector.ErrMalformed) {
		t.Fatalf("%s = %v, want a value or collector.ErrMalformed", what, err)
	}
}

// FuzzParsers fuzzes a source's parsers, seeded with the recorded
// responses named: for any body each returns a value or an error wrapping
// collector.ErrMalformed, and none panics.
func FuzzParsers(f *testing.F, fixtures []string, parsers map[string]func(body []byte) error) {
	for _, name := range fixtures {
		f.Add(Fixture(f, name))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for name, parse := range parsers {
			RequireMalformed(t, name, parse(body))
		}
	})
}

// FuzzFeeds fuzzes the parser of a source's feed table with every feed,
// seeded with the recorded responses named (FuzzParsers).
func FuzzFeeds[F, R any](f *testing.F, feeds map[string]F, parse func(body []byte, feed F, ingest time.Time) (R, error), fixtures ...string) {
	ingest := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	FuzzParsers(f, fixtures, PerFeed(feeds, func(body []byte, feed F) error {
		_, err := parse(body, feed, ingest)
		return err
	}))
}

// PerFeed is a parser per feed of a source, for FuzzParsers: parse with
// each of feeds.
func PerFeed[F any](feeds map[string]F, parse func(body []byte, feed F) error) map[string]func([]byte) error {
	parsers := make(map[string]func([]byte) error, len(feeds))
	for name, feed := range feeds {
		parsers[name] = func(body []byte) error { return parse(body, feed) }
	}
	return parsers
}
