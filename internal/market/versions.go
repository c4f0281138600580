package market

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/aurum-energy/aurum/internal/store"
)

// versionsChannel is the channel data_version changes are announced on
// (migration 0008), each notification carrying the row's token.
const versionsChannel = "aurum_data_version"

// versionTokens reads every dataset's token, as the notifications spell it.
const versionTokens = `SELECT dataset, data_version_token(d) FROM data_version d`

// DataVersion returns the token naming the current state of dataset — its
// data_version counter and when it changed, "dataset:version.micros" — read
// from db. A dataset without a row is "dataset:0".
func DataVersion(ctx context.Context, db Querier, dataset string) (string, error) {
	var token string
	err := db.QueryRow(ctx, `SELECT data_version_token(d) FROM data_version d WHERE dataset = $1`, dataset).Scan(&token)
	if errors.Is(err, pgx.ErrNoRows) {
		return dataset + ":0", nil
	}
	if err != nil {
		return "", fmt.Errorf("read data version of %s: %w", dataset, err)
	}
	return token, nil
}

// Versions keeps every dataset's data version in memory, from the
// notifications the database sends when one changes, so that readers need
// no query to learn it. It listens on a connection of its own; while that
// connection is down, Get reports that it does not know and readers ask
// the database (DataVersion). A version is known a moment after the
// transaction that changed it commits: the time the notification takes.
type Versions struct {
	pool   *pgxpool.Pool
	logger *slog.Logger
	// retry is the pause before listening again after the connection
	// failed.
	retry time.Duration

	mu     sync.RWMutex
	tokens map[string]string // nil while not listening
}

// NewVersions returns Versions listening through a connection taken from
// pool (and no longer part of it) once Run starts.
func NewVersions(pool *pgxpool.Pool, logger *slog.Logger) *Versions {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Versions{pool: pool, logger: logger, retry: time.Second}
}

// Get returns dataset's token and whether it is known: false before Run
// has read the versions and while the connection is down.
func (v *Versions) Get(dataset string) (string, bool) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	if v.tokens == nil {
		return "", false
	}
	if t, ok := v.tokens[dataset]; ok {
		return t, true
	}
	return dataset + ":0", true
}

// Run listens until ctx ends, reconnecting after failures.
func (v *Versions) Run(ctx context.Context) error {
	l := &store.Listener{
		Pool:       v.pool,
		Channel:    versionsChannel,
		Subscribed: v.load,
		Notified:   v.set,
		Lost: func(err error) {
			v.forget()
			v.logger.Warn("data versions: listening failed; readers query the database until it is back",
				slog.Any("error", err), slog.Duration("retry", v.retry))
		},
		Retry: v.retry,
	}
	err := l.Run(ctx)
	v.forget()
	return err
}

// load reads every version on the listening connection: after subscribing,
// so no change falls between.
func (v *Versions) load(ctx context.Context, conn *pgx.Conn) error {
	rows, err := conn.Query(ctx, versionTokens)
	if err != nil {
		return err
	}
	tokens := map[string]string{}
	var dataset, token string
	if _, err := pgx.ForEachRow(rows, []any{&dataset, &token}, func() error {
		tokens[dataset] = token
		return nil
	}); err != nil {
		return err
	}
	v.mu.Lock()
	v.tokens = tokens
	v.mu.Unlock()
	return nil
}

// set records a notification's token, dataset:version.micros.
func (v *Versions) set(token string) {
	dataset, _, ok := strings.Cut(token, ":")
	if !ok {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.tokens != nil {
		v.tokens[dataset] = token
	}
}

func (v *Versions) forget() {
	v.mu.Lock()
	v.tokens = nil
	v.mu.Unlock()
}
