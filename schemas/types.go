package schemas

import "time"

// The Go shape of each record. Field tags name the Avro fields; optional
// (nullable) fields are pointers, Avro dates and timestamp-micros are
// time.Time (dates at UTC midnight), enums are typed strings whose
// constants are the Avro symbols.

// AssetClass is the commodity family of a curve (aurum.curve.AssetClass).
type AssetClass string

// AssetClass symbols; readers map symbols they do not know to AssetClassOther.
const (
	AssetClassPower     AssetClass = "power"
	AssetClassRenewable AssetClass = "renewable"
	AssetClassGas       AssetClass = "gas"
	AssetClassCarbon    AssetClass = "carbon"
	AssetClassStorage   AssetClass = "storage"
	AssetClassOther     AssetClass = "other"
)

// PriceType says which market price a curve value is (aurum.curve.PriceType).
type PriceType string

// PriceType symbols.
const (
	PriceTypeMid    PriceType = "MID"
	PriceTypeBid    PriceType = "BID"
	PriceTypeAsk    PriceType = "ASK"
	PriceTypeLast   PriceType = "LAST"
	PriceTypeSettle PriceType = "SETTLE"
	PriceTypeIndex  PriceType = "INDEX"
	PriceTypeStrip  PriceType = "STRIP"
	PriceTypeCustom PriceType = "CUSTOM"
)

// TenorType is the shape of a delivery period (aurum.curve.TenorType).
type TenorType string

// TenorType symbols.
const (
	TenorMonthly  TenorType = "MONTHLY"
	TenorQuarter  TenorType = "QUARTER"
	TenorSeason   TenorType = "SEASON"
	TenorCalendar TenorType = "CALENDAR"
	TenorStrip    TenorType = "STRIP"
	TenorCustom   TenorType = "CUSTOM"
)

// IsoCode names an independent system operator (aurum.iso.IsoCode).
type IsoCode string

// IsoCode symbols; readers map symbols they do not know to IsoUnknown.
const (
	IsoPJM     IsoCode = "PJM"
	IsoCAISO   IsoCode = "CAISO"
	IsoERCOT   IsoCode = "ERCOT"
	IsoNYISO   IsoCode = "NYISO"
	IsoMISO    IsoCode = "MISO"
	IsoISONE   IsoCode = "ISONE"
	IsoSPP     IsoCode = "SPP"
	IsoAESO    IsoCode = "AESO"
	IsoUnknown IsoCode = "UNKNOWN"
)

// The symbols of the enums several packages validate against, in schema
// order (a test holds them to the .avsc files). IsoCodes leaves out
// IsoUnknown, which only a reader produces, for a symbol it does not know.
var (
	AssetClasses = []AssetClass{AssetClassPower, AssetClassRenewable, AssetClassGas, AssetClassCarbon,
		AssetClassStorage, AssetClassOther}
	PriceTypes = []PriceType{PriceTypeMid, PriceTypeBid, PriceTypeAsk, PriceTypeLast, PriceTypeSettle,
		PriceTypeIndex, PriceTypeStrip, PriceTypeCustom}
	TenorTypes = []TenorType{TenorMonthly, TenorQuarter, TenorSeason, TenorCalendar, TenorStrip, TenorCustom}
	IsoCodes   = []IsoCode{IsoPJM, IsoCAISO, IsoERCOT, IsoNYISO, IsoMISO, IsoISONE, IsoSPP, IsoAESO}
)

// Symbols spells enum values as strings.
func Symbols[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// IsoMarket is the ISO market run a price comes from (aurum.iso.IsoMarket).
type IsoMarket string

// IsoMarket symbols; readers map symbols they do not know to MarketUnknown.
const (
	MarketDayAhead      IsoMarket = "DAY_AHEAD"
	MarketRealTime      IsoMarket = "REAL_TIME"
	MarketFifteenMinute IsoMarket = "FIFTEEN_MINUTE"
	MarketFiveMinute    IsoMarket = "FIVE_MINUTE"
	MarketHourAhead     IsoMarket = "HOUR_AHEAD"
	MarketUnknown       IsoMarket = "UNKNOWN"
)

// LocationType is the kind of an ISO pricing location (aurum.iso.LocationType).
type LocationType string

// LocationType symbols; readers map symbols they do not know to LocationOther.
const (
	LocationNode      LocationType = "NODE"
	LocationZone      LocationType = "ZONE"
	LocationHub       LocationType = "HUB"
	LocationSystem    LocationType = "SYSTEM"
	LocationAggregate LocationType = "AGGREGATE"
	LocationInterface LocationType = "INTERFACE"
	LocationOther     LocationType = "OTHER"
)

// Provider is an external data provider (aurum.external.Provider).
type Provider string

// Provider symbols.
const (
	ProviderEIA       Provider = "EIA"
	ProviderFRED      Provider = "FRED"
	ProviderNOAA      Provider = "NOAA"
	ProviderWorldBank Provider = "WORLDBANK"
)

// Priority is the scheduling priority of a scenario run (aurum.scenario.Priority).
type Priority string

// Priority symbols.
const (
	PriorityLow      Priority = "LOW"
	PriorityNormal   Priority = "NORMAL"
	PriorityHigh     Priority = "HIGH"
	PriorityCritical Priority = "CRITICAL"
)

// RunState is the lifecycle state of a scenario run (aurum.scenario.RunState).
type RunState string

// RunState symbols.
const (
	RunQueued    RunState = "QUEUED"
	RunRunning   RunState = "RUNNING"
	RunSucceeded RunState = "SUCCEEDED"
	RunFailed    RunState = "FAILED"
	RunCancelled RunState = "CANCELLED"
	RunTimedOut  RunState = "TIMED_OUT"
)

// Terminal reports whether no state follows s; a terminal RunEvent is the
// run-completion signal.
func (s RunState) Terminal() bool {
	switch s {
	case RunSucceeded, RunFailed, RunCancelled, RunTimedOut:
		return true
	}
	return false
}

// CurveObservation is one forward-curve price point (aurum.curve.CurveObservation).
type CurveObservation struct {
	AsofDate      time.Time  `avro:"asof_date"`
	CurveKey      string     `avro:"curve_key"`
	AssetClass    AssetClass `avro:"asset_class"`
	ISO           *string    `avro:"iso"`
	Region        *string    `avro:"region"`
	Location      *string    `avro:"location"`
	Market        *string    `avro:"market"`
	Product       *string    `avro:"product"`
	Block         *string    `avro:"block"`
	SparkLocation *string    `avro:"spark_location"`
	PriceType     PriceType  `avro:"price_type"`
	TenorType     TenorType  `avro:"tenor_type"`
	TenorLabel    string     `avro:"tenor_label"`
	ContractMonth *time.Time `avro:"contract_month"`
	Value         *float64   `avro:"value"`
	Bid           *float64   `avro:"bid"`
	Ask           *float64   `avro:"ask"`
	Mid           *float64   `avro:"mid"`
	Currency      *string    `avro:"currency"`
	PerUnit       *string    `avro:"per_unit"`
	UnitsRaw      string     `avro:"units_raw"`
	SourceFile    *string    `avro:"source_file"`
	SheetName     *string    `avro:"sheet_name"`
	VersionHash   string     `avro:"version_hash"`
	IngestTS      time.Time  `avro:"ingest_ts"`
}

// IsoLmpRecord is one locational marginal price (aurum.iso.IsoLmpRecord).
type IsoLmpRecord struct {
	IsoCode         IsoCode      `avro:"iso_code"`
	Market          IsoMarket    `avro:"market"`
	DeliveryDate    time.Time    `avro:"delivery_date"`
	IntervalStart   time.Time    `avro:"interval_start"`
	IntervalEnd     *time.Time   `avro:"interval_end"`
	IntervalMinutes *int32       `avro:"interval_minutes"`
	LocationID      string       `avro:"location_id"`
	LocationName    *string      `avro:"location_name"`
	LocationType    LocationType `avro:"location_type"`
	PriceTotal      float64      `avro:"price_total"`
	PriceEnergy     *float64     `avro:"price_energy"`
	PriceCongestion *float64     `avro:"price_congestion"`
	PriceLoss       *float64     `avro:"price_loss"`
	Currency        string       `avro:"currency"`
	UOM             string       `avro:"uom"`
	IngestTS        time.Time    `avro:"ingest_ts"`
	RecordHash      string       `avro:"record_hash"`
}

// IsoLoadRecord is one actual or forecast load value (aurum.iso.IsoLoadRecord).
type IsoLoadRecord struct {
	IsoCode         IsoCode    `avro:"iso_code"`
	Area            string     `avro:"area"`
	IntervalStart   time.Time  `avro:"interval_start"`
	IntervalEnd     *time.Time `avro:"interval_end"`
	IntervalMinutes *int32     `avro:"interval_minutes"`
	MW              float64    `avro:"mw"`
	Forecast        bool       `avro:"forecast"`
	IngestTS        time.Time  `avro:"ingest_ts"`
}

// ExtTimeseriesObservation is one observation of an external series
// (aurum.external.ExtTimeseriesObservation). Value is nil when the provider
// has no value; it is never zero-filled.
type ExtTimeseriesObservation struct {
	Provider    Provider  `avro:"provider"`
	SeriesID    string    `avro:"series_id"`
	TS          time.Time `avro:"ts"`
	Value       *float64  `avro:"value"`
	ValueRaw    *string   `avro:"value_raw"`
	Unit        *string   `avro:"unit"`
	Frequency   *string   `avro:"frequency"`
	GeoID       *string   `avro:"geo_id"`
	Dataset     *string   `avro:"dataset"`
	QualityFlag *string   `avro:"quality_flag"`
	AsofDate    time.Time `avro:"asof_date"`
	IngestTS    time.Time `avro:"ingest_ts"`
}

// ExtSeriesCatalogUpsert is the latest metadata of an external series
// (aurum.external.ExtSeriesCatalogUpsert).
type ExtSeriesCatalogUpsert struct {
	Provider    Provider   `avro:"provider"`
	SeriesID    string     `avro:"series_id"`
	Title       string     `avro:"title"`
	Unit        *string    `avro:"unit"`
	Frequency   *string    `avro:"frequency"`
	GeoID       *string    `avro:"geo_id"`
	Dataset     *string    `avro:"dataset"`
	Description *string    `avro:"description"`
	SourceURL   *string    `avro:"source_url"`
	FirstTS     *time.Time `avro:"first_ts"`
	LastTS      *time.Time `avro:"last_ts"`
	UpdatedTS   time.Time  `avro:"updated_ts"`
}

// CollectorCheckpoint is a collector's progress on one series
// (aurum.ops.CollectorCheckpoint).
type CollectorCheckpoint struct {
	Collector   string     `avro:"collector"`
	SeriesKey   string     `avro:"series_key"`
	WatermarkTS *time.Time `avro:"watermark_ts"`
	Cursor      *string    `avro:"cursor"`
	UpdatedTS   time.Time  `avro:"updated_ts"`
}

// Driver is one driver of a scenario request (aurum.scenario.Driver).
type Driver struct {
	DriverType  string `avro:"driver_type"`
	PayloadJSON string `avro:"payload_json"`
}

// ScenarioRequest asks for one scenario run (aurum.scenario.ScenarioRequest).
type ScenarioRequest struct {
	RunID          string            `avro:"run_id"`
	ScenarioID     string            `avro:"scenario_id"`
	TenantID       string            `avro:"tenant_id"`
	RequestedBy    string            `avro:"requested_by"`
	AsofDate       time.Time         `avro:"asof_date"`
	InputHash      string            `avro:"input_hash"`
	Drivers        []Driver          `avro:"drivers"`
	Parameters     map[string]string `avro:"parameters"`
	Priority       Priority          `avro:"priority"`
	TimeoutSeconds int32             `avro:"timeout_seconds"`
	MaxRetries     int32             `avro:"max_retries"`
	Seed           int64             `avro:"seed"`
	SubmittedTS    time.Time         `avro:"submitted_ts"`
}

// RunEvent is one state change of a scenario run (aurum.scenario.RunEvent).
type RunEvent struct {
	EventID         string    `avro:"event_id"`
	RunID           string    `avro:"run_id"`
	ScenarioID      string    `avro:"scenario_id"`
	TenantID        string    `avro:"tenant_id"`
	State           RunState  `avro:"state"`
	Attempt         int32     `avro:"attempt"`
	ProgressPercent *float64  `avro:"progress_percent"`
	OutputCount     *int64    `avro:"output_count"`
	Error           *string   `avro:"error"`
	OccurredTS      time.Time `avro:"occurred_ts"`
}

// Attribution is one driver's share of a scenario output's delta
// (aurum.scenario.Attribution).
type Attribution struct {
	Driver string  `avro:"driver"`
	Delta  float64 `avro:"delta"`
}

// ScenarioOutput is one repriced curve point (aurum.scenario.ScenarioOutput).
type ScenarioOutput struct {
	RunID         string        `avro:"run_id"`
	ScenarioID    string        `avro:"scenario_id"`
	TenantID      string        `avro:"tenant_id"`
	AsofDate      time.Time     `avro:"asof_date"`
	CurveKey      string        `avro:"curve_key"`
	TenorType     TenorType     `avro:"tenor_type"`
	TenorLabel    string        `avro:"tenor_label"`
	ContractMonth *time.Time    `avro:"contract_month"`
	Metric        string        `avro:"metric"`
	Value         float64       `avro:"value"`
	BandLower     *float64      `avro:"band_lower"`
	BandUpper     *float64      `avro:"band_upper"`
	Attribution   []Attribution `avro:"attribution"`
	InputHash     string        `avro:"input_hash"`
	ComputedTS    time.Time     `avro:"computed_ts"`
}
