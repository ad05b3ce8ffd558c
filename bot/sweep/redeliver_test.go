package sweep

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tiergate/tiergate/bot/internal/fakeorg"
)

var redeliverNow = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

func redeliverOpts() Options {
	return Options{Now: func() time.Time { return redeliverNow }}
}

func TestRedeliverAsksOncePerFailedDelivery(t *testing.T) {
	f := newSweepFixture(t)
	fake := f.fake
	body := []byte(`{"action":"opened"}`)
	at := func(ago time.Duration) { fake.SetTime(redeliverNow.Add(-ago)) }

	at(80 * time.Hour)
	fake.RecordDelivery("too-old", "pull_request", 503, body) // outside the 72h window
	at(5 * time.Hour)
	down := fake.RecordDelivery("down", "pull_request", 0, body) // tiergate unreachable
	fake.RecordDelivery("fine", "pull_request", 202, body)
	at(4 * time.Hour)
	fake.RecordDelivery("healed", "pull_request", 503, body)
	at(3 * time.Hour)
	fake.RecordDelivery("healed", "pull_request", 202, body) // a later redelivery succeeded
	full := fake.RecordDelivery("full", "check_suite", 503, body)
	fake.RecordDelivery("ok-but-500", "push", 500, body)
	at(2 * time.Hour)
	fake.RecordDelivery("ok-but-500", "push", 500, body) // two failures of one GUID: ask once, for the newest
	newest := fake.Deliveries()[len(fake.Deliveries())-1].ID

	rep := f.run(t, redeliverOpts())
	want := []int64{newest, full, down} // newest first, as scanned
	if diff := cmp.Diff(want, fake.RedeliveryRequests()); diff != "" {
		t.Errorf("redelivery requests (-want +got):\n%s", diff)
	}
	if rep.Redelivered != 3 {
		t.Errorf("Run().Redelivered = %d, want 3", rep.Redelivered)
	}

	t.Run("second scan asks nothing again", func(t *testing.T) {
		fake.ResetRequests()
		at(time.Hour)
		fake.RecordDelivery("full", "check_suite", 503, body) // the redelivery failed too
		if rep := f.run(t, redeliverOpts()); rep.Redelivered != 0 {
			t.Errorf("second Run().Redelivered = %d, want 0", rep.Redelivered)
		}
		if got := len(fake.RedeliveryRequests()); got != 3 {
			t.Errorf("%d redelivery requests after the second scan, want still 3", got)
		}
	})
	t.Run("a new failure is asked for", func(t *testing.T) {
		at(time.Minute)
		lost := fake.RecordDelivery("lost", "pull_request_review", 502, body)
		f.run(t, redeliverOpts())
		if got := fake.RedeliveryRequests(); got[len(got)-1] != lost || len(got) != 4 {
			t.Errorf("redelivery requests = %v, want a 4th for %d", got, lost)
		}
	})
}

func TestRedeliverResumesFromCursor(t *testing.T) {
	f := newSweepFixture(t)
	fake := f.fake
	fake.SetTime(redeliverNow.Add(-48 * time.Hour))
	for i := 0; i < 250; i++ { // three pages of 100, a second apart
		fake.RecordDelivery("", "pull_request", 202, []byte(`{}`))
		fake.Advance(time.Second)
	}
	scans := func() int { return fakeorg.RequestsMatching(f.fake, "GET /app/hook/deliveries") }

	f.run(t, redeliverOpts())
	if got := scans(); got != 3 {
		t.Fatalf("first scan listed %d pages, want 3", got)
	}
	fake.ResetRequests()
	fake.SetTime(redeliverNow.Add(-time.Hour))
	failed := fake.RecordDelivery("", "pull_request", 503, []byte(`{}`))
	f.run(t, redeliverOpts())
	if got := scans(); got != 1 {
		t.Errorf("second scan listed %d pages, want 1: it stops at the first scan's newest delivery", got)
	}
	if diff := cmp.Diff([]int64{failed}, fake.RedeliveryRequests()); diff != "" {
		t.Errorf("redelivery requests (-want +got):\n%s", diff)
	}
	if c, _ := f.coord.Cursor(context.Background(), redeliverCursor); parseLogPosition(c).id != failed {
		t.Errorf("cursor = %q, want the newest delivery %d", c, failed)
	}
}

func TestRedeliverBudgetKeepsCursor(t *testing.T) {
	f := newSweepFixture(t)
	fake := f.fake
	fake.SetTime(redeliverNow.Add(-time.Hour))
	for i := 0; i < 150; i++ {
		fake.RecordDelivery("", "pull_request", 503, []byte(`{}`))
	}
	// 2 pages and 2 redeliveries fit a budget of 4.
	rep := f.run(t, Options{Now: redeliverOpts().Now, RequestBudget: 4})
	if !rep.BudgetExhausted || rep.Redelivered != 2 {
		t.Errorf("Run() = %+v, want budget exhausted after 2 redeliveries", rep)
	}
	if c, _ := f.coord.Cursor(context.Background(), redeliverCursor); c != "" {
		t.Errorf("cursor after an incomplete scan = %q, want unchanged (empty)", c)
	}
	rep = f.run(t, Options{Now: redeliverOpts().Now})
	if rep.Redelivered != 148 || len(fake.RedeliveryRequests()) != 150 {
		t.Errorf("second Run().Redelivered = %d (%d in all), want the other 148 (150)", rep.Redelivered, len(fake.RedeliveryRequests()))
	}
}

func TestLogPositionParse(t *testing.T) {
	p := logPosition{id: 42, at: time.Unix(1714564800, 0)}
	if got := parseLogPosition(p.String()); got.id != p.id || !got.at.Equal(p.at) {
		t.Errorf("parseLogPosition(%q) = %+v, want %+v", p.String(), got, p)
	}
	for _, s := range []string{"", "42", "x 1", "42 y"} {
		if got := parseLogPosition(s); got.id != 0 {
			t.Errorf("parseLogPosition(%q) = %+v, want zero", s, got)
		}
	}
}
