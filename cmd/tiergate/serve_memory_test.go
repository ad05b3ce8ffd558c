package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Memory bounds of a real `tiergate serve` process (issue 8 item 6). The
// webhook handler holds at most bodyBudget bytes of bodies in flight
// before their signature is checked; the rest of the process (runtime,
// buffers, the garbage collector's headroom) must fit in peakMargin.
// Authenticated payloads are also parsed: their peak must leave
// podHeadroom of the Kubernetes memory limit to evaluations and caches.
const (
	bodyBudget  = 64 << 20 // bot.DefaultBodyBudget
	peakMargin  = 96 << 20
	webhookBody = 25 << 20  // GitHub's largest payload
	podLimit    = 256 << 20 // deploy/kubernetes/base/deployment.yaml
	podHeadroom = 64 << 20
)

// TestServePeakMemory builds tiergate, starts `tiergate serve` and sends it
// webhook bodies of 25 MiB at once, then reads the peak resident memory
// (VmHWM) of the process. Unsigned bodies are answered 401 once read and
// verified, or 503 when the body budget is spent; either way the peak stays
// under the budget plus peakMargin, however many arrive. Signed, valid
// 25 MiB push payloads are parsed in full, one or two at once (the most
// the budget admits): their peak must leave podHeadroom of the pod's limit.
func TestServePeakMemory(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("VmHWM is read from /proc/<pid>/status, which only Linux has")
	}
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	bin := filepath.Join(t.TempDir(), "tiergate")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	key := testKeyPEM(t)
	unsigned := bytes.Repeat([]byte(" "), webhookBody-2)
	unsigned = append(append([]byte("{"), unsigned...), '}')
	push := bigPush(t)

	type batch struct {
		n      int
		body   []byte
		secret string // signs the body; "" sends a wrong signature
	}
	tests := []struct {
		name    string
		batches []batch // sent at the same time
		want    map[int]bool
		limit   int64 // VmHWM must stay under it
	}{
		{name: "6 unsigned", batches: []batch{{n: 6, body: unsigned}}, want: map[int]bool{401: true, 503: true}, limit: bodyBudget + peakMargin},
		{name: "40 unsigned", batches: []batch{{n: 40, body: unsigned}}, want: map[int]bool{401: true, 503: true}, limit: bodyBudget + peakMargin},
		{name: "1 signed push", batches: []batch{{n: 1, body: push, secret: "x"}}, want: map[int]bool{200: true, 202: true}, limit: podLimit - podHeadroom},
		// The most the budget lets be parsed at once: two 25 MiB bodies.
		{name: "2 signed pushes", batches: []batch{{n: 2, body: push, secret: "x"}}, want: map[int]bool{200: true, 202: true}, limit: podLimit - podHeadroom},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := startServe(t, bin, key)
			var mu sync.Mutex
			statuses := map[int]int{}
			sent := 0
			var wg sync.WaitGroup
			for i, b := range tc.batches {
				sent += b.n
				wg.Add(1)
				go func() {
					defer wg.Done()
					got := postConcurrently(t, p.url, fmt.Sprintf("b%d-", i), b.n, b.body, b.secret, false)
					mu.Lock()
					defer mu.Unlock()
					for status, n := range got {
						statuses[status] += n
					}
				}()
			}
			wg.Wait()
			hwm := vmHWM(t, p.cmd.Process.Pid)
			// A request refused before its body was read may see its
			// connection closed rather than the 503: count the server's
			// answers from its log, one line per refused webhook.
			refused := p.logCount(`"outcome":"busy"`)
			if closed := statuses[0]; closed > 0 {
				if closed > refused {
					t.Errorf("%d requests got no answer, but the server logged only %d refused as busy (503)", closed, refused)
				}
				delete(statuses, 0)
				statuses[http.StatusServiceUnavailable] = refused
			}
			t.Logf("%s: statuses %v; VmHWM %.1f MiB", tc.name, statuses, float64(hwm)/(1<<20))
			total := 0
			for status, n := range statuses {
				total += n
				if !tc.want[status] {
					t.Errorf("status %d among %v, want only %v", status, statuses, tc.want)
				}
			}
			if total != sent {
				t.Errorf("%d answers %v for %d requests", total, statuses, sent)
			}
			if hwm > tc.limit {
				t.Errorf("VmHWM = %d MiB, want under %d MiB", hwm>>20, tc.limit>>20)
			}
		})
	}
}

// serveProcess is a running `tiergate serve`.
type serveProcess struct {
	cmd    *exec.Cmd
	url    string
	stderr *syncBuilder
}

// logCount is how many times s occurs in the process's log.
func (p *serveProcess) logCount(s string) int { return strings.Count(p.stderr.String(), s) }

func startServe(t *testing.T, bin, key string) *serveProcess {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "serve")
	cmd.Env = []string{
		"TIERGATE_APP_ID=1", "TIERGATE_PRIVATE_KEY=" + key, "TIERGATE_WEBHOOK_SECRET=x",
		"TIERGATE_LISTEN=" + addr, "TIERGATE_SWEEP_INTERVAL=0s", "TIERGATE_GITHUB_API_URL=http://127.0.0.1:1/",
		"TIERGATE_LOG_LEVEL=warn",
	}
	stderr := &syncBuilder{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("tiergate serve stderr:\n%s", stderr.String())
		}
	})
	p := &serveProcess{cmd: cmd, url: "http://" + addr, stderr: stderr}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		resp, err := http.Get(p.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("tiergate serve never became ready: %v\n%s", err, stderr.String())
		}
	}
}

// postConcurrently sends n webhooks with body at once (chunked: without a
// Content-Length) and counts the
// answers by status; a request whose connection the server closed before
// the client read the answer (it refuses a body without reading it)
// counts as 0.
func postConcurrently(t *testing.T, url, delivery string, n int, body []byte, secret string, chunked bool) map[int]int {
	t.Helper()
	sig := "sha256=" + strings.Repeat("0", 64)
	if secret != "" {
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write(body)
		sig = "sha256=" + hex.EncodeToString(mac.Sum(nil))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 0, DisableKeepAlives: true}}
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var r io.Reader = bytes.NewReader(body)
			if chunked {
				r = io.MultiReader(r) // hides the length: the request is chunked
			}
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/webhook", r)
			if err != nil {
				t.Error(err)
				return
			}
			if !chunked {
				req.ContentLength = int64(len(body))
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-GitHub-Event", "push")
			req.Header.Set("X-GitHub-Delivery", delivery+strconv.Itoa(i))
			req.Header.Set("X-Hub-Signature-256", sig)
			status := 0
			if resp, err := client.Do(req); err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				status = resp.StatusCode
			}
			mu.Lock()
			statuses[status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	return statuses
}

// vmHWM reads the peak resident set size of pid, in bytes.
func vmHWM(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				t.Fatalf("VmHWM line %q: %v", line, err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no VmHWM in /proc/%d/status", pid)
	return 0
}

// bigPush is GitHub's example push payload padded with commits to just
// under 25 MiB of valid JSON.
func bigPush(t *testing.T) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "bot", "testdata", "webhooks", "push", "with-installation.payload.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	m["installation"] = map[string]any{"id": 1}
	commit := map[string]any{
		"id": strings.Repeat("a", 40), "tree_id": strings.Repeat("b", 40), "distinct": true,
		"message":   strings.Repeat("a long commit message line\n", 400),
		"timestamp": "2019-05-15T15:20:30-05:00", "url": "https://github.com/Codertocat/Hello-World/commit/x",
		"author": map[string]any{"name": "Codertocat", "email": "c@example.com", "username": "Codertocat"},
		"added":  []string{}, "removed": []string{}, "modified": []string{"README.md"},
	}
	one, _ := json.Marshal(commit)
	n := (webhookBody - len(raw) - 1024) / (len(one) + 1)
	commits := make([]any, n)
	for i := range commits {
		commits[i] = commit
	}
	m["commits"] = commits
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > webhookBody {
		t.Fatalf("padded push is %d bytes, over %d", len(b), webhookBody)
	}
	return b
}

func testKeyPEM(t *testing.T) string {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}))
}
