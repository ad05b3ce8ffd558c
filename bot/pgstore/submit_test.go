package pgstore

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestSubmitDedupe(t *testing.T) {
	s := newStore(t)
	type call struct {
		appID    int64
		delivery string
		wantDup  bool
	}
	tests := []struct {
		name    string
		calls   []call
		wantGen int64
	}{
		{"same delivery twice", []call{{1, "d", false}, {1, "d", true}}, 1},
		{"same delivery on two apps", []call{{1, "d", false}, {2, "d", false}}, 2},
		{"no delivery ID never dedupes", []call{{1, "", false}, {1, "", false}}, 2},
		{"different deliveries", []call{{1, "d", false}, {1, "e", false}, {1, "d", true}}, 2},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := tt.name
			for j, c := range tt.calls {
				// Deliveries are global: make them unique per subtest.
				d := c.delivery
				if d != "" {
					d = d + "-" + string(rune('a'+i))
				}
				if got := submit(t, s, c.appID, d, 0, item(key)); got != c.wantDup {
					t.Errorf("call %d: Submit(%d, %q) duplicate = %v, want %v", j, c.appID, d, got, c.wantDup)
				}
			}
			r, ok := readRow(t, s, key)
			if !ok {
				t.Fatalf("no row for %q", key)
			}
			if r.Generation != tt.wantGen {
				t.Errorf("generation = %d, want %d", r.Generation, tt.wantGen)
			}
		})
	}
}

func TestSubmitDuplicateChangesNothing(t *testing.T) {
	s := newStore(t)
	submit(t, s, 1, "d1", 0, item("a"))
	second := item("a")
	second.HeadSHA = "bbb"
	if !submit(t, s, 1, "d1", 0, second, item("b")) {
		t.Fatal("second Submit of d1: duplicate = false, want true")
	}
	r, _ := readRow(t, s, "a")
	if r.HeadSHA != "aaa" || r.Generation != 1 {
		t.Errorf("after duplicate: head %q generation %d, want aaa 1", r.HeadSHA, r.Generation)
	}
	if n := countRows(t, s); n != 1 {
		t.Errorf("rows = %d, want 1 (the duplicate's items not added)", n)
	}
}

func TestSubmitCoalesce(t *testing.T) {
	s := newStore(t)
	with := func(f func(*Item)) Item { it := item("k"); f(&it); return it }
	tests := []struct {
		name     string
		old, new Item
		want     Item
	}{
		{
			name: "newest head, delivery and event win",
			old:  item("k"),
			new:  with(func(it *Item) { it.HeadSHA, it.DeliveryID, it.Event = "bbb", "d2", "check_run" }),
			want: with(func(it *Item) { it.HeadSHA, it.DeliveryID, it.Event = "bbb", "d2", "check_run" }),
		},
		{
			name: "empty head keeps the old one",
			old:  item("k"),
			new:  with(func(it *Item) { it.HeadSHA, it.DeliveryID = "", "d2" }),
			want: with(func(it *Item) { it.DeliveryID = "d2" }),
		},
		{
			name: "require write survives when both have one",
			old:  with(func(it *Item) { it.RequireWriteFrom = "alice" }),
			new:  with(func(it *Item) { it.RequireWriteFrom = "bob" }),
			want: with(func(it *Item) { it.RequireWriteFrom = "bob" }),
		},
		{
			name: "require write dropped when the new event needs none",
			old:  with(func(it *Item) { it.RequireWriteFrom = "alice" }),
			new:  item("k"),
			want: item("k"),
		},
		{
			name: "require write dropped when the old event needed none",
			old:  item("k"),
			new:  with(func(it *Item) { it.RequireWriteFrom = "bob" }),
			want: item("k"),
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := string(rune('a' + i))
			tt.old.Key, tt.new.Key, tt.want.Key = key, key, key
			submit(t, s, 1, "", time.Hour, tt.old)
			// A counted failure, to see attempts reset by the new event.
			setAttempts(t, s, key, 3)
			submit(t, s, 1, "", time.Hour, tt.new)
			r, _ := readRow(t, s, key)
			if diff := cmp.Diff(tt.want, r.Item); diff != "" {
				t.Errorf("coalesced item (-want +got):\n%s", diff)
			}
			if r.Generation != 2 || r.Attempts != 0 {
				t.Errorf("generation %d attempts %d, want 2 0", r.Generation, r.Attempts)
			}
		})
	}
}

func setAttempts(t testing.TB, s *Store, key string, n int) {
	t.Helper()
	if _, err := s.pool.Exec(testCtx(t), `UPDATE tiergate_work SET attempts = $2 WHERE key = $1`, key, n); err != nil {
		t.Fatal(err)
	}
}

func TestSubmitDueTime(t *testing.T) {
	tests := []struct {
		name     string
		prepare  func(t *testing.T, s *Store) // leaves row "k" in some state
		debounce time.Duration
		wantDue  time.Duration // due_at - now after the Submit
	}{
		{
			name:     "new row waits out the debounce",
			prepare:  func(t *testing.T, s *Store) {},
			debounce: time.Minute,
			wantDue:  time.Minute,
		},
		{
			name:     "settling row keeps its due time",
			prepare:  func(t *testing.T, s *Store) { submit(t, s, 1, "", time.Minute, item("k")) },
			debounce: time.Hour,
			wantDue:  time.Minute,
		},
		{
			name: "row in a retry backoff becomes due after the debounce",
			prepare: func(t *testing.T, s *Store) {
				submit(t, s, 1, "", 0, item("k"))
				c := claim(t, s, "w", time.Minute)
				if err := s.Retry(testCtx(t), c, time.Hour, true, "boom"); err != nil {
					t.Fatal(err)
				}
			},
			debounce: time.Minute,
			wantDue:  time.Minute,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			tt.prepare(t, s)
			submit(t, s, 1, "", tt.debounce, item("k"))
			r, _ := readRow(t, s, "k")
			if d := r.DueIn - tt.wantDue; d < -2*time.Second || d > 2*time.Second {
				t.Errorf("due in %v, want %v", r.DueIn, tt.wantDue)
			}
			if c := claim(t, s, "w2", time.Minute); c != nil {
				t.Errorf("Claim during the debounce = %s, want nil", c.Item.Key)
			}
		})
	}
}

func TestSubmitLeasedRowKeepsLease(t *testing.T) {
	s := newStore(t)
	submit(t, s, 1, "", 0, item("k"))
	c := claim(t, s, "w1", time.Minute)
	submit(t, s, 1, "", 0, item("k"))
	r, _ := readRow(t, s, "k")
	if r.LeaseOwner != "w1" {
		t.Errorf("lease owner after a new event = %q, want w1", r.LeaseOwner)
	}
	if c2 := claim(t, s, "w2", time.Minute); c2 != nil {
		t.Errorf("second Claim of a leased row = %s, want nil", c2.Item.Key)
	}
	_ = c
}

// A sweep's item for a key that has a row changes nothing: no new
// generation (a running attempt is not superseded) and no fresh attempts.
func TestSubmitSweepLeavesExistingRowAlone(t *testing.T) {
	s := newStore(t)
	submit(t, s, 1, "", 0, item("k"))
	c := claim(t, s, "w1", time.Minute)
	if err := s.Retry(testCtx(t), c, time.Hour, true, "boom"); err != nil {
		t.Fatal(err)
	}
	before, _ := readRow(t, s, "k")
	swept := item("k")
	swept.Event, swept.HeadSHA = EventSweep, "bbb"
	submit(t, s, 1, "", 0, swept)
	after, _ := readRow(t, s, "k")
	if after.Generation != before.Generation || after.Attempts != 1 || after.HeadSHA != "aaa" || after.DueIn < 50*time.Minute {
		t.Errorf("row after a sweep = %+v, want it unchanged from %+v", after, before)
	}
	fresh := item("other")
	fresh.Event = EventSweep
	submit(t, s, 1, "", 0, fresh)
	if _, ok := readRow(t, s, "other"); !ok {
		t.Error("a sweep's item for a new key was not queued")
	}
}

func TestSubmitRejectsEmptyKey(t *testing.T) {
	s := newStore(t)
	if _, err := s.Submit(testCtx(t), 1, "d", []Item{{}}, 0); err == nil {
		t.Fatal("Submit of an item without a key: err = nil")
	}
	if n := countRows(t, s); n != 0 {
		t.Errorf("rows = %d, want 0", n)
	}
}
