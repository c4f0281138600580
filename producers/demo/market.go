package demo

import "github.com/aurum-energy/aurum/schemas"

// The demo's vocabulary. Every curve it publishes is an end-of-day forward
// mark of a fixed-price contract, whatever its asset class, so filters such
// as market=FWD&product=FIXED_PRICE select the whole demo set.
const (
	// Market of every demo curve: an end-of-day forward mark.
	Market = "FWD"
	// Product of every demo curve: a fixed-price (all-in, not basis) contract.
	Product = "FIXED_PRICE"
	// BlockOn is the power on-peak block (5x16 in the eastern ISOs and
	// ERCOT, 6x16 in CAISO).
	BlockOn = "ON"
	// BlockOff is the power off-peak block: every hour outside BlockOn.
	BlockOff = "OFF"
	// Tenors is the number of monthly tenors of every curve, starting with
	// the month after the as-of date.
	Tenors = 72
)

// hub is one location the demo marks, with the reference level of each of
// its blocks by delivery month. Gas and carbon have a single shape and no
// block.
type hub struct {
	asset    schemas.AssetClass
	iso      string // "" for gas and carbon
	region   string // "" for power: the ISO says where it is
	location string
	units    string // units_raw, also split into currency and per-unit
	currency string
	perUnit  string
	blocks   []shape

	growth   float64 // gentle term structure: drift of the level per year of delivery
	gasBeta  float64 // exposure to the common Henry Hub factor
	vol      float64 // scale of the location's own daily moves
	decimals int     // price increment is 10^-decimals
	spread0  float64 // half bid/ask spread of the front month, as a fraction of mid
	spreadM  float64 // widening of the half spread per month of tenor
}

// shape is a block's reference mid by delivery month, January first, for
// delivery about a year out: seasonality and hub-specific premia live here.
type shape struct {
	block string // "" when the asset has no block
	month [12]float64
}

func power(iso, location string, vol float64, on, off [12]float64) hub {
	return hub{
		asset: schemas.AssetClassPower, iso: iso, location: location,
		units: "USD/MWh", currency: "USD", perUnit: "MWh",
		blocks: []shape{{BlockOn, on}, {BlockOff, off}},
		growth: 0.015, gasBeta: 0.6, vol: vol, decimals: 2,
		spread0: 0.004, spreadM: 0.0003,
	}
}

func gas(region, location string, vol, spread0 float64, month [12]float64) hub {
	return hub{
		asset: schemas.AssetClassGas, region: region, location: location,
		units: "USD/MMBtu", currency: "USD", perUnit: "MMBtu",
		blocks: []shape{{"", month}},
		growth: 0.01, gasBeta: 1, vol: vol, decimals: 3,
		spread0: spread0, spreadM: 0.0002,
	}
}

func carbon(region, location string, growth float64, level float64) hub {
	var month [12]float64
	for i := range month {
		month[i] = level
	}
	return hub{
		asset: schemas.AssetClassCarbon, region: region, location: location,
		units: "USD/tCO2", currency: "USD", perUnit: "tCO2",
		blocks: []shape{{"", month}},
		growth: growth, gasBeta: 0.1, vol: 0.8, decimals: 2,
		spread0: 0.005, spreadM: 0.0002,
	}
}

// hubs is the demo's market: reference mids in USD, Jan..Dec. Power has
// summer (Jul-Aug) and winter (Dec-Feb) premia over the shoulder months with
// ON above OFF everywhere; ERCOT spikes in August, CAISO's solar depresses
// spring on-peak while the evening ramp keeps off-peak close to on-peak,
// NYISO Zone J carries a city premium and ISO-NE a gas-constrained winter.
// Gas carries a winter premium, largest at Algonquin; Waha trades well below
// Henry Hub. Immutable.
var hubs = []hub{
	power("PJM", "West Hub", 1.0,
		[12]float64{92, 84, 62, 55, 56, 70, 95, 90, 62, 55, 60, 78},
		[12]float64{72, 66, 50, 42, 40, 46, 58, 56, 44, 43, 50, 64}),
	power("PJM", "AEP-Dayton Hub", 1.0,
		[12]float64{88, 80, 59, 52, 53, 66, 90, 85, 59, 52, 57, 74},
		[12]float64{69, 63, 47, 40, 38, 44, 55, 53, 42, 41, 48, 61}),
	power("ERCOT", "North Hub", 1.4,
		[12]float64{52, 50, 40, 42, 48, 62, 98, 135, 70, 45, 40, 46},
		[12]float64{38, 37, 30, 30, 32, 36, 44, 52, 38, 32, 31, 35}),
	power("ERCOT", "Houston Hub", 1.4,
		[12]float64{54, 52, 42, 44, 51, 66, 104, 142, 74, 47, 42, 48},
		[12]float64{39, 38, 31, 31, 33, 37, 46, 54, 39, 33, 32, 36}),
	power("CAISO", "SP15", 1.1,
		[12]float64{62, 55, 38, 28, 30, 42, 72, 84, 76, 58, 60, 66},
		[12]float64{57, 51, 35, 25, 26, 38, 62, 72, 66, 53, 55, 60}),
	power("CAISO", "NP15", 1.1,
		[12]float64{65, 58, 40, 27, 29, 44, 75, 86, 80, 62, 63, 69},
		[12]float64{60, 54, 37, 24, 25, 40, 65, 75, 70, 57, 58, 63}),
	power("MISO", "Indiana Hub", 1.0,
		[12]float64{62, 58, 48, 44, 46, 56, 76, 74, 52, 46, 50, 58},
		[12]float64{46, 44, 36, 32, 31, 35, 44, 43, 34, 33, 38, 44}),
	power("NYISO", "Zone J", 1.2,
		[12]float64{118, 110, 78, 68, 70, 92, 122, 116, 84, 70, 78, 102},
		[12]float64{96, 90, 64, 54, 52, 64, 80, 78, 60, 56, 64, 84}),
	power("ISONE", "Mass Hub", 1.5,
		[12]float64{165, 145, 82, 58, 52, 60, 82, 78, 56, 55, 72, 128},
		[12]float64{140, 124, 70, 48, 40, 44, 56, 54, 42, 44, 60, 110}),
	power("SPP", "South Hub", 1.1,
		[12]float64{42, 40, 34, 33, 36, 46, 64, 68, 44, 34, 34, 38},
		[12]float64{28, 27, 22, 20, 20, 24, 32, 34, 25, 22, 23, 26}),

	gas("Gulf Coast", "Henry Hub", 0.3, 0.0025,
		[12]float64{4.60, 4.35, 3.75, 3.40, 3.38, 3.52, 3.70, 3.75, 3.68, 3.75, 4.00, 4.45}),
	gas("Northeast", "Algonquin Citygate", 2.0, 0.010,
		[12]float64{15.50, 13.00, 6.00, 3.30, 2.90, 3.10, 3.80, 3.70, 3.00, 3.20, 5.50, 11.50}),
	gas("Permian", "Waha", 1.6, 0.008,
		[12]float64{3.10, 2.90, 1.80, 0.90, 0.80, 1.30, 1.80, 1.90, 1.60, 1.40, 2.30, 3.00}),
	gas("West", "SoCal Citygate", 1.2, 0.005,
		[12]float64{5.80, 5.20, 4.10, 3.60, 3.60, 4.10, 4.90, 5.20, 4.80, 4.40, 4.80, 5.70}),
	gas("Midwest", "Chicago Citygate", 0.6, 0.004,
		[12]float64{4.40, 4.15, 3.50, 3.15, 3.10, 3.25, 3.40, 3.45, 3.38, 3.45, 3.75, 4.25}),

	carbon("Northeast", "RGGI", 0.07, 21.50),
	carbon("California", "CCA", 0.05, 29.80),
}
