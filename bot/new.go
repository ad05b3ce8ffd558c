package bot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/tiergate/tiergate/bot/evaluator"
	"github.com/tiergate/tiergate/bot/ghclient"
	"github.com/tiergate/tiergate/bot/ledger"
	"github.com/tiergate/tiergate/bot/pgstore"
	"github.com/tiergate/tiergate/bot/queue"
	"github.com/tiergate/tiergate/bot/sweep"
)

// ledgerPruneInterval is how often the ledger is pruned when
// TIERGATE_LEDGER_RETENTION is set: retention is counted in days, so an
// hour's delay is nothing, and each prune is one statement.
const ledgerPruneInterval = time.Hour

// New builds a server from s: its metrics, the evaluator that talks to
// GitHub, the queue and its workers (started by Serve).
//
// Zero fields of s take the documented defaults, except the App ID, key and
// webhook secret, which are required: without a secret anyone could forge
// events.
//
// With s.DatabaseURL set, New connects to PostgreSQL and applies pending
// migrations (safe when several replicas start at once) before returning;
// the server closes the connection when Serve returns.
func New(ctx context.Context, s Settings, logger zerolog.Logger) (*Server, error) {
	return newWithSchedule(ctx, s, logger, retrySchedule{})
}

// newWithSchedule is New with the queue's retry schedule given (zero fields
// take the defaults). Only tests shorten it: in production the schedule is
// not a setting.
func newWithSchedule(ctx context.Context, s Settings, logger zerolog.Logger, sched retrySchedule) (*Server, error) {
	if len(s.WebhookSecret) == 0 {
		return nil, errors.New("a webhook secret is required: tiergate refuses unsigned webhooks")
	}
	if s.AppID <= 0 {
		return nil, errors.New("a positive GitHub App ID is required")
	}
	s = s.withDefaults()
	m := NewMetrics()
	clients, err := ghclient.New(ghclient.Options{
		AppID: s.AppID, PrivateKey: s.PrivateKey, APIURL: s.APIURL, Metrics: m.GitHub, Retry: s.Retry,
	})
	if err != nil {
		return nil, fmt.Errorf("set up the GitHub client: %w", err)
	}
	// The database is opened first: the evaluator records verdicts in its
	// ledger.
	var store *pgstore.Store
	var led *ledger.Ledger
	if s.DatabaseURL != "" {
		store, err = pgstore.Open(ctx, s.DatabaseURL, pgstore.Options{MaxConns: int32(s.Workers + 4), AppID: s.AppID})
		if err != nil {
			return nil, fmt.Errorf("open the database (TIERGATE_DATABASE_URL): %w", err)
		}
		led = ledger.New(store.Pool(), m.Ledger)
	}
	eo := evaluator.Options{
		Clients:          clients,
		AppID:            s.AppID,
		OrgConfigRepo:    s.OrgConfigRepo,
		ConfigPath:       s.ConfigPath,
		CheckName:        s.CheckName,
		DetailsURL:       s.DetailsURL,
		Metrics:          m.Evaluator,
		RequireOrgConfig: s.RequireOrgConfig,
	}
	if led != nil {
		eo.Ledger = led // only when set: a nil *Ledger is not a nil interface
	}
	ev, err := evaluator.New(eo)
	if err != nil {
		if store != nil {
			store.Close()
		}
		return nil, fmt.Errorf("set up the evaluator: %w", err)
	}
	qo := s.queueOptions(sched)
	var srv *Server
	var coord sweep.Coordinator
	if store == nil {
		srv = newServer(s, logger, m, ev, qo)
		coord = sweep.NewMemoryCoordinator()
	} else {
		srv = newServerWith(s, logger, m, ev, qo, func(exec queue.Executor) workQueue {
			return queue.NewPostgres(store, s.AppID, qo, exec, m.Queue, logger)
		}, led)
		srv.closeStore = store.Close
		if s.LedgerRetention > 0 {
			srv.pruneLedger = func(ctx context.Context) { led.PruneEvery(ctx, s.LedgerRetention, ledgerPruneInterval) }
		}
		coord = store
	}
	srv.sweeper = sweep.New(clients, coord, func(ctx context.Context, jobs []queue.Job) error {
		_, err := srv.queue.Submit(ctx, "", jobs)
		return err
	}, s.sweepOptions(ev.CurrentFingerprint, m.Sweep))
	return srv, nil
}
