// Package stuck is the slow tenant of the fair-share tests: an evaluation
// that blocks for one installation's pull requests while every other
// installation's goes through.
package stuck

import (
	"context"
	"slices"
	"sync"
)

// Installation is an evaluation that blocks, until Release, for one
// installation's pull requests; any other installation's evaluation sends
// what the stuck one had finished by then on VictimDone.
type Installation struct {
	id         int64
	release    chan struct{}
	victimDone chan []string

	mu                sync.Mutex
	started, finished []string
	running, peak     int
}

// New returns installation id, stuck until Release.
func New(id int64) *Installation {
	return &Installation{id: id, release: make(chan struct{}), victimDone: make(chan []string, 1)}
}

// Evaluate is the evaluation of the pull request key of installation
// installationID: it blocks until Release or ctx ends when installationID
// is the stuck one, and returns at once otherwise.
func (s *Installation) Evaluate(ctx context.Context, installationID int64, key string) error {
	s.mu.Lock()
	if installationID != s.id {
		s.victimDone <- slices.Clone(s.finished)
		s.mu.Unlock()
		return nil
	}
	s.started = append(s.started, key)
	s.running++
	s.peak = max(s.peak, s.running)
	s.mu.Unlock()
	select {
	case <-s.release:
	case <-ctx.Done():
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.running--
	s.finished = append(s.finished, key)
	return ctx.Err()
}

// Release unblocks the stuck installation's evaluations, now and after.
func (s *Installation) Release() { close(s.release) }

// VictimDone receives, when another installation's evaluation runs, the
// keys the stuck installation had finished by then.
func (s *Installation) VictimDone() <-chan []string { return s.victimDone }

// Started returns the keys whose evaluation has started, in order.
func (s *Installation) Started() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.started)
}

// Peak is the most evaluations of the stuck installation that ran at once.
func (s *Installation) Peak() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak
}
