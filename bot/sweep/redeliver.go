package sweep

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
	"github.com/rs/zerolog"

	"github.com/tiergate/tiergate/bot/ghclient"
	"github.com/tiergate/tiergate/bot/logfield"
)

// redeliverCursor is the Coordinator cursor of the delivery log scan.
const redeliverCursor = "redeliver"

// deliveryOverlap is how far before the last scan's newest delivery the
// next scan still looks: a slow delivery can enter the log after a newer,
// faster one (GitHub waits up to 10 s for a response). Once keeps the
// overlap from asking twice.
const deliveryOverlap = time.Minute

// logPosition is the newest delivery a complete scan saw: its ID (IDs grow
// over time) and when it was delivered.
type logPosition struct {
	id int64
	at time.Time
}

func (p logPosition) String() string {
	if p.id == 0 {
		return ""
	}
	return fmt.Sprintf("%d %d", p.id, p.at.Unix())
}

func parseLogPosition(s string) logPosition {
	id, at, ok := strings.Cut(s, " ")
	n, err1 := strconv.ParseInt(id, 10, 64)
	sec, err2 := strconv.ParseInt(at, 10, 64)
	if !ok || err1 != nil || err2 != nil {
		return logPosition{}
	}
	return logPosition{id: n, at: time.Unix(sec, 0)}
}

// seen reports whether a delivery was covered by the scan that ended at p.
func (p logPosition) seen(d *github.HookDelivery) bool {
	return p.id != 0 && d.GetID() <= p.id && d.GetDeliveredAt().Before(p.at.Add(-deliveryOverlap))
}

// delivered reports whether GitHub recorded the delivery as received.
func delivered(d *github.HookDelivery) bool {
	code := d.GetStatusCode()
	return code >= 200 && code < 300 && d.GetStatus() == "OK"
}

// redeliver scans the App's delivery log, newest first, down to where the
// last complete scan stopped or to the redelivery window, and asks GitHub
// once per GUID to redeliver each failed delivery that no later attempt
// made good. The cursor moves only when the scan completed and every
// request was made, so an interrupted scan is repeated (Once keeps it from
// asking twice).
func (s *Sweeper) redeliver(ctx context.Context, rep *Report) error {
	m := newMeter(s.opts.RequestBudget, s.opts.RateLimitFloor)
	defer func() { rep.Requests += m.requests() }()
	app, err := s.clients.AppThrough(m.wrap)
	if err != nil {
		return err
	}
	raw, err := s.coord.Cursor(ctx, redeliverCursor)
	if err != nil {
		return fmt.Errorf("read redelivery cursor: %w", err)
	}
	last := parseLogPosition(raw)
	failed, newest, complete, scanErr := s.scanDeliveries(ctx, app, last)
	if m.stopped(scanErr) {
		s.noteStop(rep, m, 0)
		scanErr = nil
	}

	// Every delivery newer than a failure was seen, so the failures found
	// are wanting even when the scan did not complete.
	var errs []error
	for _, d := range failed {
		if m.stop() != nil {
			s.noteStop(rep, m, 0)
			complete = false
			break
		}
		first, err := s.coord.Once(ctx, "redeliver:"+d.GetGUID())
		if err != nil {
			errs = append(errs, err)
			complete = false
			continue
		}
		if !first {
			continue
		}
		if err := redeliverOne(ctx, app, d.GetID()); err != nil {
			// Not asked again: the sweep finds what this delivery would have queued.
			errs = append(errs, fmt.Errorf("redeliver delivery %d (%s %s): %w", d.GetID(), d.GetEvent(), d.GetGUID(), err))
			continue
		}
		rep.Redelivered++
		s.opts.Metrics.RedeliveriesRequested.Inc()
		zerolog.Ctx(ctx).Info().Str(logfield.DeliveryID, d.GetGUID()).
			Msgf("asked GitHub to redeliver %s delivery %d (status %d %q)", d.GetEvent(), d.GetID(), d.GetStatusCode(), d.GetStatus())
	}
	if complete && scanErr == nil && newest.id > last.id {
		errs = append(errs, s.coord.SetCursor(ctx, redeliverCursor, newest.String()))
	}
	return errors.Join(append(errs, scanErr)...)
}

// scanDeliveries reads the delivery log newest first until it reaches a
// delivery the last scan covered or one older than the window. It returns
// the failed deliveries whose GUID has no newer successful attempt (the
// newest failure per GUID), the newest delivery seen, and whether the scan
// reached its end.
func (s *Sweeper) scanDeliveries(ctx context.Context, app *github.Client, last logPosition) (failed []*github.HookDelivery, newest logPosition, complete bool, err error) {
	cutoff := s.opts.Now().Add(-s.opts.RedeliveryWindow)
	settled := map[string]bool{} // GUIDs with a newer success, or a failure already taken
	opts := &github.ListCursorOptions{PerPage: ghclient.PerPage}
	for {
		page, resp, err := app.Apps.ListHookDeliveries(ctx, opts)
		if err != nil {
			return failed, newest, false, fmt.Errorf("list webhook deliveries: %w", err)
		}
		for _, d := range page {
			if last.seen(d) || d.GetDeliveredAt().Before(cutoff) {
				return failed, newest, true, nil
			}
			if d.GetID() > newest.id {
				newest = logPosition{id: d.GetID(), at: d.GetDeliveredAt().Time}
			}
			guid := d.GetGUID()
			if !settled[guid] && !delivered(d) {
				failed = append(failed, d)
			}
			settled[guid] = true
		}
		if resp.Cursor == "" {
			return failed, newest, true, nil
		}
		opts.Cursor = resp.Cursor
	}
}

// redeliverOne asks GitHub to redeliver a delivery. GitHub answers 202,
// which go-github reports as *github.AcceptedError.
func redeliverOne(ctx context.Context, app *github.Client, id int64) error {
	_, _, err := app.Apps.RedeliverHookDelivery(ctx, id)
	if accepted := (*github.AcceptedError)(nil); errors.As(err, &accepted) {
		return nil
	}
	return err
}
