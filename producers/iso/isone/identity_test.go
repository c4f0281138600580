package isone

import (
	"testing"

	"github.com/aurum-energy/aurum/producers/collector/collectortest"
	"github.com/aurum-energy/aurum/schemas"
)

// An ISO-NE load series is a report's location. No recorded answer holds
// two locations, so this one is the recorded realtimehourlydemand entry
// and a second zone's in the same shape, as the report answers for a day
// without a location: each lands under its own area, with its own load.
func TestLocationsInOneAnswerKeepTheirIdentity(t *testing.T) {
	t.Parallel()
	body := []byte(`{"HourlyRtDemands":{"HourlyRtDemand":[` +
		`{"BeginDate":"2024-11-20T23:00:00.000-05:00","Location":{"@LocId":"4001","$":".Z.MAINE"},"Load":1049.032},` +
		`{"BeginDate":"2024-11-20T23:00:00.000-05:00","Location":{"@LocId":"4002","$":".Z.NEWHAMPSHIRE"},"Load":1187.5}]}}`)
	recs, err := Parse(body, Feeds["realtimehourlydemand"], ingest)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[0].Area != ".Z.MAINE" || recs[0].MW != 1049.032 || recs[1].Area != ".Z.NEWHAMPSHIRE" || recs[1].MW != 1187.5 ||
		!recs[0].IntervalStart.Equal(recs[1].IntervalStart) || recs[0].Forecast || recs[1].Forecast {
		t.Errorf("records %+v", recs)
	}
}

// The order of the keys of an ISO-NE answer changes nothing of the
// records.
func TestRecordsIgnoreKeyOrder(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ file, feed string }{
		{"webservices-hourlysysload-day-20241103.json", "hourlysysload"},
		{"webservices-realtimehourlydemand-current-location-4001.json", "realtimehourlydemand"},
	} {
		t.Run(tc.feed, func(t *testing.T) {
			t.Parallel()
			collectortest.SameWithShuffledKeys(t, collectortest.Fixture(t, tc.file), func(b []byte) ([]schemas.IsoLoadRecord, error) {
				return Parse(b, Feeds[tc.feed], ingest)
			})
		})
	}
}
