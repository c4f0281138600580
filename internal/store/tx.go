package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Roles created by the migrations. See the package documentation.
const (
	// AppRole owns no data and bypasses nothing: every InTenant and InTx
	// transaction runs as it, so row-level security applies even when the
	// pool connects as a superuser or the tables' owner.
	AppRole = "aurum_app"
	// RelayRole may read, mark and purge the outbox rows of every tenant,
	// and has no other privilege.
	RelayRole = "aurum_relay"
)

// ErrNoTenant is returned by InTenant when no tenant is given.
var ErrNoTenant = errors.New("store: tenant is required")

// TenantSetting is the configuration parameter the row-level security
// policies compare tenant_id with.
const TenantSetting = "app.current_tenant"

// InTenant runs fn in a transaction as AppRole with the tenant set for that
// transaction, so fn sees and writes only that tenant's rows of the tenant
// tables (market tables are unaffected). It commits if fn returns nil and
// rolls back otherwise. tenant must come from the authenticated identity.
func (s *Store) InTenant(ctx context.Context, tenant string, fn func(pgx.Tx) error) error {
	if tenant == "" {
		return ErrNoTenant
	}
	return s.inRole(ctx, AppRole, tenant, fn)
}

// InTx runs fn in a transaction as AppRole with no tenant set: market data
// is read- and writable, tenant tables show no rows and refuse inserts.
func (s *Store) InTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return s.inRole(ctx, AppRole, "", fn)
}

// InRelay runs fn in a transaction as RelayRole, for the outbox relay: it
// reads and marks (published_at, attempts, last_error) or deletes published
// outbox rows of every tenant, and can touch no other tenant table.
func (s *Store) InRelay(ctx context.Context, fn func(pgx.Tx) error) error {
	return s.inRole(ctx, RelayRole, "", fn)
}

func (s *Store) inRole(ctx context.Context, role, tenant string, fn func(pgx.Tx) error) error {
	if s.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.timeout)
		defer cancel()
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	// Also runs if fn panics. After a commit, or when pgx already closed the
	// transaction, Rollback does nothing and its error says only that.
	defer func() { _ = tx.Rollback(ctx) }()
	// fn's statements run under the contexts its author captured, which
	// need not have a deadline; the socket's deadline bounds them all. It is
	// lifted before Commit or Rollback hand the connection back to the pool
	// (defers run last in, first out), where it would fail the next user;
	// they are bounded by ctx.
	lift := func() {}
	if deadline, ok := ctx.Deadline(); ok {
		conn := tx.Conn().PgConn().Conn()
		_ = conn.SetDeadline(deadline) // a net.Conn's SetDeadline fails only once it is closed
		lift = func() { _ = conn.SetDeadline(time.Time{}) }
	}
	defer lift()
	// Both settings are transaction-local and always set, so a value a
	// previous transaction left at session level on this connection never
	// applies here. set_config binds the values; SET cannot take parameters.
	if _, err := tx.Exec(ctx, `SELECT set_config('role', $1, true), set_config($2, $3, true)`,
		role, TenantSetting, tenant); err != nil {
		return fmt.Errorf("set role %s and tenant: %w", role, err)
	}
	if err := fn(tx); err != nil {
		if cerr := expired(ctx); cerr != nil {
			// Say so whatever fn made of the timed-out connection, so that
			// callers can tell a timeout from a failure.
			return fmt.Errorf("%w: %w", cerr, err)
		}
		return err
	}
	lift()
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// expired is ctx.Err(), or context.DeadlineExceeded once ctx's deadline has
// passed: the socket's deadline may fire before the context's own timer.
func expired(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if deadline, ok := ctx.Deadline(); ok && !time.Now().Before(deadline) {
		return context.DeadlineExceeded
	}
	return nil
}
