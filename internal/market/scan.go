package market

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/aurum-energy/aurum/schemas"
)

// pointScanner decodes CurvePoint rows from their wire values, without
// pgx's per-value scan plans: a page holds each curve's many points in a
// row, so the curve's columns are decoded once per curve, the closed sets
// (price and tenor types) are not allocated, and the prices of a page share
// one allocation. It decodes the columns of curveColumns, then those of
// pointColumns, in either wire format.
type pointScanner struct {
	key    []byte // the wire curve_key of cur
	cur    Curve
	prices []float64 // free slots for the page's prices
}

// numCurveColumns is the number of columns of curveColumns.
const numCurveColumns = 12

func (s *pointScanner) scan(rows pgx.Rows, p *CurvePoint) error {
	raw := rows.RawValues()
	fds := rows.FieldDescriptions()
	if len(raw) != numCurveColumns+9 {
		return fmt.Errorf("point row has %d columns", len(raw))
	}
	if s.key == nil || !bytes.Equal(raw[0], s.key) {
		c := Curve{Key: string(raw[0]), AssetClass: string(raw[1]), UnitsRaw: string(raw[11])}
		for i, dst := range []**string{&c.ISO, &c.Region, &c.Location, &c.Market, &c.Product, &c.Block, &c.Spark, &c.Currency, &c.PerUnit} {
			*dst = textOrNil(raw[2+i])
		}
		s.key, s.cur = append(s.key[:0], raw[0]...), c
	}
	p.Curve = s.cur
	o, f := raw[numCurveColumns:], fds[numCurveColumns:]
	var err error
	if p.AsofDate, err = decodeDate(f[0], o[0]); err != nil {
		return err
	}
	p.PriceType, p.TenorType, p.TenorLabel = closedSet(o[1]), closedSet(o[2]), string(o[3])
	p.ContractMonth = nil
	if o[4] != nil {
		m, err := decodeDate(f[4], o[4])
		if err != nil {
			return err
		}
		p.ContractMonth = &m
	}
	for i, dst := range []**float64{&p.Value, &p.Bid, &p.Ask, &p.Mid} {
		if *dst, err = s.price(f[5+i], o[5+i]); err != nil {
			return err
		}
	}
	return nil
}

// price decodes a nullable float8 into the page's shared allocation.
func (s *pointScanner) price(fd pgconn.FieldDescription, b []byte) (*float64, error) {
	if b == nil {
		return nil, nil
	}
	v, err := decodeFloat(fd, b)
	if err != nil {
		return nil, err
	}
	if len(s.prices) == 0 {
		s.prices = make([]float64, 512)
	}
	p := &s.prices[0]
	s.prices = s.prices[1:]
	*p = v
	return p, nil
}

func textOrNil(b []byte) *string {
	if b == nil {
		return nil
	}
	s := string(b)
	return &s
}

// closedSets are the values of the contract's price and tenor types, so
// that decoding one allocates nothing.
var closedSets = func() map[string]string {
	m := map[string]string{}
	for _, v := range append(schemas.Symbols(schemas.PriceTypes), schemas.Symbols(schemas.TenorTypes)...) {
		m[v] = v
	}
	return m
}()

func closedSet(b []byte) string {
	if v, ok := closedSets[string(b)]; ok {
		return v
	}
	return string(b)
}

// postgresEpoch is day 0 of PostgreSQL's binary dates and instant 0 of its
// binary timestamps (decodeDate here, copyRow when writing).
var postgresEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// decodeDate decodes a date in either wire format.
func decodeDate(fd pgconn.FieldDescription, b []byte) (time.Time, error) {
	if fd.Format == pgx.TextFormatCode {
		return time.Parse(time.DateOnly, string(b))
	}
	if len(b) != 4 {
		return time.Time{}, fmt.Errorf("date of %d bytes", len(b))
	}
	days := int32(binary.BigEndian.Uint32(b))
	if days == math.MaxInt32 || days == math.MinInt32 {
		return time.Time{}, fmt.Errorf("infinite date")
	}
	// A day is 86,400 s in UTC: no AddDate calendar arithmetic per row.
	return time.Unix(postgresEpoch.Unix()+int64(days)*86400, 0).UTC(), nil
}

// decodeFloat decodes a float8 in either wire format.
func decodeFloat(fd pgconn.FieldDescription, b []byte) (float64, error) {
	if fd.Format == pgx.TextFormatCode {
		return strconv.ParseFloat(string(b), 64)
	}
	if len(b) != 8 {
		return 0, fmt.Errorf("float8 of %d bytes", len(b))
	}
	return math.Float64frombits(binary.BigEndian.Uint64(b)), nil
}
