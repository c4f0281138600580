// Package ercot collects ERCOT load forecasts, solar production, DAM
// settlement point prices (MIS reports: a document list, then one zip
// holding one CSV per document) and the ercot.com load dashboard into
// IsoLoadRecord and IsoLmpRecord.
package ercot

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aurum-energy/aurum/producers/collector"
	"github.com/aurum-energy/aurum/producers/iso/isotime"
)

// Document is one report file of an MIS document list.
type Document struct {
	DocID           string
	FriendlyName    string
	ConstructedName string
	ReportTypeID    string
	Published       time.Time
}

// docList is the IceDocListJsonWS answer. The pointers tell an error body
// (no ListDocsByRptTypeRes) from an empty list.
type docList struct {
	Res *struct {
		DocumentList []struct {
			Document struct {
				DocID           string `json:"DocID"`
				FriendlyName    string `json:"FriendlyName"`
				ConstructedName string `json:"ConstructedName"`
				ReportTypeID    string `json:"ReportTypeID"`
				PublishDate     string `json:"PublishDate"`
			} `json:"Document"`
		} `json:"DocumentList"`
	} `json:"ListDocsByRptTypeRes"`
}

// ParseDocumentList reads an IceDocListJsonWS answer and returns its CSV
// documents (the _xml twins are left out), oldest publication first.
func ParseDocumentList(body []byte) ([]Document, error) {
	var l docList
	if err := json.Unmarshal(body, &l); err != nil {
		return nil, malformed("document list: %v", err)
	}
	if l.Res == nil {
		return nil, malformed("document list: no ListDocsByRptTypeRes in %.200q", body)
	}
	var out []Document
	for i, e := range l.Res.DocumentList {
		d := e.Document
		if strings.HasSuffix(strings.ToLower(d.FriendlyName), "_xml") {
			continue
		}
		if d.DocID == "" {
			return nil, malformed("document list entry %d has no DocID", i)
		}
		pub, err := time.Parse(time.RFC3339, d.PublishDate)
		if err != nil {
			return nil, malformed("document %s: PublishDate %q: %v", d.DocID, d.PublishDate, err)
		}
		out = append(out, Document{
			DocID: d.DocID, FriendlyName: d.FriendlyName, ConstructedName: d.ConstructedName,
			ReportTypeID: d.ReportTypeID, Published: pub.UTC(),
		})
	}
	slices.SortStableFunc(out, func(a, b Document) int { return a.Published.Compare(b.Published) })
	return out, nil
}

// table is a report CSV: its header (names trimmed, so ERCOT's "DSTFlag  "
// reads "DSTFlag") and rows of as many cells.
type table struct {
	header []string
	rows   [][]string
}

func readTable(data []byte, what string) (*table, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.TrimLeadingSpace = true
	records, err := r.ReadAll()
	if err != nil {
		return nil, malformed("%s csv: %v", what, err)
	}
	if len(records) == 0 {
		return nil, malformed("%s csv is empty", what)
	}
	t := &table{header: records[0], rows: records[1:]}
	for i, h := range t.header {
		t.header[i] = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
	}
	return t, nil
}

// col is the index of the column named name, case-insensitively, or -1.
func (t *table) col(name string) int {
	return slices.IndexFunc(t.header, func(h string) bool { return strings.EqualFold(h, name) })
}

// cols returns the indexes of names, or an error naming the first missing.
func (t *table) cols(what string, names ...string) ([]int, error) {
	idx := make([]int, len(names))
	for i, n := range names {
		if idx[i] = t.col(n); idx[i] < 0 {
			return nil, malformed("%s csv header %q has no %s column", what, strings.Join(t.header, ","), n)
		}
	}
	return idx, nil
}

// operatingHour is one hour of an ERCOT operating day: the delivery date
// (UTC midnight, as the Avro date) and the interval's UTC bounds.
type operatingHour struct {
	date       time.Time
	start, end time.Time
}

// hourEnding resolves an ERCOT hour-ending label in Central prevailing
// time. date is MM/DD/YYYY; he is "1:00", "01:00", "24:00" or "14"; the
// interval runs from hour he-1 to he. dstFlag "Y" marks the second,
// repeated hour of the fall-back day (ERCOT labels both hour-ending 02:00;
// the first, N, is 01:00-02:00 CDT, the second, Y, 01:00-02:00 CST). The
// NP3-560 fixture confirms N is not "daylight time": its March 13-20, 2025
// rows, all in CDT, are flagged N. An hour inside the spring-forward gap
// (hour-ending 03:00 on that day) is malformed.
func hourEnding(date, he, dstFlag string) (operatingHour, error) {
	d, err := time.Parse("01/02/2006", strings.TrimSpace(date))
	if err != nil {
		return operatingHour{}, fmt.Errorf("delivery date %q: %w", date, err)
	}
	label := strings.TrimSpace(he)
	hs, _, _ := strings.Cut(label, ":")
	h, err := strconv.Atoi(hs)
	if err != nil || h < 1 || h > 24 {
		return operatingHour{}, fmt.Errorf("hour ending %q: want 1..24", he)
	}
	flag := strings.ToUpper(strings.TrimSpace(dstFlag))
	if flag != "" && flag != "Y" && flag != "N" {
		return operatingHour{}, fmt.Errorf("DSTFlag %q: want Y or N", dstFlag)
	}
	cands := isotime.Candidates(d.Add(time.Duration(h-1)*time.Hour), isotime.Central)
	var start time.Time
	switch {
	case len(cands) == 0:
		return operatingHour{}, fmt.Errorf("%s hour ending %s: %w", date, he, isotime.ErrNonexistent)
	case flag == "Y" && len(cands) < 2:
		return operatingHour{}, fmt.Errorf("%s hour ending %s: DSTFlag Y on an hour that is not repeated", date, he)
	case flag == "Y":
		start = cands[1]
	default:
		start = cands[0]
	}
	return operatingHour{date: d, start: start, end: start.Add(time.Hour)}, nil
}

// parseMW reads a value cell; "" is a missing value (ok false).
func parseMW(s string) (v float64, ok bool, err error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false, nil
	}
	v, err = strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, false, err
	}
	return v, true, nil
}

// malformed wraps collector.ErrMalformed.
func malformed(format string, args ...any) error {
	return fmt.Errorf("ercot: "+format+": %w", append(args, collector.ErrMalformed)...)
}
