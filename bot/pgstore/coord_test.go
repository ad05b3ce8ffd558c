package pgstore

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tiergate/tiergate/bot/pgstore/pgtest"
)

func TestMigrateConcurrent(t *testing.T) {
	url := pgtest.URL(t)
	const n = 4
	applied := make([][]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			applied[i], errs[i] = Migrate(testCtx(t), url)
		}()
	}
	wg.Wait()
	var total []string
	for i := range n {
		if errs[i] != nil {
			t.Errorf("Migrate #%d: %v", i, errs[i])
		}
		total = append(total, applied[i]...)
	}
	slices.Sort(total)
	if want := []string{"00001_init.sql", "00002_owner_app.sql", "00003_ledger.sql", "00004_ledger_hardening.sql"}; !slices.Equal(total, want) {
		t.Errorf("applied across %d concurrent Migrate calls = %v, want %v once each", n, total, want)
	}
	again, err := Migrate(testCtx(t), url)
	if err != nil || len(again) != 0 {
		t.Errorf("Migrate on an up-to-date database = %v, %v, want nothing applied", again, err)
	}
	s := openStore(t, url)
	if err := s.Ping(testCtx(t)); err != nil {
		t.Errorf("Ping = %v", err)
	}
}

func TestOpenConcurrent(t *testing.T) {
	url := pgtest.URL(t)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(testCtx(t), url, Options{})
			if err != nil {
				t.Errorf("Open: %v", err)
				return
			}
			s.Close()
		}()
	}
	wg.Wait()
}

func TestOpenErrorHidesPassword(t *testing.T) {
	for _, url := range []string{
		"postgres://tiergate:s3cr3tpw@127.0.0.1:1/tiergate?connect_timeout=2",
		"postgres://tiergate:s3cr3tpw@127.0.0.1:notaport/tiergate",
		"host=127.0.0.1 port=1 password=s3cr3tpw connect_timeout=2",
	} {
		_, err := Open(testCtx(t), url, Options{})
		if err == nil {
			t.Fatalf("Open(%q) = nil error, want one", "…")
		}
		if strings.Contains(err.Error(), "s3cr3tpw") {
			t.Errorf("Open error reveals the password: %v", err)
		}
	}
}

func TestExclusive(t *testing.T) {
	s := newStore(t)
	other := openStore(t, s.pool.Config().ConnString())
	ctx := testCtx(t)

	entered, leave := make(chan struct{}), make(chan struct{})
	var firstRan bool
	var firstErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		firstRan, firstErr = s.Exclusive(ctx, "sweep", func(context.Context) error {
			close(entered)
			<-leave
			return nil
		})
	}()
	<-entered
	ran, err := other.Exclusive(ctx, "sweep", func(context.Context) error {
		t.Error("second caller's fn ran while the first held the task")
		return nil
	})
	if ran || err != nil {
		t.Errorf("second Exclusive while held = %v, %v, want false, nil", ran, err)
	}
	ran, err = other.Exclusive(ctx, "other-task", func(context.Context) error { return nil })
	if !ran || err != nil {
		t.Errorf("Exclusive of another task = %v, %v, want true, nil", ran, err)
	}
	close(leave)
	<-done
	if !firstRan || firstErr != nil {
		t.Errorf("first Exclusive = %v, %v, want true, nil", firstRan, firstErr)
	}

	boom := errors.New("boom")
	ran, err = other.Exclusive(ctx, "sweep", func(context.Context) error { return boom })
	if !ran || !errors.Is(err, boom) {
		t.Errorf("Exclusive after release = %v, %v, want true, boom", ran, err)
	}
}

func TestExclusiveRace(t *testing.T) {
	s := newStore(t)
	ctx := testCtx(t)
	for round := range 5 {
		var wg sync.WaitGroup
		var mu sync.Mutex
		running, ranCount := 0, 0
		start := make(chan struct{})
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				ran, err := s.Exclusive(ctx, "race", func(context.Context) error {
					mu.Lock()
					running++
					if running > 1 {
						t.Error("two callers inside Exclusive at once")
					}
					mu.Unlock()
					time.Sleep(200 * time.Millisecond) // hold the task while the other tries
					mu.Lock()
					running--
					mu.Unlock()
					return nil
				})
				if err != nil {
					t.Errorf("Exclusive: %v", err)
				}
				if ran {
					mu.Lock()
					ranCount++
					mu.Unlock()
				}
			}()
		}
		close(start)
		wg.Wait()
		if ranCount < 1 {
			t.Errorf("round %d: no caller ran", round)
		}
	}
}

func TestCursor(t *testing.T) {
	s := newStore(t)
	ctx := testCtx(t)
	if v, err := s.Cursor(ctx, "deliveries"); err != nil || v != "" {
		t.Fatalf("Cursor before any SetCursor = %q, %v, want \"\", nil", v, err)
	}
	for _, v := range []string{"42", "43"} {
		if err := s.SetCursor(ctx, "deliveries", v); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Cursor(ctx, "deliveries"); err != nil || got != v {
			t.Errorf("Cursor after SetCursor(%q) = %q, %v", v, got, err)
		}
	}
	if v, _ := s.Cursor(ctx, "other"); v != "" {
		t.Errorf("Cursor(other) = %q, want \"\"", v)
	}
}

func TestOnce(t *testing.T) {
	s := newStore(t)
	ctx := testCtx(t)
	const n = 8
	var wg sync.WaitGroup
	var mu sync.Mutex
	firsts := 0
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			first, err := s.Once(ctx, "redeliver:123")
			if err != nil {
				t.Errorf("Once: %v", err)
			}
			if first {
				mu.Lock()
				firsts++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if firsts != 1 {
		t.Errorf("%d concurrent Once calls returned true %d times, want once", n, firsts)
	}
	if first, _ := s.Once(ctx, "redeliver:124"); !first {
		t.Error("Once(new key) = false, want true")
	}
	if _, err := s.pool.Exec(ctx, `UPDATE tiergate_once SET created_at = now() - interval '8 days' WHERE key = 'redeliver:123'`); err != nil {
		t.Fatal(err)
	}
	if n, err := s.PruneOnce(ctx, 7*24*time.Hour); err != nil || n != 1 {
		t.Errorf("PruneOnce = %d, %v, want 1, nil", n, err)
	}
	if first, _ := s.Once(ctx, "redeliver:123"); !first {
		t.Error("Once after pruning = false, want true")
	}
}

func TestPruneDeliveries(t *testing.T) {
	s := newStore(t)
	ctx := testCtx(t)
	submit(t, s, 1, "old", 0, item("a"))
	submit(t, s, 1, "new", 0, item("b"))
	if _, err := s.pool.Exec(ctx, `UPDATE tiergate_deliveries SET received_at = now() - interval '8 days' WHERE delivery_id = 'old'`); err != nil {
		t.Fatal(err)
	}
	if n, err := s.PruneDeliveries(ctx, 7*24*time.Hour); err != nil || n != 1 {
		t.Errorf("PruneDeliveries = %d, %v, want 1, nil", n, err)
	}
	if submit(t, s, 1, "new", 0, item("b")) {
		// expected: still known
	} else {
		t.Error("recent delivery forgotten by PruneDeliveries")
	}
	if submit(t, s, 1, "old", 0, item("a")) {
		t.Error("pruned delivery still recognised as a duplicate")
	}
}

func TestWaitWakesOnSubmitFromAnotherStore(t *testing.T) {
	waiter := newStore(t)
	submitter := openStore(t, waiter.pool.Config().ConnString())
	ctx := testCtx(t)
	waitListening(t, waiter)

	woke := make(chan time.Duration, 1)
	go func() {
		start := time.Now()
		_ = waiter.Wait(ctx, 30*time.Second)
		woke <- time.Since(start)
	}()
	// The goroutine may enter Wait after a Submit: submit until it wakes.
	for i := 0; ; i++ {
		submit(t, submitter, 1, "", 0, item("k"))
		select {
		case d := <-woke:
			if d > 10*time.Second {
				t.Fatalf("Wait returned after %v, want woken by Submit", d)
			}
			return
		case <-time.After(100 * time.Millisecond):
		}
		if i == 50 {
			t.Fatal("Wait not woken by 50 submissions")
		}
	}
}

// waitListening waits until s's listener has run LISTEN.
func waitListening(t testing.TB, s *Store) {
	t.Helper()
	select {
	case <-s.listening:
	case <-time.After(30 * time.Second):
		t.Fatal("listener not connected after 30s")
	}
}

func TestWaitTimeoutAndCancel(t *testing.T) {
	s := newStore(t)
	waitListening(t, s)
	start := time.Now()
	if err := s.Wait(context.Background(), 100*time.Millisecond); err != nil {
		t.Errorf("Wait timeout = %v, want nil", err)
	}
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Errorf("Wait returned after %v, want at least the max", d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Wait(ctx, time.Minute); !errors.Is(err, context.Canceled) {
		t.Errorf("Wait on a cancelled context = %v, want context.Canceled", err)
	}
}
