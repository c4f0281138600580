package noaa_test

import (
	"errors"
	"testing"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/collector/collectortest"
	"github.com/aurum-energy/aurum/producers/noaa"
)

// FuzzParse feeds an arbitrary answer to every CDO parser (data through
// MapPage, datasets, stations): each returns a value or an error wrapping
// collector.ErrMalformed, and none panics.
func FuzzParse(f *testing.F) {
	for _, name := range []string{
		"cdo-v2-data-GHCND-PRCP-USC00200230.json",
		"cdo-v2-data-NORMAL_DLY-dly-tmax-normal-page1.json",
		"cdo-v2-data-GSOM-AE000041196.json",
		"cdo-v2-datasets.json",
		"cdo-v2-stations-GHCND-FIPS12017.json",
	} {
		f.Add(collectortest.Fixture(f, name))
	}
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		if d, err := noaa.ParseData(body); err == nil {
			for _, units := range []string{"metric", ""} {
				_, err := noaa.MapPage(d, noaa.Mapping{Dataset: "GHCND", Units: units}, collector.Window{}, now)
				requireMalformed(t, "MapPage", err)
			}
		} else {
			requireMalformed(t, "ParseData", err)
		}
		_, err := noaa.ParseDatasets(body)
		requireMalformed(t, "ParseDatasets", err)
		_, err = noaa.ParseStations(body)
		requireMalformed(t, "ParseStations", err)
	})
}

func requireMalformed(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil && !errors.Is(err, collector.ErrMalformed) {
		t.Fatalf("%s = %v, want collector.ErrMalformed", what, err)
	}
}
