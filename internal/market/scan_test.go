package market

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestDecodeDate: a binary date is the day PostgreSQL counts from
// 2000-01-01, as the calendar has it, before and after the epoch, and the
// text form reads the same.
func TestDecodeDate(t *testing.T) {
	t.Parallel()
	binary4 := pgconn.FieldDescription{Format: pgx.BinaryFormatCode}
	text := pgconn.FieldDescription{Format: pgx.TextFormatCode}
	for _, days := range []int32{0, 1, -1, 366, -730_119, 9_496, 2_932_896, 1 << 24} {
		want := postgresEpoch.AddDate(0, 0, int(days))
		got, err := decodeDate(binary4, binary.BigEndian.AppendUint32(nil, uint32(days)))
		if err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("day %d: %v, %v; want %v UTC", days, got, err, want)
		}
		if want.Year() > 9999 {
			continue
		}
		got, err = decodeDate(text, []byte(want.Format(time.DateOnly)))
		if err != nil || !got.Equal(want) {
			t.Errorf("day %d as text: %v, %v; want %v", days, got, err, want)
		}
	}
}
