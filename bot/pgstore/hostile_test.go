package pgstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tiergate/tiergate/bot/pgstore/pgtest"
)

// TestOneAppPerDatabase: work rows, cursors, locks and redelivery marks
// are not scoped to a GitHub App, so two Apps (say staging and production)
// pointed at one database would take each other's work. The first App to
// open a database claims it; another App is refused with a plain reason,
// and replicas of the first keep opening it.
func TestOneAppPerDatabase(t *testing.T) {
	url := pgtest.URL(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, app := range []int64{1, 1} {
		s, err := Open(ctx, url, Options{AppID: app})
		if err != nil {
			t.Fatalf("Open for App %d: %v", app, err)
		}
		s.Close()
	}
	s, err := Open(ctx, url, Options{AppID: 2})
	if err == nil {
		s.Close()
		t.Fatal("Open for App 2 on App 1's database succeeded, want ErrOtherApp")
	}
	if !errors.Is(err, ErrOtherApp) {
		t.Errorf("Open for App 2 = %v, want ErrOtherApp", err)
	}
}
