package diskcache

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// origin is a server whose answer changes when version does; it counts the
// requests it gets and answers If-None-Match with 304.
type origin struct {
	*httptest.Server
	hits    atomic.Int64
	version atomic.Int64
	status  int
}

func newOrigin(t *testing.T, status int) *origin {
	o := &origin{status: status}
	o.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.hits.Add(1)
		if o.status == http.StatusNotFound {
			http.NotFound(w, r)
			return
		}
		etag := `"v` + string(rune('0'+o.version.Load())) + `"`
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		_, _ = w.Write([]byte(etag))
	}))
	t.Cleanup(o.Close)
	return o
}

func get(t *testing.T, tr http.RoundTripper, url string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := make([]byte, 64)
	n, _ := resp.Body.Read(buf)
	return resp.StatusCode, string(buf[:n])
}

func TestTransport(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		rule       Rule
		change     bool // the origin's answer changes before the second run
		wantHits   int64
		wantSecond string
	}{
		{"revalidate, unchanged: asked, 304", 200, Rule{}, false, 2, `"v0"`},
		{"revalidate, changed: asked, new answer", 200, Rule{}, true, 2, `"v1"`},
		{"frozen after an earlier time: not asked", 200, Rule{Kind: Frozen, After: time.Now().Add(-time.Hour)}, true, 1, `"v0"`},
		{"frozen, kept answer older than After: asked", 200, Rule{Kind: Frozen, After: time.Now().Add(time.Hour)}, true, 2, `"v1"`},
		{"fresh within max age: not asked", 200, Rule{Kind: Fresh, MaxAge: time.Hour}, true, 1, `"v0"`},
		{"fresh 404 within max age: not asked", 404, Rule{Kind: Fresh, MaxAge: time.Hour}, false, 1, ""},
		{"revalidate 404: asked again (no ETag)", 404, Rule{}, false, 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := newOrigin(t, tt.status)
			dir := t.TempDir()
			rule := func(*http.Request) Rule { return tt.rule }
			first, err := New(http.DefaultTransport, dir, "s", rule)
			if err != nil {
				t.Fatal(err)
			}
			get(t, first, o.URL+"/x")
			if tt.change {
				o.version.Add(1)
			}
			// A new Transport on the same directory: another run.
			second, err := New(http.DefaultTransport, dir, "s", rule)
			if err != nil {
				t.Fatal(err)
			}
			status, body := get(t, second, o.URL+"/x")
			if status != tt.status || (tt.status == 200 && body != tt.wantSecond) {
				t.Errorf("second run = %d %q, want %d %q", status, body, tt.status, tt.wantSecond)
			}
			if got := o.hits.Load(); got != tt.wantHits {
				t.Errorf("origin asked %d times, want %d", got, tt.wantHits)
			}
		})
	}
}

func TestTransportScopesAndDamage(t *testing.T) {
	o := newOrigin(t, 200)
	dir := t.TempDir()
	frozen := func(*http.Request) Rule { return Rule{Kind: Frozen} }
	a, _ := New(http.DefaultTransport, dir, "token-a", frozen)
	get(t, a, o.URL+"/x")
	b, _ := New(http.DefaultTransport, dir, "token-b", frozen)
	get(t, b, o.URL+"/x")
	if got := o.hits.Load(); got != 2 {
		t.Errorf("origin asked %d times, want 2: another identity's answer must not be served", got)
	}
	// Damage every kept file: each is a miss, never an error.
	_ = filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			_ = os.WriteFile(p, []byte("{not json"), 0o600)
		}
		return nil
	})
	c, _ := New(http.DefaultTransport, dir, "token-a", frozen)
	if status, _ := get(t, c, o.URL+"/x"); status != 200 || o.hits.Load() != 3 {
		t.Errorf("after damage: %d, origin asked %d times; want 200 and a fresh request", status, o.hits.Load())
	}
}

func TestNewRefusesUnwritableDirectory(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(http.DefaultTransport, filepath.Join(file, "sub"), "s", nil); err == nil {
		t.Error("New on a path below a file = nil error, want one")
	}
}
