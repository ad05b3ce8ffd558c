package queue

// shares is the memory queue's fair share: at most limit evaluations or
// tasks of one installation run at once, so one installation whose work is
// slow (a hostile config, a huge repository, a slow GitHub Enterprise
// server) cannot hold every worker while others wait. A ready key of an
// installation at its limit is held, not dropped, and released in arrival
// order as that installation's work finishes. The caller holds Memory.mu.
type shares struct {
	limit int
	busy  map[int64]int      // installation -> running keys
	held  map[int64][]string // installation -> ready keys waiting for a share
}

func newShares(limit int) *shares {
	return &shares{limit: limit, busy: map[int64]int{}, held: map[int64][]string{}}
}

// admit reports whether key of installation may run now and counts it if
// so; otherwise it holds key until done releases it.
func (s *shares) admit(installation int64, key string) bool {
	if s.busy[installation] >= s.limit {
		s.held[installation] = append(s.held[installation], key)
		return false
	}
	s.busy[installation]++
	return true
}

// done ends one running key of installation and returns the held key, if
// any, that may now be made ready again.
func (s *shares) done(installation int64) (string, bool) {
	if s.busy[installation]--; s.busy[installation] <= 0 {
		delete(s.busy, installation)
	}
	held := s.held[installation]
	if len(held) == 0 {
		return "", false
	}
	if len(held) == 1 {
		delete(s.held, installation)
	} else {
		s.held[installation] = held[1:]
	}
	return held[0], true
}
