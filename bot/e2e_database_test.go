package bot_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tiergate/tiergate/bot"
	"github.com/tiergate/tiergate/bot/pgstore/pgtest"
)

// TestE2EDatabaseMode runs the real server in PostgreSQL mode: a delivery is
// evaluated through the database queue and recognised when redelivered;
// once the database is gone, nothing is acknowledged that was not recorded
// (503, which GitHub records as a failed delivery) and /readyz fails.
func TestE2EDatabaseMode(t *testing.T) {
	dbURL := pgtest.URL(t)
	h := newHarness(t, "", func(s *bot.Settings) {
		s.DatabaseURL = dbURL
		s.SweepInterval = -1
	})
	h.gh.SetChangedFiles(owner, repo, prNumber, files("app/a.go"))

	body := prEvent(t, "opened", headSHA)
	if code := h.deliverID("pull_request", "db-1", body); code != http.StatusAccepted {
		t.Fatalf("first delivery = %d, want 202", code)
	}
	h.settle()
	if run := h.check(headSHA); run.Conclusion != "failure" {
		t.Fatalf("check run after evaluation through the database = %+v, want failure (tests missing)", run)
	}
	if code := h.deliverID("pull_request", "db-1", body); code != http.StatusOK {
		t.Errorf("redelivery of db-1 = %d, want 200 duplicate", code)
	}
	if code, _ := h.get("/readyz"); code != http.StatusOK {
		t.Errorf("/readyz with the database up = %d, want 200", code)
	}

	dropDatabase(t, dbURL)
	if code := h.deliverID("pull_request", "db-2", prEvent(t, "synchronize", headSHA)); code != http.StatusServiceUnavailable {
		t.Errorf("delivery with the database gone = %d, want 503", code)
	}
	if code, body := h.get("/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "database") {
		t.Errorf("/readyz with the database gone = %d %q, want 503 naming the database", code, body)
	}
	if !strings.Contains(h.logs.String(), `"outcome":"store_unavailable"`) {
		t.Errorf("logs lack the store_unavailable outcome:\n%s", h.logs)
	}
}

func (h *harness) get(path string) (int, string) {
	h.t.Helper()
	resp, err := http.Get(h.url + path)
	if err != nil {
		h.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// dropDatabase removes the database dbURL names, forcing its connections
// off: to the server, the database is gone.
func dropDatabase(t *testing.T, dbURL string) {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, pgtest.AdminURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		t.Fatalf("drop database %s: %v", name, err)
	}
}
