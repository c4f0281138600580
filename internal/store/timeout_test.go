package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aurum-energy/aurum/internal/testenv"
)

// TestTimeoutBoundsStatements: Config.Timeout is the server's
// statement_timeout on both pools.
func TestTimeoutBoundsStatements(t *testing.T) {
	t.Parallel()
	s := openStore(t, Config{URL: testenv.DatabaseURL(t), Timeout: 200 * time.Millisecond})
	ctx := context.Background()
	if _, err := s.Pool().Exec(ctx, `SELECT pg_sleep(5)`); pgCode(err) != "57014" {
		t.Errorf("a statement longer than the timeout on Pool: %v, want query_canceled (57014)", err)
	}
	if _, err := s.Reads().Exec(ctx, `SELECT pg_sleep(5)`); pgCode(err) != "57014" {
		t.Errorf("a statement longer than the timeout on Reads: %v, want query_canceled (57014)", err)
	}
}

// TestTimeoutBoundsHungTransactions: with the server paused in the middle
// of a transaction, a statement that fn runs under a context without a
// deadline fails once Config.Timeout has passed, saying so; when the server
// answers again the pool serves the next transaction.
func TestTimeoutBoundsHungTransactions(t *testing.T) {
	t.Parallel()
	pg := testenv.OwnPostgres(t)
	s := openStore(t, Config{URL: pg.DefaultURL(), MaxConns: 1, Timeout: time.Second})
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}

	done := make(chan error, 1)
	go func() {
		done <- s.InTenant(context.Background(), "acme", func(tx pgx.Tx) error {
			if err := pg.Pause(); err != nil {
				return err
			}
			_, err := tx.Exec(context.Background(), `SELECT 1`)
			return err
		})
	}()
	t.Cleanup(func() { _ = pg.Resume() })
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("InTenant with the server paused = %v, want a deadline exceeded", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("InTenant with the server paused did not return within 20 s")
	}

	if err := pg.Resume(); err != nil {
		t.Fatal(err)
	}
	// The store recovers by itself: once the resumed server has caught up
	// (a loaded machine may take it longer than one Timeout), a transaction
	// succeeds again.
	var err error
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
		if err = s.InTenant(context.Background(), "acme", func(tx pgx.Tx) error {
			_, err := tx.Exec(context.Background(), `SELECT 1`)
			return err
		}); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("InTenant after the server answers again: %v", err)
}

// TestTimeoutLeavesNoDeadlineBehind: the socket deadline a transaction sets
// is gone when its connection goes back to the pool, so the connection's
// next user is not failed by it.
func TestTimeoutLeavesNoDeadlineBehind(t *testing.T) {
	t.Parallel()
	url := testenv.DatabaseURL(t)
	ctx := context.Background()
	if _, err := openStore(t, Config{URL: url}).Migrate(ctx); err != nil { // creates the roles
		t.Fatal(err)
	}
	s := openStore(t, Config{URL: url, MaxConns: 1, Timeout: 100 * time.Millisecond})
	if err := s.InTx(ctx, func(tx pgx.Tx) error { _, err := tx.Exec(ctx, `SELECT 1`); return err }); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // past the transaction's deadline
	// MaxConns 1: the same connection. Reading its answer after the old
	// deadline fails if the deadline was left on the socket.
	var one int
	if err := s.Pool().QueryRow(ctx, `SELECT 1`).Scan(&one); err != nil {
		t.Fatalf("the connection after a transaction: %v", err)
	}
}
