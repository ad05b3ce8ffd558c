package queue

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/rs/zerolog"

	"github.com/tiergate/tiergate/bot/logfield"
)

// Executor runs one attempt of a job; bot's dispatcher is the real one.
// The queue sees only "execute this job" and "report that it could not be
// evaluated".
type Executor interface {
	Execute(ctx context.Context, job Job, guard Guard) error
	ReportFailure(ctx context.Context, job Job, cause error, guard Guard) error
}

// runner is what both queues share: one attempt of a job under its timeout,
// with logging, metrics and the retry schedule. The queues differ only in
// where work waits (a map or a table) and how ownership is proven.
type runner struct {
	exec        Executor
	metrics     *Metrics
	logger      zerolog.Logger
	schedule    retrySchedule
	jobTimeout  time.Duration // one evaluation attempt
	taskTimeout time.Duration // one fan-out or merge-group attempt
	now         func() time.Time
}

// attemptState is what a queue knows of a job's earlier failures.
type attemptState struct {
	Attempts  int    // failed attempts that spent a retry
	LastError string // the newest failure, for the report
}

// logContext builds the context for one attempt: the base logger with the
// job's delivery, repository, pull request and attempt.
func (r *runner) logContext(ctx context.Context, job Job, st attemptState) context.Context {
	c := r.logger.With().Str(logfield.Job, job.Key()).Int(logfield.Attempt, st.Attempts+1)
	if job.DeliveryID != "" {
		c = c.Str(logfield.DeliveryID, job.DeliveryID)
	}
	if job.Event != "" {
		c = c.Str(logfield.Event, job.Event)
	}
	if job.Owner != "" && job.Repo != "" {
		c = c.Str(logfield.Repo, job.Owner+"/"+job.Repo)
	}
	if job.IsEvaluation() {
		c = c.Int(logfield.PR, job.Number)
	}
	if job.InstallationID != 0 {
		c = c.Int64(logfield.InstallationID, job.InstallationID)
	}
	l := c.Logger()
	return l.WithContext(ctx)
}

// attempt runs job once. An evaluation that already failed past its fast
// retries first marks the head's check failed again (so a verdict from
// before the outage never stands while GitHub accepts writes), then
// evaluates. A panic becomes an error so one bad payload cannot kill the
// server.
func (r *runner) attempt(ctx context.Context, job Job, st attemptState, guard Guard) (err error) {
	timeout := r.taskTimeout
	if job.IsEvaluation() {
		timeout = r.jobTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			zerolog.Ctx(ctx).Error().Str("stack", string(debug.Stack())).Msgf("panic: %v", p)
			err = fmt.Errorf("internal error (panic): %v", p)
		}
	}()
	if job.IsEvaluation() && st.Attempts >= r.schedule.fastAttempts() {
		if err := r.exec.ReportFailure(ctx, job, errors.New(st.LastError), guard); err != nil {
			return fmt.Errorf("mark the check failed before retrying: %w", err)
		}
	}
	start := r.now()
	err = r.exec.Execute(ctx, job, guard)
	if !job.IsEvaluation() {
		return err
	}
	r.metrics.EvaluationSeconds.Observe(time.Since(start).Seconds())
	outcome := "ok"
	var revisit *Revisit
	switch {
	case errors.Is(err, ErrSuperseded):
		outcome = "superseded"
	case errors.As(err, &revisit):
		outcome = "pending"
	case err != nil:
		outcome = "error"
	}
	r.metrics.Evaluations.WithLabelValues(outcome).Inc()
	if err == nil {
		zerolog.Ctx(ctx).Debug().Dur(logfield.Duration, time.Since(start)).Msg("evaluated")
	}
	return err
}

// failed logs a failed attempt and decides what follows. When the decision
// says so, the failure is reported on the check run at once (fail closed).
func (r *runner) failed(ctx context.Context, job Job, st attemptState, err error, guard Guard) retryDecision {
	l := zerolog.Ctx(ctx)
	now := r.now()
	attempts := st.Attempts + 1
	d := r.schedule.next(job, attempts, err, now)
	if !d.SpendsRetry {
		attempts = st.Attempts
	}
	switch {
	case errors.Is(err, ErrSuperseded):
		l.Info().Msgf("%s superseded before writing; running again with the newest state", describe(job))
	case d.Revisit:
		l.Info().Time("revisit_at", d.At).Msgf("%s: %v", describe(job), err)
	case !d.SpendsRetry:
		l.Warn().Err(err).Time("retry_at", d.At).Msgf("%s hit a GitHub rate limit; will retry when it resets (no attempt spent)", describe(job))
	case d.GiveUp && !job.IsEvaluation():
		l.Error().Err(err).Msgf("gave up on %s after %d attempts", describe(job), attempts)
	case d.GiveUp:
		l.Error().Err(err).Msgf("gave up on %s after %d attempts over %s; the check shows the failure", describe(job), attempts, r.schedule.Horizon)
	case attempts < r.schedule.fastAttempts():
		l.Warn().Err(err).Dur("retry_in", d.At.Sub(now)).
			Msgf("%s failed (attempt %d of %d); will retry", describe(job), attempts, r.schedule.fastAttempts())
	case !job.IsEvaluation():
		l.Error().Err(err).Dur("retry_in", d.At.Sub(now)).
			Msgf("%s failed %d times; retrying every %s for up to %s", describe(job), attempts, r.schedule.Slow, r.schedule.Horizon)
	default:
		l.Error().Err(err).Dur("retry_in", d.At.Sub(now)).
			Msgf("could not evaluate %s after %d attempts; reporting the failure on the check run and retrying", job.Key(), attempts)
	}
	if d.Report {
		rctx, cancel := context.WithTimeout(ctx, r.jobTimeout)
		defer cancel()
		if rerr := r.exec.ReportFailure(rctx, job, err, guard); rerr != nil {
			l.Error().Err(rerr).Msgf("could not report the failure on %s either; trying again before the next attempt", job.Key())
		}
	}
	return d
}

func describe(j Job) string {
	if !j.IsEvaluation() {
		return "task " + j.Key()
	}
	return "evaluation of " + j.Key()
}
