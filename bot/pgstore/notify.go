package pgstore

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

const (
	closeTimeout       = 5 * time.Second
	listenRetryMin     = 100 * time.Millisecond
	listenRetryMax     = 5 * time.Second
	listenRetryBackoff = 2
)

// Wait blocks until another Submit (from any replica) signals new work, max
// passes or ctx ends; it returns ctx's error in the last case, nil otherwise.
// A signal sent between a caller's empty Claim and its Wait is not seen, so
// max bounds how late such work is picked up.
//
// One background connection per Store listens; when it drops, it reconnects
// with backoff and wakes all waiters once reconnected (signals may have been
// missed meanwhile).
func (s *Store) Wait(ctx context.Context, max time.Duration) error {
	s.mu.Lock()
	wake := s.wake
	s.mu.Unlock()
	t := time.NewTimer(max)
	defer t.Stop()
	select {
	case <-wake:
		return nil
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Store) startListener() {
	ctx, cancel := context.WithCancel(context.Background())
	s.stopListen = cancel
	s.listenDone = make(chan struct{})
	go s.listen(ctx)
}

// broadcast wakes every current waiter.
func (s *Store) broadcast() {
	s.mu.Lock()
	close(s.wake)
	s.wake = make(chan struct{})
	s.mu.Unlock()
}

func (s *Store) listen(ctx context.Context) {
	defer close(s.listenDone)
	delay := listenRetryMin
	for {
		connected := s.listenOnce(ctx)
		if connected {
			delay = listenRetryMin
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		delay = min(delay*listenRetryBackoff, listenRetryMax)
	}
}

// listenOnce listens on one connection until it fails or ctx ends; it reports
// whether LISTEN succeeded.
func (s *Store) listenOnce(ctx context.Context) (connected bool) {
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
	if err != nil {
		return false
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), closeTimeout)
		defer cancel()
		_ = conn.Close(cctx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+notifyChannel); err != nil {
		return false
	}
	s.onceListen.Do(func() { close(s.listening) })
	s.broadcast()
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return true
		}
		s.broadcast()
	}
}
