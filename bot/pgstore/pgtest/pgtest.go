// Package pgtest gives tests a fresh, empty PostgreSQL database.
//
// With TIERGATE_TEST_DATABASE_URL set, databases are created on that server
// (the URL's user needs CREATEDB). Otherwise the first call starts one
// throwaway cluster for the test binary from the PostgreSQL binaries on PATH
// or in /usr/lib/postgresql/<version>/bin (the highest version), on a free
// loopback port with its data and socket in a temporary directory; Main stops
// it when the tests are done. When no server can be had, tests skip with one
// line, or fail if TIERGATE_REQUIRE_POSTGRES=1.
//
// Use it from a package's tests:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
//	func TestX(t *testing.T) {
//		url := pgtest.URL(t) // a new database, dropped when t ends
//		...
//	}
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

const (
	// EnvURL names a server to create test databases on instead of starting one.
	EnvURL = "TIERGATE_TEST_DATABASE_URL"
	// EnvRequire, set to 1, turns "PostgreSQL not found" from a skip into a failure.
	EnvRequire = "TIERGATE_REQUIRE_POSTGRES"

	notFound = "PostgreSQL not found (initdb/pg_ctl): install postgresql or set " + EnvURL
)

var (
	mainCalled bool

	startOnce sync.Once
	srv       *cluster // nil when an external server is used
	adminURL  string
	startErr  error
	missing   bool // the binaries were not found

	createMu sync.Mutex
)

// Main runs the tests, then the cleanups (TestMain's defers would not run:
// Main exits), and stops the cluster URL started, if any. Call it from
// TestMain.
func Main(m *testing.M, cleanups ...func()) {
	mainCalled = true
	code := m.Run()
	for _, c := range cleanups {
		c()
	}
	if srv != nil {
		if err := srv.stop(); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: stop PostgreSQL: %v\n", err)
		}
	}
	os.Exit(code)
}

// AdminURL returns a URL to the test server's maintenance database
// ("postgres"), with rights to create databases. Prefer URL, which isolates
// each test.
func AdminURL(t testing.TB) string {
	t.Helper()
	startOnce.Do(start)
	if !available(t, missing, startErr) {
		return ""
	}
	return adminURL
}

// available skips or fails t when there is no server: a skip when the
// binaries are missing (a failure with TIERGATE_REQUIRE_POSTGRES=1), a
// failure when the server would not start.
func available(t testing.TB, missing bool, startErr error) bool {
	t.Helper()
	switch {
	case missing && os.Getenv(EnvRequire) == "1":
		t.Fatal(notFound)
	case missing:
		t.Skip(notFound)
	case startErr != nil:
		t.Fatalf("pgtest: %v", startErr)
	default:
		return true
	}
	return false
}

// URL returns the URL of a new, empty database that is dropped when the test
// ends. Close connections to it in t.Cleanup (registered after URL) or
// earlier; the drop forces remaining ones off.
func URL(t testing.TB) string {
	t.Helper()
	admin := AdminURL(t)
	name := "tiergate_test_" + randomHex(6)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("pgtest: connect to the test server: %v", err)
	}
	defer conn.Close(ctx)
	// CREATE DATABASE copies template1 and fails if another CREATE is
	// copying it at the same moment: one at a time.
	createMu.Lock()
	_, err = conn.Exec(ctx, "CREATE DATABASE "+name)
	createMu.Unlock()
	if err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	return withDatabase(t, admin, name)
}

// withDatabase returns admin with its database replaced by name, for both URL
// and keyword/value connection strings.
func withDatabase(t testing.TB, admin, name string) string {
	if !strings.HasPrefix(admin, "postgres://") && !strings.HasPrefix(admin, "postgresql://") {
		return admin + " dbname=" + name
	}
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal("pgtest: the test server URL does not parse")
	}
	u.Path = "/" + name
	return u.String()
}

func start() {
	if u := os.Getenv(EnvURL); u != "" {
		adminURL = u
		return
	}
	bin, err := findBinaries()
	if err != nil {
		missing = true
		return
	}
	if !mainCalled {
		startErr = fmt.Errorf("starting a PostgreSQL cluster needs pgtest.Main(m) in TestMain to stop it")
		return
	}
	srv, startErr = startCluster(bin)
	if startErr == nil {
		adminURL = srv.url
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
