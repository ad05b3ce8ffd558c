package bot

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/tiergate/tiergate/bot/internal/testlog"
	"github.com/tiergate/tiergate/bot/queue"
)

const (
	testSecret = "test-webhook-secret-4f1c"
	testAppID  = 4242
	headSHA    = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
)

func testSettings() Settings {
	return Settings{
		Listen: "127.0.0.1:0", AppID: testAppID, WebhookSecret: []byte(testSecret),
		APIURL: DefaultAPIURL, OrgConfigRepo: DefaultOrgConfigRepo, ConfigPath: DefaultConfigPath,
		CheckName: DefaultCheckName, Workers: 4, LogLevel: "debug", LogFormat: "json",
		ShutdownTimeout: 5 * time.Second,
	}
}

// testQueueOptions fills the zero fields of qo, but Debounce, from st
// and the defaults, as New would.
func testQueueOptions(st Settings, qo queue.Options) queue.Options {
	if qo.Workers == 0 {
		qo.Workers = st.withDefaults().Workers
	}
	st.Workers = qo.Workers
	d := st.withDefaults().queueOptions(retrySchedule{Backoff: qo.Backoff, Slow: qo.Slow, Horizon: qo.Horizon})
	d.Debounce = qo.Debounce
	if qo.MaxKeys > 0 {
		d.MaxKeys = qo.MaxKeys
	}
	return d
}

// testServer is a Server started with Serve on a loopback port.
type testServer struct {
	*Server
	url    string
	logs   *testlog.Buffer
	cancel context.CancelFunc
	done   chan error
}

func startServer(t *testing.T, ev *fakeEvaluator, qo queue.Options, edit func(*Settings)) *testServer {
	t.Helper()
	st := testSettings()
	if edit != nil {
		edit(&st)
	}
	logs := &testlog.Buffer{}
	srv := newServer(st.withDefaults(), zerolog.New(logs).Level(zerolog.DebugLevel), NewMetrics(), ev, testQueueOptions(st, qo))
	srv.dispatch.fanOutPause = 0
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ts := &testServer{Server: srv, url: "http://" + ln.Addr().String(), logs: logs, cancel: cancel, done: make(chan error, 1)}
	go func() { ts.done <- srv.Serve(ctx, ln) }()
	for deadline := time.Now().Add(5 * time.Second); !srv.serving.Load(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("server never became ready")
		}
	}
	t.Cleanup(func() {
		cancel()
		select {
		case <-ts.done:
		case <-time.After(10 * time.Second):
			t.Error("Serve did not return after cancel")
		}
	})
	return ts
}

// stop cancels Serve and returns its result.
func (ts *testServer) stop(t *testing.T) error {
	t.Helper()
	ts.cancel()
	select {
	case err := <-ts.done:
		ts.done <- err // for Cleanup
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after cancel")
		return nil
	}
}

func sign(body []byte, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// post delivers a webhook signed with the test secret.
func (ts *testServer) post(t *testing.T, event, delivery string, body []byte) (int, string) {
	t.Helper()
	return ts.do(t, event, delivery, body, map[string]string{"X-Hub-Signature-256": sign(body, testSecret)})
}

func (ts *testServer) do(t *testing.T, event, delivery string, body []byte, headers map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, ts.url+"/webhook", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-GitHub-Delivery", delivery)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST /webhook: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

func (ts *testServer) waitIdle(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := ts.WaitIdle(ctx); err != nil {
		t.Fatalf("WaitIdle: %v", err)
	}
}

// payload reads one of GitHub's example payloads and applies edits, given
// as dotted paths ("check_run.app.id") to values; a nil value deletes.
func payload(t *testing.T, event, file string, edits map[string]any) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "webhooks", event, file))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s/%s: %v", event, file, err)
	}
	for path, v := range edits {
		setPath(t, m, strings.Split(path, "."), v)
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func setPath(t *testing.T, m map[string]any, path []string, v any) {
	t.Helper()
	if len(path) == 1 {
		if v == nil {
			delete(m, path[0])
		} else {
			m[path[0]] = v
		}
		return
	}
	next, ok := m[path[0]].(map[string]any)
	if !ok {
		next = map[string]any{}
		m[path[0]] = next
	}
	setPath(t, next, path[1:], v)
}
