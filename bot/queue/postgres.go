package queue

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/tiergate/tiergate/bot/internal/wait"
	"github.com/tiergate/tiergate/bot/pgstore"
)

// PostgreSQL queue timings. A write is allowed only while the lease has at
// least guardMargin left, so a replica whose lease is about to run out
// never writes after another replica may have taken the pull request over.
const (
	guardMargin      = 10 * time.Second
	pgStatsInterval  = 15 * time.Second // queue depth and oldest-due metrics
	pgErrorPause     = time.Second      // after a failed claim (database unreachable)
	pgReleaseTimeout = 5 * time.Second
	pgPruneInterval  = time.Hour
	pgRetention      = 7 * 24 * time.Hour // delivery IDs and redelivery marks
)

// Postgres keeps work in PostgreSQL: every replica submits into and claims
// from the same table, so a crash after a 202 loses nothing, a burst spread
// over replicas still coalesces per pull request, and at most one replica
// evaluates a pull request at a time (its lease). See bot/pgstore.
type Postgres struct {
	store   *pgstore.Store
	run     *runner
	opts    Options
	appID   int64
	owner   string // this replica's lease owner name
	metrics *Metrics
	logger  zerolog.Logger

	// claimMu serializes this replica's claims, so the fair share counted
	// in Claim is exact within the replica.
	claimMu  sync.Mutex
	wg       sync.WaitGroup
	draining atomic.Bool
	running  atomic.Int64
	stop     chan struct{}
	stopOnce sync.Once
}

func NewPostgres(store *pgstore.Store, appID int64, opts Options, exec Executor, m *Metrics, logger zerolog.Logger) *Postgres {
	return &Postgres{
		store: store, run: opts.runner(exec, m, logger), opts: opts, appID: appID,
		owner: leaseOwner(), metrics: m, logger: logger, stop: make(chan struct{}),
	}
}

// leaseOwner names this process in lease rows: host, pid and a start time,
// so a restarted process never mistakes an old lease for its own.
func leaseOwner() string {
	host, _ := os.Hostname()
	return host + "/" + strconv.Itoa(os.Getpid()) + "/" + strconv.FormatInt(time.Now().UnixNano(), 36)
}

func toItem(j Job) pgstore.Item {
	return pgstore.Item{Key: j.Key(), Kind: string(j.kind()), InstallationID: j.InstallationID, Owner: j.Owner, Repo: j.Repo,
		Number: j.Number, HeadSHA: j.HeadSHA, DeliveryID: j.DeliveryID, Event: j.Event, RequireWriteFrom: j.RequireWriteFrom}
}

func fromItem(it pgstore.Item) Job {
	return Job{Kind: Kind(it.Kind), InstallationID: it.InstallationID, Owner: it.Owner, Repo: it.Repo, Number: it.Number,
		HeadSHA: it.HeadSHA, DeliveryID: it.DeliveryID, Event: it.Event, RequireWriteFrom: it.RequireWriteFrom}
}

func (q *Postgres) Submit(ctx context.Context, deliveryID string, jobs []Job) (bool, error) {
	if q.draining.Load() && deliveryID != "" {
		return false, ErrStopped
	}
	items := make([]pgstore.Item, len(jobs))
	for i, j := range jobs {
		items[i] = toItem(j)
	}
	return q.store.Submit(ctx, q.appID, deliveryID, items, q.opts.Debounce)
}

func (q *Postgres) Ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return q.store.Ping(ctx)
}

func (q *Postgres) Start(ctx context.Context) {
	context.AfterFunc(ctx, func() { q.stopOnce.Do(func() { close(q.stop) }) })
	for range q.opts.Workers {
		q.wg.Add(1)
		go q.worker()
	}
	q.wg.Add(1)
	go q.reportStats()
}

// stopped returns a context that ends when the workers must stop, and its
// cancel, which the caller must call.
func (q *Postgres) stopped() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		select {
		case <-q.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

func (q *Postgres) worker() {
	defer q.wg.Done()
	ctx, cancel := q.stopped()
	defer cancel()
	for ctx.Err() == nil {
		if q.draining.Load() {
			<-ctx.Done()
			return
		}
		// Taken before the claim is sent: the lease the database grants
		// ends no earlier than this plus the lease length.
		claimedAt := time.Now()
		c, err := q.claim(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			q.logger.Error().Err(err).Msg("could not claim work from the database; retrying")
			_ = wait.Sleep(ctx, pgErrorPause)
		case c == nil:
			_ = q.store.Wait(ctx, q.opts.Poll)
		default:
			q.process(ctx, c, claimedAt)
		}
	}
}

// claim leases the next due row within this replica's fair share per
// installation (Options.Share).
func (q *Postgres) claim(ctx context.Context) (*pgstore.Claim, error) {
	q.claimMu.Lock()
	defer q.claimMu.Unlock()
	return q.store.Claim(ctx, q.owner, q.opts.Lease, q.opts.Share)
}

// process runs one claimed row: it renews the lease while the attempt
// runs, lets the attempt write only while the lease and generation hold,
// and records the outcome in the row.
func (q *Postgres) process(stopCtx context.Context, c *pgstore.Claim, claimedAt time.Time) {
	q.running.Add(1)
	q.metrics.InFlight.Inc()
	defer func() {
		q.running.Add(-1)
		q.metrics.InFlight.Dec()
	}()
	job := fromItem(c.Item)
	st := attemptState{Attempts: c.Attempts, LastError: c.LastError}
	ctx, cancel := context.WithCancel(stopCtx)
	defer cancel()
	ctx = q.run.logContext(ctx, job, st)
	l := zerolog.Ctx(ctx)

	renewCtx, stopRenew := context.WithCancel(ctx)
	renewDone := make(chan struct{})
	go func() {
		defer close(renewDone)
		q.renew(renewCtx, cancel, c, claimedAt)
	}()
	guard := func(gctx context.Context) error {
		err := q.store.Current(gctx, c, q.margin())
		if errors.Is(err, pgstore.ErrSuperseded) || errors.Is(err, pgstore.ErrLeaseLost) {
			return fmt.Errorf("%w (%v)", ErrSuperseded, err)
		}
		if err != nil {
			return fmt.Errorf("confirm ownership before writing: %w", err)
		}
		return nil
	}
	err := q.run.attempt(ctx, job, st, guard)
	var d retryDecision
	if err != nil && stopCtx.Err() == nil {
		// Decided (and any failure reported) while the lease is still
		// renewed, so the report is guarded like any other write.
		d = q.run.failed(ctx, job, st, err, guard)
	}
	stopRenew()
	<-renewDone

	// The row is updated even when the worker is stopping: a short,
	// separate context, so the outcome is not lost to the shutdown.
	bg, cancelBG := context.WithTimeout(context.Background(), pgReleaseTimeout)
	defer cancelBG()
	bg = l.WithContext(bg)
	if err != nil && stopCtx.Err() != nil {
		if rerr := q.store.Release(bg, c); rerr != nil && !errors.Is(rerr, pgstore.ErrLeaseLost) {
			l.Warn().Err(rerr).Msg("could not release the lease at shutdown; another replica takes the work when it expires")
		}
		return
	}
	if err == nil {
		if _, ferr := q.store.Finish(bg, c); ferr != nil && !errors.Is(ferr, pgstore.ErrLeaseLost) {
			l.Error().Err(ferr).Msg("could not mark work done; it runs again when its lease expires")
		}
		return
	}
	if d.GiveUp {
		if _, ferr := q.store.Finish(bg, c); ferr != nil && !errors.Is(ferr, pgstore.ErrLeaseLost) {
			l.Error().Err(ferr).Msg("could not remove work given up on")
		}
		return
	}
	if d.Revisit {
		if perr := q.store.Park(bg, c, time.Until(d.At)); perr != nil && !errors.Is(perr, pgstore.ErrLeaseLost) {
			l.Error().Err(perr).Msg("could not schedule the revisit; it runs again when its lease expires")
		}
		return
	}
	if rerr := q.store.Retry(bg, c, time.Until(d.At), d.SpendsRetry, err.Error()); rerr != nil && !errors.Is(rerr, pgstore.ErrLeaseLost) {
		l.Error().Err(rerr).Msg("could not schedule the retry; it runs again when its lease expires")
	}
}

// margin is how much of the lease must be left for a write: guardMargin,
// or a third of a lease shorter than 30 s (tests).
func (q *Postgres) margin() time.Duration { return min(guardMargin, q.opts.Lease/3) }

// renew keeps the lease alive until ctx ends. It cancels the attempt when
// the lease is lost, and also when it cannot confirm the lease for so long
// that less than guardMargin of it may be left (the database unreachable):
// from then on another replica may take the work over, so this attempt
// must not send another request, a write above all. Lease ends are judged
// on this process's clock from when each renewal was sent, never by
// comparing clocks with the database.
func (q *Postgres) renew(ctx context.Context, cancel context.CancelFunc, c *pgstore.Claim, since time.Time) {
	deadline := since.Add(q.opts.Lease - q.margin())
	for {
		next := min(q.opts.Renew, time.Until(deadline))
		if err := wait.Sleep(ctx, max(next, 0)); err != nil {
			return
		}
		if !time.Now().Before(deadline) {
			zerolog.Ctx(ctx).Error().Msg("could not confirm the lease in time; abandoning this attempt so that nothing is written after another replica may take over")
			cancel()
			return
		}
		sentAt := time.Now()
		err := q.store.Renew(ctx, c, q.opts.Lease)
		switch {
		case err == nil:
			deadline = sentAt.Add(q.opts.Lease - q.margin())
		case errors.Is(err, pgstore.ErrLeaseLost):
			zerolog.Ctx(ctx).Warn().Msg("lease lost to another replica; abandoning this attempt")
			cancel()
			return
		case ctx.Err() == nil:
			zerolog.Ctx(ctx).Warn().Err(err).Msg("could not renew the lease; the attempt is abandoned if this lasts until the lease may run out")
		}
	}
}

// reportStats publishes the shared queue's depth and the age of its oldest
// due row, as the database sees them, and prunes old delivery IDs and
// redelivery marks once an hour.
func (q *Postgres) reportStats() {
	defer q.wg.Done()
	ctx, cancel := q.stopped()
	defer cancel()
	var pruned time.Time
	for {
		sctx, scancel := context.WithTimeout(ctx, 5*time.Second)
		depth, oldest, err := q.store.Stats(sctx)
		scancel()
		if err == nil {
			q.metrics.Depth.Set(float64(depth))
			q.metrics.OldestDueSeconds.Set(oldest.Seconds())
		}
		if time.Since(pruned) >= pgPruneInterval {
			pruned = time.Now()
			q.prune(ctx)
		}
		if wait.Sleep(ctx, pgStatsInterval) != nil {
			return
		}
	}
}

// prune forgets delivery IDs and redelivery marks older than pgRetention:
// GitHub keeps deliveries for 3 days, so none can come back after that.
func (q *Postgres) prune(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if _, err := q.store.PruneDeliveries(ctx, pgRetention); err != nil && ctx.Err() == nil {
		q.logger.Warn().Err(err).Msg("could not prune old delivery IDs; trying again in an hour")
	}
	if _, err := q.store.PruneOnce(ctx, pgRetention); err != nil && ctx.Err() == nil {
		q.logger.Warn().Err(err).Msg("could not prune old redelivery marks; trying again in an hour")
	}
}

// drain stops claiming and waits for running attempts. Work still queued
// stays in the database for the other replicas or the next start.
func (q *Postgres) Drain(ctx context.Context) error {
	q.draining.Store(true)
	for q.running.Load() > 0 {
		if err := wait.Sleep(ctx, 10*time.Millisecond); err != nil {
			return err
		}
	}
	return nil
}

func (q *Postgres) Wait() { q.wg.Wait() }

// unfinished is empty: nothing is lost when a replica stops.
func (q *Postgres) Unfinished() []Job { return nil }

func (q *Postgres) WaitIdle(ctx context.Context) error {
	for {
		depth, _, err := q.store.Stats(ctx)
		if err == nil && depth == 0 && q.running.Load() == 0 {
			return nil
		}
		if err := wait.Sleep(ctx, 20*time.Millisecond); err != nil {
			return err
		}
	}
}
