package collector_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"testing"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/collector/collectortest"
)

func TestUnzip(t *testing.T) {
	t.Parallel()
	csv := []byte("a,b\n1,2\n")
	name, got, err := collector.Unzip(collectortest.Zip("report.csv", csv))
	if err != nil || name != "report.csv" || !bytes.Equal(got, csv) {
		t.Fatalf("unzip: %q %q %v", name, got, err)
	}
	whole := collectortest.Zip("report.csv", csv)
	for name, body := range map[string][]byte{
		"not a zip":   []byte("<html>maintenance</html>"),
		"truncated":   whole[:len(whole)-30],
		"two entries": twoFileZip(t),
	} {
		if _, _, err := collector.Unzip(body); !errors.Is(err, collector.ErrMalformed) {
			t.Errorf("%s: err %v, want ErrMalformed", name, err)
		}
	}
}

// TestUnzipRefusesAZipBomb: see collectortest.RefusesZipBombs.
func TestUnzipRefusesAZipBomb(t *testing.T) {
	t.Parallel()
	collectortest.RefusesZipBombs(t, "DAMSPNP4190.csv", func(body []byte) ([]byte, error) {
		_, data, err := collector.Unzip(body)
		return data, err
	})
}

func twoFileZip(t *testing.T) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range []string{"a.csv", "b.csv"} {
		if _, err := zw.Create(n); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
