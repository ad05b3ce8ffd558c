package bot

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/go-github/v60/github"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/zerolog"
	"github.com/rs/zerolog/hlog"

	"github.com/tiergate/tiergate/bot/intake"
	"github.com/tiergate/tiergate/bot/logfield"
	"github.com/tiergate/tiergate/bot/queue"
	"github.com/tiergate/tiergate/bot/sweep"
)

// HTTP server limits: timeouts keep slow or idle clients from holding
// connections. The webhook body limit is intake's.
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 60 * time.Second
	writeTimeout      = 60 * time.Second
	idleTimeout       = 120 * time.Second
	maxHeaderBytes    = 64 << 10
)

// workQueue holds work until a worker runs it (bot/queue). The in-memory queue serves
// one process; the PostgreSQL queue (TIERGATE_DATABASE_URL) is shared by
// every replica and survives crashes.
type workQueue interface {
	// Submit records jobs for deliveryID ("" for work that no delivery
	// caused, such as a fan-out). It reports duplicate when the delivery
	// was already recorded, and then records nothing. When it returns nil,
	// the work will run even if this process dies (PostgreSQL) or as long
	// as it lives (memory).
	Submit(ctx context.Context, deliveryID string, jobs []queue.Job) (duplicate bool, err error)
	// Start launches the workers; they stop when ctx ends.
	Start(ctx context.Context)
	// Drain runs what is due and waits for running work, until ctx ends;
	// it is called at shutdown, before the workers are stopped.
	Drain(ctx context.Context) error
	// Wait returns once the workers have stopped.
	Wait()
	// Unfinished lists work that will not run because this process stops
	// (memory); durable queues return nothing.
	Unfinished() []queue.Job
	// WaitIdle blocks until no work is queued or running, or ctx ends.
	WaitIdle(ctx context.Context) error
	// Ready reports whether the queue can accept work (database reachable).
	Ready(ctx context.Context) error
}

// Server receives GitHub webhooks and runs the evaluations they ask for.
type Server struct {
	settings Settings
	logger   zerolog.Logger
	metrics  *Metrics
	ev       evaluations
	dispatch *dispatcher
	queue    workQueue
	intake   *intake.Handler
	// closeStore, when set, closes the database once Serve is done.
	closeStore func()
	// sweeper, when set, runs every settings.SweepInterval.
	sweeper *sweep.Sweeper
	// pruneLedger, when set, prunes the decision ledger until its context
	// ends (TIERGATE_LEDGER_RETENTION); background waits for it.
	pruneLedger func(ctx context.Context)
	background  sync.WaitGroup

	started  atomic.Bool
	serving  atomic.Bool
	draining atomic.Bool
}

// newServer wires a server around ev with an in-memory queue; New plugs
// in the real evaluator and tests a fake.
func newServer(s Settings, logger zerolog.Logger, m *Metrics, ev evaluations, qo queue.Options) *Server {
	return newServerWith(s, logger, m, ev, qo, func(exec queue.Executor) workQueue {
		return queue.NewMemory(qo, exec, m.Queue, logger)
	}, nil)
}

// newServerWith wires a server around ev and the queue that newQueue builds
// for the dispatcher; merges, when not nil, records merged pull requests
// in the ledger.
func newServerWith(s Settings, logger zerolog.Logger, m *Metrics, ev evaluations, qo queue.Options, newQueue func(queue.Executor) workQueue, merges intake.Merges) *Server {
	d := &dispatcher{ev: ev, orgConfigRepo: s.OrgConfigRepo, fanOutLimit: defaultFanOutLimit, fanOutPause: defaultFanOutPause}
	d.queue = newQueue(d)
	srv := &Server{settings: s, logger: logger, metrics: m, ev: ev, dispatch: d, queue: d.queue}
	srv.intake = intake.New(intake.Options{
		Secret: s.WebhookSecret,
		Route: intake.RouteSettings{AppID: s.AppID, CheckName: s.CheckName,
			ConfigPath: s.ConfigPath, OrgConfigRepo: s.OrgConfigRepo},
		Queue:      d.queue,
		Configs:    ev,
		Merges:     merges,
		Draining:   srv.draining.Load,
		BodyBudget: intake.DefaultBodyBudget,
		Metrics:    m.Intake,
	})
	return srv
}

// Handler serves POST /webhook, GET /healthz, GET /readyz and GET /metrics.
// Other paths answer 404 and other methods 405.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /webhook", s.intake)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeText(w, http.StatusOK, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		switch {
		case s.draining.Load():
			writeText(w, http.StatusServiceUnavailable, "shutting down")
		case !s.serving.Load():
			writeText(w, http.StatusServiceUnavailable, "starting")
		case s.queue.Ready(r.Context()) != nil:
			writeText(w, http.StatusServiceUnavailable, "database unreachable")
		default:
			writeText(w, http.StatusOK, "ready")
		}
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.Registry, promhttp.HandlerOpts{}))
	// Each request gets its own copy of the logger carrying the delivery
	// and event, which travels into the work it queues.
	var h http.Handler = mux
	h = hlog.CustomHeaderHandler(logfield.Event, github.EventTypeHeader)(h)
	h = hlog.CustomHeaderHandler(logfield.DeliveryID, github.DeliveryIDHeader)(h)
	return hlog.NewHandler(s.logger)(h)
}

// Serve runs the workers and the HTTP server on ln until ctx ends, then
// shuts down gracefully: readiness turns 503 and new webhooks are refused
// with 503 while queued and running work finishes, up to ShutdownTimeout.
// Work still unfinished then is cancelled and logged. Serve returns nil
// after a clean shutdown.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	if !s.started.CompareAndSwap(false, true) {
		return errors.New("tiergate: Serve called twice")
	}
	if s.closeStore != nil {
		defer s.closeStore()
	}
	l := s.logger
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	s.queue.Start(workCtx)
	sweepsDone := make(chan struct{})
	if s.sweeper != nil && s.settings.SweepInterval > 0 {
		go func() {
			defer close(sweepsDone)
			s.sweeper.RunEvery(workCtx, s.settings.SweepInterval, s.logger)
		}()
	} else {
		close(sweepsDone)
	}
	if s.pruneLedger != nil {
		s.background.Add(1)
		go func() {
			defer s.background.Done()
			s.pruneLedger(s.logger.WithContext(workCtx))
		}()
	}
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	s.serving.Store(true)
	l.Info().Str("address", ln.Addr().String()).Int("workers", s.settings.Workers).Msg("serving")

	select {
	case err := <-errc:
		s.draining.Store(true)
		stopWork()
		s.queue.Wait()
		<-sweepsDone
		s.background.Wait()
		return fmt.Errorf("serve http on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}

	s.draining.Store(true)
	timeout := s.settings.ShutdownTimeout
	// Keep answering (503 to webhooks and readiness) while work drains, so
	// load balancers and GitHub see a clear refusal; close HTTP at the end.
	httpGrace := min(2*time.Second, timeout/5)
	l.Info().Dur("timeout", timeout).Msg("shutting down: finishing queued evaluations")
	drainCtx, cancelDrain := context.WithTimeout(context.Background(), timeout-httpGrace)
	drainErr := s.queue.Drain(drainCtx)
	cancelDrain()
	stopWork()
	s.queue.Wait()
	<-sweepsDone
	s.background.Wait()
	for _, j := range s.queue.Unfinished() {
		if j.IsEvaluation() {
			s.metrics.Queue.Evaluations.WithLabelValues("skipped").Inc()
		}
		l.Warn().Str(logfield.Job, j.Key()).Str(logfield.DeliveryID, j.DeliveryID).
			Msg("not evaluated before shutdown: the sweep after the next start finds it, or comment /tiergate recheck")
	}
	if drainErr != nil {
		l.Warn().Msg("shutdown timeout reached before all evaluations finished")
	}

	httpCtx, cancelHTTP := context.WithTimeout(context.Background(), httpGrace)
	defer cancelHTTP()
	if err := srv.Shutdown(httpCtx); err != nil {
		srv.Close()
		return fmt.Errorf("shut down http server: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve http on %s: %w", ln.Addr(), err)
	}
	l.Info().Msg("stopped")
	return nil
}

// WaitIdle blocks until no work is queued, waiting to retry, or running, or
// ctx ends.
func (s *Server) WaitIdle(ctx context.Context) error {
	return s.queue.WaitIdle(ctx)
}

func writeText(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	fmt.Fprintln(w, msg)
}
