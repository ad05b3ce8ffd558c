package queue

import (
	"errors"
	"math/rand/v2"
	"time"

	"github.com/tiergate/tiergate/bot/ghclient"
)

// Retry schedule, the same for both queues. An evaluation that fails is
// tried again after 5 s, 20 s and 80 s; after the fourth failed attempt the
// check run on the head is marked failed ("could not evaluate; retrying")
// and the evaluation keeps being retried every 5 minutes while the pull
// request is open, for up to three days. No earlier verdict stands
// unchallenged after an event for a newer state was accepted.
const (
	retryJitterFraction  = 0.2
	supersededRetryDelay = 0 * time.Second
)

// retrySchedule decides what follows a failed attempt.
type retrySchedule struct {
	Backoff []time.Duration // waits before attempts 2, 3, ...
	Slow    time.Duration   // wait between attempts after Backoff is spent
	Horizon time.Duration   // give up once the slow retries span this long
}

// fastAttempts is how many attempts run before the failure is reported.
func (r retrySchedule) fastAttempts() int { return len(r.Backoff) + 1 }

// maxAttempts bounds the retries of an evaluation: the fast ones, then slow
// ones over Horizon.
func (r retrySchedule) maxAttempts() int {
	return r.fastAttempts() + int(r.Horizon/r.Slow)
}

// retryDecision is what to do after a failed attempt.
type retryDecision struct {
	At          time.Time // when to try again (zero: give up)
	SpendsRetry bool      // whether the attempt counts against the limit
	Report      bool      // mark the check run failed now (fail closed)
	GiveUp      bool
	// Revisit: the work did not fail; it is parked until At (see Revisit)
	// with fresh attempts.
	Revisit bool
}

// next decides after attempt number attempts (1-based, counting only
// attempts that spent a retry) failed with err.
func (r retrySchedule) next(job Job, attempts int, err error, now time.Time) retryDecision {
	if errors.Is(err, ErrSuperseded) {
		return retryDecision{At: now.Add(supersededRetryDelay)}
	}
	if at, ok := revisitAt(err); ok {
		return retryDecision{At: at, Revisit: true}
	}
	if at, ok := ghclient.RetryAt(err, now); ok {
		return retryDecision{At: at}
	}
	if errors.Is(err, ErrUnrecorded) {
		// GitHub holds the right verdict; only the ledger lacks its row.
		// Spending attempts would end in a failure report that replaces
		// that verdict, so the job is retried at the longest fast pace for
		// as long as it takes (a closed pull request, or a newer event,
		// ends it).
		return retryDecision{At: now.Add(jitter(r.unrecordedDelay()))}
	}
	if !job.IsEvaluation() {
		// Tasks (a config change's fan-out, a merge group's check, a
		// re-run of a fork's check) are kept as long as evaluations: the
		// sweep may be off or slow to reach them, and a dropped fan-out
		// leaves verdicts of the old config standing. They have no check
		// run of their own to mark failed.
		switch {
		case attempts < r.fastAttempts():
			return retryDecision{At: now.Add(jitter(r.Backoff[attempts-1])), SpendsRetry: true}
		case attempts >= r.maxAttempts():
			return retryDecision{GiveUp: true, SpendsRetry: true}
		default:
			return retryDecision{At: now.Add(jitter(r.Slow)), SpendsRetry: true}
		}
	}
	switch {
	case attempts < r.fastAttempts():
		return retryDecision{At: now.Add(jitter(r.Backoff[attempts-1])), SpendsRetry: true}
	case attempts >= r.maxAttempts():
		return retryDecision{GiveUp: true, SpendsRetry: true, Report: true}
	default:
		return retryDecision{At: now.Add(jitter(r.Slow)), SpendsRetry: true, Report: true}
	}
}

// unrecordedDelay is the wait before retrying a job whose verdict the
// ledger could not record: the last fast backoff.
func (r retrySchedule) unrecordedDelay() time.Duration {
	if len(r.Backoff) == 0 {
		return r.Slow
	}
	return r.Backoff[len(r.Backoff)-1]
}

// jitter spreads retries by up to ±20% so replicas and pull requests that
// failed together do not retry together.
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return d
	}
	span := float64(d) * retryJitterFraction
	return d + time.Duration((rand.Float64()*2-1)*span)
}
