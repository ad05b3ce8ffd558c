// Package intake answers GitHub's webhook deliveries: it checks the
// signature, reads the body within a memory budget, decodes and routes the
// payload to jobs, and records them in the queue before answering.
package intake

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
	"github.com/rs/zerolog"
	"github.com/rs/zerolog/hlog"

	"github.com/tiergate/tiergate/bot/logfield"
	"github.com/tiergate/tiergate/bot/queue"
)

// maxBodyBytes bounds one webhook body: GitHub caps payloads at 25 MiB.
const maxBodyBytes = 25 << 20

// bodyReadTimeout bounds how long a client may take to send a body: GitHub
// sends its deliveries at once and gives up on an answer after 10 seconds.
const bodyReadTimeout = 10 * time.Second

// submitTimeout bounds recording a delivery before answering GitHub, which
// gives up on a delivery after 10 seconds.
const submitTimeout = 5 * time.Second

// Queue records the work of a delivery (bot/queue's queues).
type Queue interface {
	// Submit records jobs for deliveryID and reports duplicate when the
	// delivery was already recorded. Once it returns nil the work is kept.
	Submit(ctx context.Context, deliveryID string, jobs []queue.Job) (duplicate bool, err error)
}

// Configs drops cached config files (the evaluator).
type Configs interface {
	ConfigChanged(owner, repo string)
}

// Options configure a Handler. Every field but Merges is required.
type Options struct {
	// Secret is the webhook secret deliveries are signed with.
	Secret []byte
	Route  RouteSettings
	Queue  Queue
	// Configs is told of pushes that change a config file before their
	// work is queued.
	Configs Configs
	// Merges, when set (PostgreSQL mode), records merged pull requests in
	// the decision ledger; without it merges are ignored.
	Merges Merges
	// Draining reports whether the server is shutting down; deliveries
	// are then refused with 503.
	Draining func() bool
	// BodyBudget bounds the bytes of webhook bodies held in memory at once.
	BodyBudget int64
	Metrics    *Metrics
}

// Handler answers POST /webhook. It is safe for concurrent use.
type Handler struct {
	opts    Options
	metrics *Metrics
	bodies  *bodyBudget
}

// New builds a Handler.
func New(opts Options) *Handler {
	opts.Route.recordMerges = opts.Merges != nil
	return &Handler{opts: opts, metrics: opts.Metrics, bodies: &bodyBudget{limit: opts.BodyBudget}}
}

// ServeHTTP answers a GitHub delivery. Responses:
//
//	202 accepted      work queued; evaluation happens in the background
//	200 <reason>      ping, duplicate delivery, or an event/action tiergate ignores
//	400 <reason>      malformed JSON, no delivery ID, no installation ID
//	401               X-Hub-Signature-256 missing or wrong (SHA-1 alone is refused)
//	413               body over 25 MiB
//	415               content type other than JSON
//	503               shutting down, the queue is full, too many webhook bytes
//	                  are in flight (see DefaultBodyBudget), or the database cannot
//	                  record the work: GitHub shows the delivery as failed,
//	                  and it can be redelivered
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	l := hlog.FromRequest(r)
	// The event name is only trusted (and used as a metric label) once the
	// signature checks out, so forged requests cannot inflate label values.
	event := "unverified"
	respond := func(status int, outcome, msg string, lvl zerolog.Level) {
		h.metrics.Deliveries.WithLabelValues(event, outcome).Inc()
		l.WithLevel(lvl).Int(logfield.Status, status).Str(logfield.Outcome, outcome).
			Dur(logfield.Duration, time.Since(start)).Msg("webhook " + msg)
		writeText(w, status, msg)
	}

	if h.opts.Draining() {
		respond(http.StatusServiceUnavailable, "draining", "refused: tiergate is shutting down; redeliver later", zerolog.InfoLevel)
		return
	}
	sig := r.Header.Get(github.SHA256SignatureHeader)
	if !strings.HasPrefix(sig, "sha256=") {
		respond(http.StatusUnauthorized, "bad_signature", "rejected: X-Hub-Signature-256 is missing", zerolog.WarnLevel)
		return
	}
	// GitHub can also send form-encoded deliveries; tiergate's App manifest
	// asks for JSON, and anything else is refused before it is read.
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" {
		respond(http.StatusUnsupportedMediaType, "bad_request", "rejected: content type must be application/json (set the App's webhook content type to JSON)", zerolog.WarnLevel)
		return
	}
	// A client may take this long to send its body; one that stalls
	// releases its share of the body budget when the deadline passes.
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(bodyReadTimeout))
	payload, release, err := h.bodies.readVerified(r, maxBodyBytes, sig, h.opts.Secret)
	defer release()
	switch {
	case errors.Is(err, errLengthRequired):
		respond(http.StatusLengthRequired, "bad_request", "rejected: Content-Length is required", zerolog.WarnLevel)
		return
	case errors.Is(err, errBodyTooLarge):
		respond(http.StatusRequestEntityTooLarge, "too_large", "rejected: body over 25 MiB", zerolog.WarnLevel)
		return
	case errors.Is(err, errBodyBudget):
		respond(http.StatusServiceUnavailable, "busy", "refused: too many webhook bytes in flight; redeliver later", zerolog.WarnLevel)
		return
	case errors.Is(err, errBadSignature):
		// The error text is not passed on: it could help a prober.
		respond(http.StatusUnauthorized, "bad_signature", "rejected: signature does not match the webhook secret", zerolog.WarnLevel)
		return
	case err != nil:
		respond(http.StatusBadRequest, "bad_request", "rejected: could not read the body", zerolog.WarnLevel)
		return
	}
	event = github.WebHookType(r)
	delivery := github.DeliveryID(r)
	if event == "" || delivery == "" {
		event = "unknown"
		respond(http.StatusBadRequest, "bad_request", "rejected: X-GitHub-Event and X-GitHub-Delivery are required", zerolog.WarnLevel)
		return
	}
	rt := router{settings: h.opts.Route, event: event, deliveryID: delivery}
	p, err := rt.route(r.Context(), payload)
	if err != nil {
		respond(http.StatusBadRequest, "bad_request", "rejected: "+err.Error(), zerolog.WarnLevel)
		return
	}
	if p.ignored != "" {
		respond(http.StatusOK, "ignored", p.ignored, zerolog.DebugLevel)
		return
	}
	for _, rr := range p.configChanged {
		h.opts.Configs.ConfigChanged(rr.Owner, rr.Name)
	}
	// Acknowledge only what is recorded: with PostgreSQL the work is
	// committed before the 202, so a crash after it loses nothing.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), submitTimeout)
	defer cancel()
	// A merge is recorded before the delivery is: a redelivery after a
	// failure here must not be taken for a duplicate.
	if p.merge != nil && !h.recordMerge(ctx, *p.merge) {
		respond(http.StatusServiceUnavailable, "store_unavailable", "refused: the merge could not be recorded; redeliver later", zerolog.ErrorLevel)
		return
	}
	duplicate, err := h.opts.Queue.Submit(ctx, delivery, p.jobs)
	switch {
	case errors.Is(err, queue.ErrFull), errors.Is(err, queue.ErrStopped):
		respond(http.StatusServiceUnavailable, "queue_full", "refused: "+err.Error()+"; redeliver later", zerolog.ErrorLevel)
	case err != nil:
		l.Error().Err(err).Msg("could not record the delivery")
		respond(http.StatusServiceUnavailable, "store_unavailable", "refused: the work could not be recorded; redeliver later", zerolog.ErrorLevel)
	case duplicate:
		respond(http.StatusOK, "duplicate", "duplicate: delivery already processed", zerolog.InfoLevel)
	default:
		respond(http.StatusAccepted, "accepted", "accepted", zerolog.InfoLevel)
	}
}

func writeText(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	fmt.Fprintln(w, msg)
}
