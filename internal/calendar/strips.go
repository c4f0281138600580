package calendar

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Tenor types with a fixed set of months, as in CurveObservation.tenor_type.
const (
	tenorMonthly  = "MONTHLY"
	tenorQuarter  = "QUARTER"
	tenorSeason   = "SEASON"
	tenorCalendar = "CALENDAR"
)

// monthNames maps upper-case month names and abbreviations to months.
var monthNames = map[string]time.Month{
	"JAN": time.January, "JANUARY": time.January,
	"FEB": time.February, "FEBRUARY": time.February,
	"MAR": time.March, "MARCH": time.March,
	"APR": time.April, "APRIL": time.April,
	"MAY": time.May,
	"JUN": time.June, "JUNE": time.June,
	"JUL": time.July, "JULY": time.July,
	"AUG": time.August, "AUGUST": time.August,
	"SEP": time.September, "SEPT": time.September, "SEPTEMBER": time.September,
	"OCT": time.October, "OCTOBER": time.October,
	"NOV": time.November, "NOVEMBER": time.November,
	"DEC": time.December, "DECEMBER": time.December,
}

// StripMonths returns the contract months of the strip label of tenorType, in
// order, each the first of the month at midnight UTC. Tenor types and labels
// are case-insensitive; each strip has a canonical label (what StripLabel
// returns) and accepted variants:
//
//   - MONTHLY: "2027-01"; also any form ParseMonth accepts ("Jan-27").
//   - QUARTER: "2027-Q1" = Jan–Mar 2027; also "2027Q1", "Q1-2027", "Q1 27".
//   - SEASON: "2027-SUMMER" = Apr–Oct 2027 and "2027-WINTER" = Nov 2027–Mar
//     2028. This is the gas-year convention: the summer injection season
//     April–October and the winter withdrawal season November–March, a
//     winter named for the year it starts in. Also "SUMMER-2027", "Sum27",
//     "Win 27".
//   - CALENDAR: "2027" = Jan–Dec 2027; also "CAL-2027", "Cal27", "CAL 27".
//
// Two-digit years are 20YY. An unknown tenor type wraps ErrUnknownTenorType;
// a label that does not parse wraps ErrInvalidLabel.
func StripMonths(tenorType, label string) ([]time.Time, error) {
	var (
		first time.Time
		n     int
		err   error
	)
	switch Normalize(tenorType) {
	case tenorMonthly:
		n = 1
		first, err = ParseMonth(label)
	case tenorQuarter:
		first, n, err = parseQuarter(label)
	case tenorSeason:
		first, n, err = parseSeason(label)
	case tenorCalendar:
		first, n, err = parseCalendar(label)
	default:
		return nil, fmt.Errorf("strip months of %q: tenor type %q: %w", label, tenorType, ErrUnknownTenorType)
	}
	if err != nil {
		return nil, fmt.Errorf("strip months of %s %q: %w", tenorType, label, err)
	}
	months := make([]time.Time, n)
	for i := range months {
		months[i] = first.AddDate(0, i, 0)
	}
	return months, nil
}

// StripLabel returns the canonical label of the tenorType strip containing
// the calendar month of month (its year and month fields): "2027-01" for
// MONTHLY, "2027-Q1" for QUARTER, "2027-SUMMER" or "2027-WINTER" for SEASON
// (January–March belong to the previous year's winter) and "2027" for
// CALENDAR. It returns "" for any other tenor type.
func StripLabel(tenorType string, month time.Time) string {
	y, m := month.Year(), month.Month()
	switch Normalize(tenorType) {
	case tenorMonthly:
		return fmt.Sprintf("%04d-%02d", y, int(m))
	case tenorQuarter:
		return fmt.Sprintf("%04d-Q%d", y, (int(m)-1)/3+1)
	case tenorSeason:
		switch {
		case m >= time.April && m <= time.October:
			return fmt.Sprintf("%04d-SUMMER", y)
		case m >= time.November:
			return fmt.Sprintf("%04d-WINTER", y)
		default:
			return fmt.Sprintf("%04d-WINTER", y-1)
		}
	case tenorCalendar:
		return fmt.Sprintf("%04d", y)
	}
	return ""
}

// ParseMonth parses a contract-month label into the first of that month at
// midnight UTC. It accepts, case-insensitively, "2027-01" (canonical),
// "2027/01", "202701", "01/2027", and a month name or three-letter
// abbreviation followed by a two- or four-digit year with or without a
// separator: "Jan-27", "JAN27", "Jan 2027", "January 2027", "Jan'27".
// Two-digit years are 20YY. Anything else wraps ErrInvalidLabel.
func ParseMonth(label string) (time.Time, error) {
	toks, err := tokens(label)
	if err != nil {
		return time.Time{}, err
	}
	bad := fmt.Errorf("month %q: %w", label, ErrInvalidLabel)
	switch {
	case len(toks) == 1 && len(toks[0]) == 6 && isDigits(toks[0]):
		return yearMonth(toks[0][:4], toks[0][4:], bad)
	case len(toks) == 2 && len(toks[0]) == 4 && isDigits(toks[0]):
		return yearMonth(toks[0], toks[1], bad)
	case len(toks) == 2 && len(toks[1]) == 4 && isDigits(toks[0]):
		return yearMonth(toks[1], toks[0], bad)
	case len(toks) == 2:
		m, ok := monthNames[toks[0]]
		y, yok := parseYear(toks[1])
		if !ok || !yok {
			return time.Time{}, bad
		}
		return date(y, m, 1), nil
	}
	return time.Time{}, bad
}

func yearMonth(ys, ms string, bad error) (time.Time, error) {
	if len(ys) != 4 || len(ms) > 2 {
		return time.Time{}, bad
	}
	y, yok := parseYear(ys)
	m, err := strconv.Atoi(ms)
	if !yok || err != nil || m < 1 || m > 12 {
		return time.Time{}, bad
	}
	return date(y, time.Month(m), 1), nil
}

func parseQuarter(label string) (time.Time, int, error) {
	toks, err := tokens(label)
	if err != nil {
		return time.Time{}, 0, err
	}
	bad := fmt.Errorf("quarter %q: %w", label, ErrInvalidLabel)
	var ys, qs string
	switch {
	case len(toks) == 3 && toks[1] == "Q":
		ys, qs = toks[0], toks[2]
	case len(toks) == 3 && toks[0] == "Q":
		qs, ys = toks[1], toks[2]
	default:
		return time.Time{}, 0, bad
	}
	y, yok := parseYear(ys)
	if !yok || len(qs) != 1 || qs < "1" || qs > "4" {
		return time.Time{}, 0, bad
	}
	q := int(qs[0] - '0')
	return date(y, time.Month(3*q-2), 1), 3, nil
}

func parseSeason(label string) (time.Time, int, error) {
	toks, err := tokens(label)
	if err != nil {
		return time.Time{}, 0, err
	}
	bad := fmt.Errorf("season %q: %w", label, ErrInvalidLabel)
	if len(toks) != 2 {
		return time.Time{}, 0, bad
	}
	ys, name := toks[0], toks[1]
	if !isDigits(ys) {
		ys, name = name, ys
	}
	y, ok := parseYear(ys)
	if !ok {
		return time.Time{}, 0, bad
	}
	switch name {
	case "SUMMER", "SUM":
		return date(y, time.April, 1), 7, nil
	case "WINTER", "WIN":
		return date(y, time.November, 1), 5, nil
	}
	return time.Time{}, 0, bad
}

func parseCalendar(label string) (time.Time, int, error) {
	toks, err := tokens(label)
	if err != nil {
		return time.Time{}, 0, err
	}
	bad := fmt.Errorf("calendar %q: %w", label, ErrInvalidLabel)
	var (
		y  int
		ok bool
	)
	switch {
	case len(toks) == 1 && len(toks[0]) == 4:
		y, ok = parseYear(toks[0])
	case len(toks) == 2 && (toks[0] == "CAL" || toks[0] == "CY"):
		y, ok = parseYear(toks[1])
	}
	if !ok {
		return time.Time{}, 0, bad
	}
	return date(y, time.January, 1), 12, nil
}

// tokens splits an upper-cased label into runs of letters and runs of
// digits; spaces, '-', '_', '/', '.' and '\” only separate. Any other
// character makes the label invalid.
func tokens(label string) ([]string, error) {
	var (
		out  []string
		cur  []rune
		kind int // 0 none, 1 letters, 2 digits
	)
	flush := func() {
		if len(cur) > 0 {
			out = append(out, string(cur))
			cur = cur[:0]
		}
		kind = 0
	}
	for _, r := range strings.ToUpper(strings.TrimSpace(label)) {
		var k int
		switch {
		case r >= 'A' && r <= 'Z':
			k = 1
		case r >= '0' && r <= '9':
			k = 2
		case unicode.IsSpace(r) || strings.ContainsRune("-_/.'", r):
			flush()
			continue
		default:
			return nil, fmt.Errorf("label %q: unexpected %q: %w", label, r, ErrInvalidLabel)
		}
		if k != kind {
			flush()
		}
		kind = k
		cur = append(cur, r)
	}
	flush()
	if len(out) == 0 {
		return nil, fmt.Errorf("empty label: %w", ErrInvalidLabel)
	}
	return out, nil
}

// parseYear accepts a four-digit year from 1000 or a two-digit year as 20YY.
func parseYear(s string) (int, bool) {
	if !isDigits(s) || (len(s) != 2 && len(s) != 4) {
		return 0, false
	}
	y, err := strconv.Atoi(s)
	if err != nil {
		return 0, false
	}
	if len(s) == 2 {
		return 2000 + y, true
	}
	return y, y >= 1000
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
