package queue

import (
	"errors"
	"time"

	"github.com/tiergate/tiergate/bot/pgstore"
)

// EventRevisit is the event of work parked by a Revisit, as logs show it
// when it runs.
const EventRevisit = pgstore.EventRevisit

// Revisit is what an Executor returns when its work is done for now but
// must run again at At even if no event arrives: a verdict waiting for
// required CI checks is looked at again when they run out of time. It is
// no failure: no attempt is spent and nothing is reported. The key stays
// parked until At; a newer event for it runs at once, as usual. Parked
// work does not count as queued for WaitIdle or the depth metric.
type Revisit struct {
	At     time.Time
	Reason string // for logs, e.g. "waiting for 2 required checks"
}

func (r *Revisit) Error() string {
	return "not finished: " + r.Reason + "; to run again at " + r.At.UTC().Format(time.RFC3339)
}

// revisitAt reports whether err asks for a revisit, and when.
func revisitAt(err error) (time.Time, bool) {
	var r *Revisit
	if errors.As(err, &r) {
		return r.At, true
	}
	return time.Time{}, false
}
