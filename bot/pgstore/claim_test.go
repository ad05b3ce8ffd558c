package pgstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tiergate/tiergate/bot/internal/poll"
)

func TestClaimEmpty(t *testing.T) {
	s := newStore(t)
	if c := claim(t, s, "w", time.Minute); c != nil {
		t.Fatalf("Claim on an empty queue = %+v, want nil", c)
	}
}

func TestClaimReturnsItem(t *testing.T) {
	s := newStore(t)
	it := item("octo/repo#12")
	it.RequireWriteFrom = "alice"
	submit(t, s, 1, "d1", 0, it)
	c := claim(t, s, "w1", time.Minute)
	if c == nil {
		t.Fatal("Claim = nil, want the submitted row")
	}
	if c.Item != it || c.Generation != 1 || c.Attempts != 0 || c.Owner != "w1" {
		t.Errorf("Claim = %+v, want item %+v generation 1 attempts 0 owner w1", c, it)
	}
	if time.Until(c.LeaseUntil) < 30*time.Second {
		t.Errorf("LeaseUntil = %v, want about a minute from now", c.LeaseUntil)
	}
}

func TestClaimEachKeyOnce(t *testing.T) {
	s := newStore(t)
	const keys, workers = 60, 8
	var items []Item
	for i := range keys {
		items = append(items, item(fmt.Sprintf("octo/repo#%d", i)))
	}
	submit(t, s, 1, "", 0, items...)

	var mu sync.Mutex
	got := map[string]int{}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				c, err := s.Claim(testCtx(t), fmt.Sprintf("w%d", w), time.Minute, 0)
				if err != nil {
					t.Errorf("Claim: %v", err)
					return
				}
				if c == nil {
					return
				}
				mu.Lock()
				got[c.Item.Key]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(got) != keys {
		t.Errorf("claimed %d distinct keys, want %d", len(got), keys)
	}
	for k, n := range got {
		if n != 1 {
			t.Errorf("key %s claimed %d times, want once", k, n)
		}
	}
}

func TestClaimTwoClaimersOneKey(t *testing.T) {
	s := newStore(t)
	for round := range 20 {
		key := fmt.Sprintf("k%d", round)
		submit(t, s, 1, "", 0, item(key))
		var wg sync.WaitGroup
		claims := make([]*Claim, 2)
		for i := range claims {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := s.Claim(testCtx(t), fmt.Sprintf("w%d", i), time.Minute, 0)
				if err != nil {
					t.Errorf("Claim: %v", err)
				}
				claims[i] = c
			}()
		}
		wg.Wait()
		if (claims[0] == nil) == (claims[1] == nil) {
			t.Fatalf("round %d: claims %v and %v, want exactly one", round, claims[0], claims[1])
		}
	}
}

func TestSupersededDuringLease(t *testing.T) {
	s := newStore(t)
	ctx := testCtx(t)
	submit(t, s, 1, "d1", 0, item("k"))
	c := claim(t, s, "w1", time.Minute)
	if err := s.Current(ctx, c, time.Second); err != nil {
		t.Fatalf("Current before a new event = %v, want nil", err)
	}

	newer := item("k")
	newer.HeadSHA = "bbb"
	submit(t, s, 1, "d2", 0, newer)
	if err := s.Current(ctx, c, time.Second); !errors.Is(err, ErrSuperseded) {
		t.Errorf("Current after a new event = %v, want ErrSuperseded", err)
	}
	rerun, err := s.Finish(ctx, c)
	if err != nil || !rerun {
		t.Fatalf("Finish after a new event = %v, %v, want true, nil", rerun, err)
	}
	c2 := claim(t, s, "w2", time.Minute)
	if c2 == nil {
		t.Fatal("after Finish with rerun: Claim = nil, want the row due now")
	}
	if c2.Generation != 2 || c2.Item.HeadSHA != "bbb" {
		t.Errorf("rerun claim: generation %d head %q, want 2 bbb", c2.Generation, c2.Item.HeadSHA)
	}
	rerun, err = s.Finish(ctx, c2)
	if err != nil || rerun {
		t.Fatalf("Finish of the newest generation = %v, %v, want false, nil", rerun, err)
	}
	if _, ok := readRow(t, s, "k"); ok {
		t.Error("row still there after Finish, want deleted")
	}
}

func TestCurrentMargin(t *testing.T) {
	s := newStore(t)
	submit(t, s, 1, "", 0, item("k"))
	c := claim(t, s, "w1", 10*time.Second)
	if err := s.Current(testCtx(t), c, time.Second); err != nil {
		t.Errorf("Current(margin 1s) on a 10s lease = %v, want nil", err)
	}
	if err := s.Current(testCtx(t), c, time.Minute); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("Current(margin 1m) on a 10s lease = %v, want ErrLeaseLost", err)
	}
}

func TestLeaseExpiry(t *testing.T) {
	s := newStore(t)
	ctx := testCtx(t)
	submit(t, s, 1, "", 0, item("k"))
	a := claim(t, s, "a", time.Second)
	if c := claim(t, s, "b", time.Minute); c != nil {
		t.Fatal("Claim by b while a's lease is live: got the row, want nil")
	}
	var b *Claim
	poll.Until(t, 10*time.Second, "b to claim the row after a's lease expired", func() bool {
		b = claim(t, s, "b", time.Minute)
		return b != nil
	})
	for name, err := range map[string]error{
		"Current": s.Current(ctx, a, 0),
		"Renew":   s.Renew(ctx, a, time.Minute),
		"Retry":   s.Retry(ctx, a, 0, true, "x"),
		"Release": s.Release(ctx, a),
	} {
		if !errors.Is(err, ErrLeaseLost) {
			t.Errorf("%s by the expired owner = %v, want ErrLeaseLost", name, err)
		}
	}
	if _, err := s.Finish(ctx, a); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("Finish by the expired owner = %v, want ErrLeaseLost", err)
	}
	if err := s.Current(ctx, b, time.Second); err != nil {
		t.Errorf("Current by the new owner = %v, want nil", err)
	}
	if rerun, err := s.Finish(ctx, b); err != nil || rerun {
		t.Errorf("Finish by the new owner = %v, %v, want false, nil", rerun, err)
	}
}

func TestRenew(t *testing.T) {
	s := newStore(t)
	submit(t, s, 1, "", 0, item("k"))
	c := claim(t, s, "w", 2*time.Second)
	before := c.LeaseUntil
	if err := s.Renew(testCtx(t), c, time.Hour); err != nil {
		t.Fatalf("Renew = %v", err)
	}
	if c.LeaseUntil.Sub(before) < 50*time.Minute {
		t.Errorf("LeaseUntil moved from %v to %v, want about an hour later", before, c.LeaseUntil)
	}
	if err := s.Current(testCtx(t), c, 30*time.Minute); err != nil {
		t.Errorf("Current(margin 30m) after renewing for an hour = %v, want nil", err)
	}
}

func TestRetry(t *testing.T) {
	tests := []struct {
		name         string
		count        bool
		newEvent     bool // a new event arrives during the lease
		at           time.Duration
		wantAttempts int
		wantDueNow   bool
	}{
		{name: "counted", count: true, at: time.Hour, wantAttempts: 3},
		{name: "not counted (rate limit)", count: false, at: time.Hour, wantAttempts: 2},
		{name: "due in the past", count: true, at: -time.Second, wantAttempts: 3, wantDueNow: true},
		{name: "new event: due now, attempts reset", count: true, newEvent: true, at: time.Hour, wantAttempts: 0, wantDueNow: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			submit(t, s, 1, "", 0, item("k"))
			setAttempts(t, s, "k", 2)
			c := claim(t, s, "w", time.Minute)
			if c.Attempts != 2 {
				t.Fatalf("claimed attempts = %d, want 2", c.Attempts)
			}
			if tt.newEvent {
				submit(t, s, 1, "", 0, item("k"))
			}
			if err := s.Retry(testCtx(t), c, tt.at, tt.count, "boom"); err != nil {
				t.Fatalf("Retry = %v", err)
			}
			r, _ := readRow(t, s, "k")
			if r.Attempts != tt.wantAttempts || r.LastError != "boom" || r.LeaseOwner != "" {
				t.Errorf("after Retry: attempts %d last error %q owner %q, want %d boom and no owner",
					r.Attempts, r.LastError, r.LeaseOwner, tt.wantAttempts)
			}
			c2 := claim(t, s, "w2", time.Minute)
			if (c2 != nil) != tt.wantDueNow {
				t.Errorf("Claim after Retry = %v, want a row: %v", c2, tt.wantDueNow)
			}
			if c2 != nil && c2.LastError != "boom" {
				t.Errorf("claimed LastError = %q, want boom", c2.LastError)
			}
		})
	}
}

func TestRelease(t *testing.T) {
	s := newStore(t)
	submit(t, s, 1, "", 0, item("k"))
	setAttempts(t, s, "k", 1)
	c := claim(t, s, "w", time.Hour)
	if err := s.Release(testCtx(t), c); err != nil {
		t.Fatalf("Release = %v", err)
	}
	c2 := claim(t, s, "w2", time.Hour)
	if c2 == nil || c2.Attempts != 1 {
		t.Fatalf("Claim after Release = %+v, want the row with attempts 1", c2)
	}
}

func TestStats(t *testing.T) {
	s := newStore(t)
	ctx := testCtx(t)
	if depth, age, err := s.Stats(ctx); err != nil || depth != 0 || age != 0 {
		t.Fatalf("Stats on empty = %d, %v, %v, want 0, 0, nil", depth, age, err)
	}
	submit(t, s, 1, "", time.Hour, item("later"))
	submit(t, s, 1, "", 0, item("old"), item("leased"))
	claimed := claim(t, s, "w", time.Hour)
	other := map[string]string{"old": "leased", "leased": "old"}[claimed.Item.Key]
	if _, err := s.pool.Exec(ctx, `UPDATE tiergate_work SET due_at = now() - interval '1 hour' WHERE key = $1`, claimed.Item.Key); err != nil {
		t.Fatal(err)
	}
	if _, err := s.pool.Exec(ctx, `UPDATE tiergate_work SET due_at = now() - interval '10 minutes' WHERE key = $1`, other); err != nil {
		t.Fatal(err)
	}
	depth, age, err := s.Stats(ctx)
	if err != nil || depth != 3 {
		t.Fatalf("Stats = %d, %v, %v, want depth 3", depth, age, err)
	}
	if age < 9*time.Minute || age > 11*time.Minute {
		t.Errorf("oldest due = %v, want about 10m (the leased row does not count)", age)
	}
}

// TestClaimSkipsLockedRows: a row locked by another transaction (a concurrent
// Claim in progress) is skipped, not waited for.
func TestClaimSkipsLockedRows(t *testing.T) {
	s := newStore(t)
	ctx := testCtx(t)
	submit(t, s, 1, "", 0, item("a"), item("b"))
	if _, err := s.pool.Exec(ctx, `UPDATE tiergate_work SET due_at = now() - interval '1 minute' WHERE key = 'a'`); err != nil {
		t.Fatal(err)
	}
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := tx.Exec(ctx, `SELECT 1 FROM tiergate_work WHERE key = 'a' FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	c, err := s.Claim(short, "w", time.Minute, 0)
	if err != nil {
		t.Fatalf("Claim while the oldest row is locked = %v, want the next row at once", err)
	}
	if c == nil || c.Item.Key != "b" {
		t.Fatalf("Claim while a is locked = %+v, want b", c)
	}
}

// TestClaimShare: with a share of 2, an owner holding two live leases of
// installation 7 skips its older rows for installation 8's; another owner
// (replica) has its own share; a finished lease frees one.
func TestClaimShare(t *testing.T) {
	s := newStore(t)
	ctx := testCtx(t)
	var items []Item
	for i := range 4 {
		items = append(items, item(fmt.Sprintf("octo/repo#%d", i)))
	}
	victim := item("other/victim#1")
	victim.InstallationID = 8
	submit(t, s, 1, "", 0, append(items, victim)...)
	// Installation 7's rows have been due longest, the victim's last.
	if _, err := s.pool.Exec(ctx, `UPDATE tiergate_work SET due_at = now() - interval '1 minute' WHERE installation_id = 7`); err != nil {
		t.Fatal(err)
	}
	take := func(owner string) string {
		t.Helper()
		c, err := s.Claim(ctx, owner, time.Minute, 2)
		if err != nil {
			t.Fatalf("Claim(%s): %v", owner, err)
		}
		if c == nil {
			return ""
		}
		return fmt.Sprintf("%d %s", c.Item.InstallationID, c.Item.Key)
	}
	var got []string
	for range 4 {
		got = append(got, take("w1"))
	}
	got = append(got, take("w2"), take("w2"))
	want := []string{"7 octo/repo#0", "7 octo/repo#1", "8 other/victim#1", "", "7 octo/repo#2", "7 octo/repo#3"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("claims = %q, want %q", got, want)
	}

	// Without a share nothing is skipped.
	submit(t, s, 1, "", 0, item("octo/repo#9"))
	if c, err := s.Claim(ctx, "w1", time.Minute, 0); err != nil || c == nil || c.Item.Key != "octo/repo#9" {
		t.Errorf("Claim(share 0) = %+v, %v; want octo/repo#9", c, err)
	}
}
