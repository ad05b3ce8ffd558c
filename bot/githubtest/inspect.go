package githubtest

import (
	"slices"
	"time"
)

// AddCheckRun records a check run directly (e.g. one by another App, with
// a different AppID) and returns its ID. Its started_at is the fake's clock
// (see SetTime and Advance).
func (s *Server) AddCheckRun(owner, name string, run CheckRun) int64 {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.mustRepo(owner, name)
	s.nextID++
	run.ID = s.nextID
	if run.AppID == 0 {
		run.AppID = s.AppID
	}
	r.checkRuns = append(r.checkRuns, &run)
	s.started(run.ID)
	s.completed(&run)
	return run.ID
}

// CheckRuns returns a repository's check runs in creation order.
func (s *Server) CheckRuns(owner, name string) []CheckRun {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []CheckRun
	for _, cr := range s.mustRepo(owner, name).checkRuns {
		out = append(out, *cr)
	}
	return out
}

// CheckRunWrites returns the history of a repository's check runs: one
// entry per create or update the API accepted, holding the run as that
// write left it, in the order the writes arrived. A test can assert the
// sequence of verdicts a head showed, not only the last one. Runs added
// with AddCheckRun or changed with UpdateCheckRun are not API writes and
// do not appear.
func (s *Server) CheckRunWrites(owner, name string) []CheckRun {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.mustRepo(owner, name).runWrites)
}

// Comments returns the comments on an issue or pull request in creation
// order.
func (s *Server) Comments(owner, name string, number int) []Comment {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Comment
	for _, c := range s.mustRepo(owner, name).comments {
		if c.issue == number {
			out = append(out, c.Comment)
		}
	}
	return out
}

// SetTime pins the fake's clock, used to stamp reviews, events, comments
// and check runs (tokens and JWTs always use the real clock).
func (s *Server) SetTime(t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clock = t.UTC().Truncate(time.Second)
}

// Advance moves the fake's clock forward by d, pinning it first if needed.
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clock = s.now().Add(d)
}

// now is the fake's clock; s.mu must be held.
func (s *Server) now() time.Time {
	if s.clock.IsZero() {
		return time.Now().UTC().Truncate(time.Second)
	}
	return s.clock
}

// EditComment replaces a comment's body, as a person editing it in the web
// interface would.
func (s *Server) EditComment(owner, name string, id int64, body string) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.mustRepo(owner, name).comments {
		if c.ID == id {
			c.Body, c.updatedAt = body, s.now()
			return
		}
	}
	s.t.Fatalf("githubtest: EditComment: no comment %d on %s/%s", id, owner, name)
}

// DeleteComment removes a comment, as a person deleting it would.
func (s *Server) DeleteComment(owner, name string, id int64) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.mustRepo(owner, name)
	n := len(r.comments)
	r.comments = slices.DeleteFunc(r.comments, func(c *comment) bool { return c.ID == id })
	if len(r.comments) == n {
		s.t.Fatalf("githubtest: DeleteComment: no comment %d on %s/%s", id, owner, name)
	}
}

// UpdateCheckRun changes a stored check run in place, as a write by
// another replica or process holding the App's credentials would.
func (s *Server) UpdateCheckRun(owner, name string, id int64, change func(*CheckRun)) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, run := range s.mustRepo(owner, name).checkRuns {
		if run.ID == id {
			change(run)
			s.completed(run)
			return
		}
	}
	s.t.Fatalf("githubtest: UpdateCheckRun: no check run %d on %s/%s", id, owner, name)
}
