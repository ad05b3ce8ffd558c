// Package evalrecord records, for the fakes that stand in for the
// evaluator in tests, which jobs were evaluated and which failures were
// reported, and counts the evaluations of one key that overlapped.
package evalrecord

import (
	"sync"
	"sync/atomic"
)

// Report is one recorded failure report.
type Report[J any] struct {
	Job   J
	Cause string
}

// Recorder records evaluations and failure reports of jobs of type J, told
// apart by Key. The zero value is ready to use.
type Recorder[J interface{ Key() string }] struct {
	// Overlaps counts evaluations of one key that ran concurrently, and
	// failure reports that raced an evaluation of their key.
	Overlaps atomic.Int32

	mu        sync.Mutex
	evaluated []J
	reported  []Report[J]
	running   map[string]int
}

// Start records that j's evaluation starts; call end when it ends.
func (r *Recorder[J]) Start(j J) (end func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.evaluated = append(r.evaluated, j)
	if r.running == nil {
		r.running = map[string]int{}
	}
	r.running[j.Key()]++
	if r.running[j.Key()] > 1 {
		r.Overlaps.Add(1)
	}
	return func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.running[j.Key()]--
	}
}

// Report records that j's failure was reported with cause.
func (r *Recorder[J]) Report(j J, cause error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.running[j.Key()] > 0 {
		r.Overlaps.Add(1) // a report must not race an evaluation
	}
	r.reported = append(r.reported, Report[J]{Job: j, Cause: cause.Error()})
}

// Evaluated returns a copy of the jobs whose evaluation started, in order.
func (r *Recorder[J]) Evaluated() []J {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]J(nil), r.evaluated...)
}

// Reported returns a copy of the failure reports, in order.
func (r *Recorder[J]) Reported() []Report[J] {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Report[J](nil), r.reported...)
}
