package noaa_test

import (
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
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	collectortest.FuzzParsers(f, []string{
		"cdo-v2-data-GHCND-PRCP-USC00200230.json",
		"cdo-v2-data-NORMAL_DLY-dly-tmax-normal-page1.json",
		"cdo-v2-data-GSOM-AE000041196.json",
		"cdo-v2-datasets.json",
		"cdo-v2-stations-GHCND-FIPS12017.json",
	}, map[string]func([]byte) error{
		"ParseData, MapPage": func(body []byte) error {
			d, err := noaa.ParseData(body)
			for _, units := range []string{"metric", ""} {
				if err == nil {
					_, err = noaa.MapPage(d, noaa.Mapping{Dataset: "GHCND", Units: units}, collector.Window{}, now)
				}
			}
			return err
		},
		"ParseDatasets": func(body []byte) error { _, err := noaa.ParseDatasets(body); return err },
		"ParseStations": func(body []byte) error { _, err := noaa.ParseStations(body); return err },
	})
}
