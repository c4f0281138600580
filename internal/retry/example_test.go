package retry_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aurum-energy/aurum/internal/retry"
)

// Do retries a write until the database answers: here it refuses twice.
func ExampleDo() {
	calls := 0
	write := func(context.Context) error {
		if calls++; calls < 3 {
			return errors.New("connection refused")
		}
		return nil
	}
	err := retry.Do(context.Background(), "write batch", retry.Policy{
		Backoff:        retry.Backoff{Min: time.Millisecond, Max: 10 * time.Millisecond},
		AttemptTimeout: time.Second,
	}, write)
	fmt.Println(calls, err)
	// Output: 3 <nil>
}
