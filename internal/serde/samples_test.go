package serde

import (
	"time"

	"github.com/aurum-energy/aurum/schemas"
	"github.com/aurum-energy/aurum/topology"
)

func ptr[T any](v T) *T { return &v }

var (
	day     = time.Date(2025, 3, 14, 0, 0, 0, 0, time.UTC)
	month   = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	instant = time.Date(2025, 3, 14, 17, 45, 12, 123456000, time.UTC)
)

func sampleCurve() schemas.CurveObservation {
	return schemas.CurveObservation{
		AsofDate:      day,
		CurveKey:      "5b1e0c2f9a7d4e3b8c6a1f0e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5f4",
		AssetClass:    schemas.AssetClassPower,
		ISO:           ptr("PJM"),
		Region:        ptr("EAST"),
		Location:      ptr("WESTERN HUB"),
		Market:        ptr("DA"),
		Product:       ptr("power"),
		Block:         ptr("ON_PEAK"),
		SparkLocation: ptr("TETCO M3"),
		PriceType:     schemas.PriceTypeMid,
		TenorType:     schemas.TenorMonthly,
		TenorLabel:    "2025-06",
		ContractMonth: ptr(month),
		Bid:           ptr(48.25),
		Ask:           ptr(48.75),
		Mid:           ptr(48.5),
		Currency:      ptr("USD"),
		PerUnit:       ptr("MWh"),
		UnitsRaw:      "USD/MWh",
		SourceFile:    ptr("eod_2025-03-14.xlsx"),
		SheetName:     ptr("Power"),
		VersionHash:   "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0",
		IngestTS:      instant,
	}
}

// samples holds, per topic, a fully populated value and one with every
// optional field nil (and empty collections).
func samples() map[string][]any {
	return map[string][]any{
		topology.TopicCurveObservation: {
			sampleCurve(),
			schemas.CurveObservation{
				AsofDate: day, CurveKey: "k", AssetClass: schemas.AssetClassGas,
				PriceType: schemas.PriceTypeSettle, TenorType: schemas.TenorCalendar,
				TenorLabel: "Cal 2026", Value: ptr(3.1), UnitsRaw: "USD/MMBtu",
				VersionHash: "h", IngestTS: instant,
			},
		},
		topology.TopicIsoLmp: {
			schemas.IsoLmpRecord{
				IsoCode: schemas.IsoPJM, Market: schemas.MarketRealTime, DeliveryDate: day,
				IntervalStart: instant, IntervalEnd: ptr(instant.Add(5 * time.Minute)),
				IntervalMinutes: ptr(int32(5)), LocationID: "51288", LocationName: ptr("WESTERN HUB"),
				LocationType: schemas.LocationHub, PriceTotal: 31.42, PriceEnergy: ptr(30.0),
				PriceCongestion: ptr(1.2), PriceLoss: ptr(0.22), Currency: "USD", UOM: "MWh",
				IngestTS: instant, RecordHash: "abc",
			},
			schemas.IsoLmpRecord{
				IsoCode: schemas.IsoUnknown, Market: schemas.MarketUnknown, DeliveryDate: day,
				IntervalStart: instant, LocationID: "X", LocationType: schemas.LocationOther,
				PriceTotal: -12.5, Currency: "USD", UOM: "MWh", IngestTS: instant, RecordHash: "def",
			},
		},
		topology.TopicIsoLoad: {
			schemas.IsoLoadRecord{
				IsoCode: schemas.IsoERCOT, Area: "SOUTH", IntervalStart: instant,
				IntervalEnd: ptr(instant.Add(time.Hour)), IntervalMinutes: ptr(int32(60)),
				MW: 12345.6, Forecast: true, IngestTS: instant,
			},
			schemas.IsoLoadRecord{IsoCode: schemas.IsoAESO, Area: "AB", IntervalStart: instant, MW: 9000, IngestTS: instant},
		},
		topology.TopicExtTimeseriesObs: {
			schemas.ExtTimeseriesObservation{
				Provider: schemas.ProviderFRED, SeriesID: "GDP", TS: month, Value: ptr(29349.924),
				ValueRaw: ptr("29349.924"), Unit: ptr("Billions of Dollars"), Frequency: ptr("Quarterly"),
				GeoID: ptr("US"), Dataset: ptr("nipa"), QualityFlag: ptr("p"), AsofDate: day, IngestTS: instant,
			},
			schemas.ExtTimeseriesObservation{
				Provider: schemas.ProviderWorldBank, SeriesID: "NY.GDP.MKTP.CD", TS: month,
				ValueRaw: ptr("."), AsofDate: day, IngestTS: instant,
			},
		},
		topology.TopicExtSeriesCatalog: {
			schemas.ExtSeriesCatalogUpsert{
				Provider: schemas.ProviderEIA, SeriesID: "ELEC.PRICE.US-ALL.M", Title: "Average retail price",
				Unit: ptr("cents/kWh"), Frequency: ptr("monthly"), GeoID: ptr("US"), Dataset: ptr("electricity"),
				Description: ptr("All sectors"), SourceURL: ptr("https://www.eia.gov/"),
				FirstTS: ptr(month.AddDate(-20, 0, 0)), LastTS: ptr(month), UpdatedTS: instant,
			},
			schemas.ExtSeriesCatalogUpsert{Provider: schemas.ProviderNOAA, SeriesID: "GHCND:USW00094728", Title: "Central Park", UpdatedTS: instant},
		},
		topology.TopicCollectorCheckpoint: {
			schemas.CollectorCheckpoint{Collector: "fred", SeriesKey: "GDP", WatermarkTS: ptr(month), Cursor: ptr("offset=100"), UpdatedTS: instant},
			schemas.CollectorCheckpoint{Collector: "iso.pjm", SeriesKey: "lmp/rt", UpdatedTS: instant},
		},
		topology.TopicScenarioRequest: {
			schemas.ScenarioRequest{
				RunID: "0c6f5e8e-1b1a-4c1e-9b39-6f2b8f6b1a11", ScenarioID: "s-1", TenantID: "acme",
				RequestedBy: "ana@acme.example", AsofDate: day, InputHash: "ih",
				Drivers: []schemas.Driver{
					{DriverType: "curve_shock", PayloadJSON: `{"shift_abs":2.5}`},
					{DriverType: "volatility", PayloadJSON: `{"annual_vol_pct":35}`},
				},
				Parameters: map[string]string{"heat_rate": "7.5", "emission_factor": "0.4"},
				Priority:   schemas.PriorityHigh, TimeoutSeconds: 600, MaxRetries: 3, Seed: -42, SubmittedTS: instant,
			},
			schemas.ScenarioRequest{
				RunID: "r", ScenarioID: "s", TenantID: "t", RequestedBy: "u", AsofDate: day, InputHash: "i",
				Drivers: []schemas.Driver{}, Parameters: map[string]string{}, Priority: schemas.PriorityNormal,
				SubmittedTS: instant,
			},
		},
		topology.TopicScenarioRun: {
			schemas.RunEvent{
				EventID: "e-1", RunID: "r-1", ScenarioID: "s-1", TenantID: "acme", State: schemas.RunFailed,
				Attempt: 2, ProgressPercent: ptr(87.5), OutputCount: ptr(int64(1200)), Error: ptr("curve store unavailable"),
				OccurredTS: instant,
			},
			schemas.RunEvent{EventID: "e-0", RunID: "r-1", ScenarioID: "s-1", TenantID: "acme", State: schemas.RunQueued, Attempt: 1, OccurredTS: instant},
		},
		topology.TopicScenarioOutput: {
			schemas.ScenarioOutput{
				RunID: "r-1", ScenarioID: "s-1", TenantID: "acme", AsofDate: day, CurveKey: "k",
				TenorType: schemas.TenorMonthly, TenorLabel: "2025-06", ContractMonth: ptr(month), Metric: "mid",
				Value: 52.0, BandLower: ptr(40.1), BandUpper: ptr(66.3),
				Attribution: []schemas.Attribution{{Driver: "curve_shock", Delta: 2.5}, {Driver: "fuel_price", Delta: 1.0}},
				InputHash:   "ih", ComputedTS: instant,
			},
			schemas.ScenarioOutput{
				RunID: "r-1", ScenarioID: "s-1", TenantID: "acme", AsofDate: day, CurveKey: "k",
				TenorType: schemas.TenorQuarter, TenorLabel: "2025-Q3", Metric: "mid", Value: 50,
				Attribution: []schemas.Attribution{}, InputHash: "ih", ComputedTS: instant,
			},
		},
	}
}
