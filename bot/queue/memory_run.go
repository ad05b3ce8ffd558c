package queue

import (
	"context"
	"fmt"
	"time"

	"github.com/rs/zerolog"
)

// worker takes ready keys until the queue stops.
func (q *Memory) worker() {
	defer q.wg.Done()
	for {
		select {
		case <-q.stop:
			return
		case key := <-q.readyKeys:
			q.mu.Lock()
			e := q.entries[key]
			if e == nil || e.state != stateReady {
				q.mu.Unlock()
				continue
			}
			if !q.shares.admit(e.next.job.InstallationID, key) {
				q.mu.Unlock() // held until its installation has a share free
				continue
			}
			w := e.next
			e.next, e.current, e.state = nil, w, stateRunning
			q.readyN--
			q.waiting--
			q.running++
			q.changedLocked()
			q.mu.Unlock()
			q.process(key, w)
		}
	}
}

// guardFor proves ownership in memory: the verdict in hand is the newest
// unless an event for the same key arrived while it was computed, in which
// case the newer work runs next and writes instead.
func (q *Memory) guardFor(key string) Guard {
	return func(ctx context.Context) error {
		q.mu.Lock()
		defer q.mu.Unlock()
		if q.stopped {
			return fmt.Errorf("%w: shutting down", ErrSuperseded)
		}
		if e := q.entries[key]; e != nil && e.next != nil {
			return ErrSuperseded
		}
		return nil
	}
}

// process runs w once and decides what follows: done, run again, retry
// after a backoff, or give up. The key stays running until any failure
// report is written, so a report never races an evaluation of the same
// pull request.
func (q *Memory) process(key string, w *work) {
	if q.isStopped() {
		q.abandon(key, w)
		return
	}
	base, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { // a shutdown cancels the attempt
		select {
		case <-q.stop:
			cancel()
		case <-base.Done():
		}
	}()
	ctx := q.run.logContext(base, w.job, w.attemptState)
	guard := q.guardFor(key)
	err := q.run.attempt(ctx, w.job, w.attemptState, guard)
	if err != nil && q.isStopped() {
		q.abandon(key, w)
		return
	}
	if err == nil {
		q.release(key)
		return
	}
	d := q.run.failed(ctx, w.job, w.attemptState, err, guard)
	if q.isDraining() && !d.Report && w.job.IsEvaluation() {
		// The process is stopping and this work dies with it: fail closed now.
		if rerr := q.run.exec.ReportFailure(ctx, w.job, fmt.Errorf("tiergate shut down before it could evaluate the latest change: %w", err), guard); rerr != nil {
			zerolog.Ctx(ctx).Error().Err(rerr).Msg("could not mark the check failed before shutting down; the sweep after the restart finds the pull request only if its check is missing or stuck")
		}
	}
	if d.GiveUp {
		q.release(key)
		return
	}
	retried := &work{key: key, job: w.job, attemptState: w.attemptState}
	if d.SpendsRetry {
		retried.Attempts++
		retried.LastError = err.Error()
	}
	if d.Revisit {
		retried.attemptState = attemptState{}
		retried.job.Event = EventRevisit
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	e := q.entries[key]
	q.finishLocked(e)
	if e.next != nil {
		// A newer event arrived meanwhile: it runs now with fresh attempts.
		q.markReady(key, e)
		q.changedLocked()
		return
	}
	e.next, e.state = retried, stateRetry
	q.waiting++
	if d.Revisit {
		e.parked = true
		q.parkedN++
	}
	e.timer = time.AfterFunc(time.Until(d.At), func() { q.retry(key, retried) })
	q.changedLocked()
}

func (q *Memory) isDraining() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.draining
}

func (q *Memory) isStopped() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.stopped
}

// retry makes w ready again when its backoff ends, unless a newer event has
// already replaced it.
func (q *Memory) retry(key string, w *work) {
	q.mu.Lock()
	defer q.mu.Unlock()
	e := q.entries[key]
	if e == nil || e.state != stateRetry || e.next != w {
		return
	}
	e.timer = nil
	q.unpark(e)
	q.markReady(key, e)
	q.changedLocked()
}

// release ends a run: the key runs again if an event came in meanwhile.
func (q *Memory) release(key string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	e := q.entries[key]
	q.finishLocked(e)
	if e.next != nil {
		q.markReady(key, e)
	} else {
		delete(q.entries, key)
	}
	q.changedLocked()
}

// abandon records work cut off by shutdown so it is logged as unfinished.
func (q *Memory) abandon(key string, w *work) {
	q.mu.Lock()
	defer q.mu.Unlock()
	e := q.entries[key]
	q.finishLocked(e)
	if e.next == nil {
		e.next = w
		q.waiting++
	}
	e.state = stateStopped
	q.changedLocked()
}

// finishLocked ends e's run: its installation's share is free again, and a
// key held for that share becomes ready.
func (q *Memory) finishLocked(e *entry) {
	inst := e.current.job.InstallationID
	e.current = nil
	q.running--
	if key, ok := q.shares.done(inst); ok {
		q.readyKeys <- key
	}
}
