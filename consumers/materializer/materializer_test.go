package materializer

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/aurum-energy/aurum/internal/retry"
	"github.com/aurum-energy/aurum/internal/serde"
)

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	ok := Config{Group: "g", Topics: []string{"t"}, Brokers: []string{"b:1"}}
	tests := []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"valid", func(*Config) {}, ""},
		{"no group", func(c *Config) { c.Group = "" }, "consumer group"},
		{"no topics", func(c *Config) { c.Topics = nil }, "topic"},
		{"no brokers", func(c *Config) { c.Brokers = nil }, "broker"},
		{"negative workers", func(c *Config) { c.Workers = -1 }, "workers"},
		{"min over max backoff", func(c *Config) { c.Backoff = retry.Backoff{Min: time.Minute, Max: time.Second} }, "exceeds"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.change(&c)
			err := c.Validate()
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("Validate() = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestClassifiesErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		err        error
		dataReason string // "" means retry
	}{
		{"check violation", &pgconn.PgError{Code: "23514"}, ReasonConstraintViolation},
		{"not null", fmt.Errorf("copy: %w", &pgconn.PgError{Code: "23502"}), ReasonConstraintViolation},
		{"bad byte", &pgconn.PgError{Code: "22021"}, ReasonInvalidData},
		{"admin shutdown", &pgconn.PgError{Code: "57P01"}, ""},
		{"deadlock", &pgconn.PgError{Code: "40P01"}, ""},
		{"connection refused", fmt.Errorf("dial tcp: connection refused"), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reason, ok := dataError(tc.err)
			if ok != (tc.dataReason != "") || reason != tc.dataReason {
				t.Errorf("dataError = %q, %v; want %q", reason, ok, tc.dataReason)
			}
		})
	}
}

func TestRejectDecode(t *testing.T) {
	t.Parallel()
	var rej *Rejection
	if err := RejectDecode(fmt.Errorf("x: %w", serde.ErrMalformed)); !asRejection(err, &rej) || rej.Reason != ReasonMalformed {
		t.Errorf("malformed → %v", err)
	}
	if err := RejectDecode(fmt.Errorf("x: %w", serde.ErrUnknownSchema)); !asRejection(err, &rej) || rej.Reason != ReasonUnknownSchema {
		t.Errorf("unknown schema → %v", err)
	}
	if err := RejectDecode(fmt.Errorf("registry down")); asRejection(err, &rej) {
		t.Errorf("registry down is rejected, want retried")
	}
}

func asRejection(err error, rej **Rejection) bool {
	r, ok := err.(*Rejection)
	*rej = r
	return ok
}
