package bot

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/rs/zerolog"
)

// worker takes ready keys until the queue stops.
func (q *queue) worker() {
	defer q.wg.Done()
	for {
		select {
		case <-q.stop.Done():
			return
		case key := <-q.ready:
			q.mu.Lock()
			e := q.entries[key]
			if e == nil || e.state != stateReady {
				q.mu.Unlock()
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

// process runs w once and decides what follows: done, retry after a
// backoff, or give up and report the failure. The key stays running until
// the failure is reported, so a report never races an evaluation of the
// same pull request.
func (q *queue) process(key string, w *work) {
	if q.stop.Err() != nil {
		q.abandon(key, w)
		return
	}
	ctx := q.logContext(w)
	l := zerolog.Ctx(ctx)
	err := q.attempt(ctx, w)
	if err != nil && q.stop.Err() != nil {
		q.abandon(key, w)
		return
	}
	if err != nil {
		w.failures++
		maxAttempts := len(q.opts.Backoff) + 1
		q.mu.Lock()
		e := q.entries[key]
		superseded := e.next != nil
		if !superseded && w.failures < maxAttempts {
			delay := q.opts.Backoff[w.failures-1]
			// Logged before the timer exists, so the line precedes the retry
			// and reads w before another worker may take it.
			l.Warn().Err(err).Dur("retry_in", delay).
				Msgf("%s failed (attempt %d of %d); will retry", describe(w), w.failures, maxAttempts)
			e.current, e.next, e.state = nil, w, stateRetry
			e.timer = time.AfterFunc(delay, func() { q.retry(key, w) })
			q.running--
			q.waiting++
			q.changedLocked()
			q.mu.Unlock()
			return
		}
		q.mu.Unlock()
		if superseded {
			l.Warn().Err(err).Msgf("%s failed; a newer event for it is queued and runs next", describe(w))
		} else {
			q.giveUp(ctx, w, err, maxAttempts)
		}
	}
	q.release(key)
}

// attempt runs w once under its own timeout, also cancelled when the queue
// stops. A panic becomes an error so one bad payload cannot kill the server.
func (q *queue) attempt(ctx context.Context, w *work) (err error) {
	timeout := q.opts.JobTimeout
	if w.task != nil {
		timeout = q.opts.TaskTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	defer context.AfterFunc(q.stop, cancel)()
	defer func() {
		if p := recover(); p != nil {
			zerolog.Ctx(ctx).Error().Str("stack", string(debug.Stack())).Msgf("panic: %v", p)
			err = fmt.Errorf("internal error (panic): %v", p)
		}
	}()
	if w.task != nil {
		return w.task(ctx)
	}
	start := time.Now()
	err = q.ev.Evaluate(ctx, w.job, nil)
	q.metrics.EvaluationSeconds.Observe(time.Since(start).Seconds())
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	q.metrics.Evaluations.WithLabelValues(outcome).Inc()
	if err == nil {
		zerolog.Ctx(ctx).Debug().Dur(FieldDuration, time.Since(start)).Msg("evaluated")
	}
	return err
}

// giveUp fails closed: after the last attempt the check run is completed as
// a failure that says why, so a broken evaluation can never look green.
func (q *queue) giveUp(ctx context.Context, w *work, cause error, attempts int) {
	l := zerolog.Ctx(ctx)
	if w.task != nil {
		l.Error().Err(cause).Msgf("gave up on %s after %d attempts", describe(w), attempts)
		return
	}
	l.Error().Err(cause).Msgf("could not evaluate %s after %d attempts; reporting the failure on the check run", w.key, attempts)
	ctx, cancel := context.WithTimeout(ctx, q.opts.JobTimeout)
	defer cancel()
	defer context.AfterFunc(q.stop, cancel)()
	if err := q.ev.ReportFailure(ctx, w.job, cause, nil); err != nil {
		l.Error().Err(err).Msgf("could not report the failure on %s either: redeliver the webhook or comment /tiergate recheck", w.key)
	}
}

// retry makes w ready again when its backoff ends, unless a newer event has
// already replaced it.
func (q *queue) retry(key string, w *work) {
	q.mu.Lock()
	defer q.mu.Unlock()
	e := q.entries[key]
	if e == nil || e.state != stateRetry || e.next != w {
		return
	}
	e.timer = nil
	q.markReady(key, e)
	q.changedLocked()
}

// release ends a run: the key runs again if an event came in meanwhile.
func (q *queue) release(key string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	e := q.entries[key]
	e.current = nil
	q.running--
	if e.next != nil {
		q.markReady(key, e)
	} else {
		delete(q.entries, key)
	}
	q.changedLocked()
}

// abandon records work cut off by shutdown so it is logged as unfinished.
func (q *queue) abandon(key string, w *work) {
	q.mu.Lock()
	defer q.mu.Unlock()
	e := q.entries[key]
	e.current = nil
	q.running--
	if e.next == nil {
		e.next = w
		q.waiting++
	}
	e.state = stateStopped
	q.changedLocked()
}

// logContext adds the work's repository, pull request and attempt to the
// logger of the delivery that caused it.
func (q *queue) logContext(w *work) context.Context {
	l := zerolog.Ctx(w.ctx)
	if l.GetLevel() == zerolog.Disabled {
		l = &q.logger
	}
	c := l.With().Str(FieldJob, w.key).Int(FieldAttempt, w.failures+1)
	if w.task == nil {
		c = c.Str(FieldRepo, w.job.Owner+"/"+w.job.Repo).Int(FieldPR, w.job.Number).
			Int64(FieldInstallationID, w.job.InstallationID)
	}
	return c.Logger().WithContext(w.ctx)
}

func describe(w *work) string {
	if w.task != nil {
		return "task " + w.key
	}
	return "evaluation of " + w.key
}
