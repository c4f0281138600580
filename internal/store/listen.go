package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/aurum-energy/aurum/internal/retry"
)

// Listener holds a LISTEN on one channel over a connection of its own,
// taken from Pool (and no longer part of it), and listens again after the
// connection fails. A notification arrives when the transaction that sent
// it commits.
type Listener struct {
	Pool    *pgxpool.Pool
	Channel string
	// Subscribed, if set, runs on the connection once it listens, before
	// any notification is handled: what it reads, no change sent after it
	// can precede. An error ends the connection, as a failure would.
	Subscribed func(ctx context.Context, conn *pgx.Conn) error
	// Notified runs for each notification, with its payload.
	Notified func(payload string)
	// Lost, if set, runs when the connection has failed, before the pause
	// after which it listens again.
	Lost func(err error)
	// Retry is that pause; default one second.
	Retry time.Duration
}

// listenPing bounds the wait for a notification: then the connection is
// pinged, so that a dead one is noticed. listenSetup bounds subscribing,
// Subscribed and the ping.
const (
	listenPing  = 30 * time.Second
	listenSetup = 10 * time.Second
)

// Run listens until ctx ends.
func (l *Listener) Run(ctx context.Context) error {
	pause := l.Retry
	if pause <= 0 {
		pause = time.Second
	}
	for {
		err := l.listen(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if l.Lost != nil {
			l.Lost(err)
		}
		if retry.Sleep(ctx, pause) != nil {
			return nil
		}
	}
}

// listen takes a connection, subscribes, runs Subscribed and hands
// notifications to Notified until the connection fails or ctx ends.
func (l *Listener) listen(ctx context.Context) error {
	sctx, cancel := context.WithTimeout(ctx, listenSetup)
	defer cancel()
	pc, err := l.Pool.Acquire(sctx)
	if err != nil {
		return err
	}
	conn := pc.Hijack()
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = conn.Close(cctx)
	}()
	if _, err := conn.Exec(sctx, "LISTEN "+pgx.Identifier{l.Channel}.Sanitize()); err != nil {
		return err
	}
	if l.Subscribed != nil {
		if err := l.Subscribed(sctx, conn); err != nil {
			return err
		}
	}
	for {
		wctx, cancel := context.WithTimeout(ctx, listenPing)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case err == nil:
			l.Notified(n.Payload)
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, context.DeadlineExceeded):
			pctx, cancel := context.WithTimeout(ctx, listenSetup)
			err := conn.Ping(pctx)
			cancel()
			if err != nil {
				return err
			}
		default:
			return err
		}
	}
}
