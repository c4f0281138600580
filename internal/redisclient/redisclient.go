// Package redisclient builds Aurum's Redis clients, every one with socket
// deadlines, so that a Redis that stops answering (paused, partitioned,
// swapping) costs a caller at most its own budget rather than go-redis's
// defaults of several seconds per attempt.
package redisclient

import (
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Deadlines of every client. Callers bound each operation tighter with
// their context (the response cache gives a read 100 ms); these apply
// where a context has no deadline, and bound the wait for a connection.
const (
	DialTimeout  = time.Second
	ReadTimeout  = time.Second
	WriteTimeout = time.Second
	PoolTimeout  = time.Second
)

// Options parses a redis:// URL and applies the deadlines, except those the
// URL sets itself (dial_timeout, read_timeout, write_timeout, pool_timeout).
// Use it to adjust a setting (a pool size) before redis.NewClient;
// otherwise use New.
func Options(url string) (*redis.Options, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redis url: %w", err)
	}
	for _, d := range []struct {
		field *time.Duration
		value time.Duration
	}{
		{&opts.DialTimeout, DialTimeout},
		{&opts.ReadTimeout, ReadTimeout},
		{&opts.WriteTimeout, WriteTimeout},
		{&opts.PoolTimeout, PoolTimeout},
	} {
		if *d.field == 0 {
			*d.field = d.value
		}
	}
	// Without it go-redis ignores the context's deadline on the socket and
	// waits ReadTimeout per attempt, retries included.
	opts.ContextTimeoutEnabled = true
	return opts, nil
}

// New returns a client of the Redis at url with the deadlines applied. It
// does not connect; the first command does.
func New(url string) (*redis.Client, error) {
	opts, err := Options(url)
	if err != nil {
		return nil, err
	}
	return redis.NewClient(opts), nil
}
