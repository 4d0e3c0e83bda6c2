package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Watch calls changed after every write any node commits, until ctx is
// done: it listens on the channel each write transaction notifies, on a
// connection of its own. Notifications of writes committed close together
// may arrive as one. When the connection is lost, Watch calls changed
// once it is back, since writes may have gone unheard meanwhile, and
// retries, waiting from watchRetryMin to watchRetryMax between tries; and
// once when it first listens, for the writes committed before that.
// It returns ctx's error.
func (s *Store) Watch(ctx context.Context, changed func()) error {
	wait := watchRetryMin
	// Writes committed before the first LISTEN took effect were heard by
	// nobody: the first listen counts as a reconnection.
	missed := true
	for {
		err := s.listen(ctx, func() {
			wait = watchRetryMin
			if missed {
				missed = false
				changed()
			}
		}, changed)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		_ = err // the connection was lost or refused: listen again
		missed = true
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return ctx.Err()
		}
		wait = min(2*wait, watchRetryMax)
	}
}

// Bounds of the wait before Watch listens again after losing its
// connection.
const (
	watchRetryMin = 100 * time.Millisecond
	watchRetryMax = 5 * time.Second
)

// listen opens a connection, listens, calls listening once it does, then
// changed for each notification, until the connection fails or ctx is
// done.
func (s *Store) listen(ctx context.Context, listening, changed func()) error {
	conn, err := pgx.Connect(ctx, s.dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+changesChannel); err != nil {
		return err
	}
	listening()
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		changed()
	}
}
