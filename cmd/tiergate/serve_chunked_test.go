package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestServeRefusesChunkedBodies is TestServePeakMemory's "unsigned"
// case with chunked bodies (no Content-Length), which GitHub never sends
// but any client can. They are refused with 411 before they are read, so
// they cost no memory. (Found by the second hostile review: chunked bodies
// were grown by copying outside the budget and peaked at up to 268 MiB.)
func TestServeRefusesChunkedBodies(t *testing.T) {
	if runtime.GOOS != "linux" || testing.Short() {
		t.Skip("needs Linux and a build")
	}
	bin := t.TempDir() + "/tiergate"
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	p := startServe(t, bin, testKeyPEM(t))
	body := append(append([]byte("{"), bytes.Repeat([]byte(" "), webhookBody-2)...), '}')
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	statuses := map[int]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// io.MultiReader hides the length: the request is chunked.
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, p.url+"/webhook", io.MultiReader(bytes.NewReader(body)))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-GitHub-Event", "push")
			req.Header.Set("X-GitHub-Delivery", "c"+strconv.Itoa(i))
			req.Header.Set("X-Hub-Signature-256", "sha256="+strings.Repeat("0", 64))
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
	hwm := vmHWM(t, p.cmd.Process.Pid)
	t.Logf("40 chunked unsigned: statuses %v; VmHWM %.1f MiB", statuses, float64(hwm)/(1<<20))
	if statuses[http.StatusLengthRequired] == 0 || len(statuses) != 1 {
		t.Errorf("statuses = %v, want every chunked body refused with 411 (or its connection closed)", statuses)
	}
	if hwm > bodyBudget+peakMargin {
		t.Errorf("VmHWM = %d MiB, want under %d MiB (budget + margin, as for bodies with a Content-Length)", hwm>>20, (bodyBudget+peakMargin)>>20)
	}
}
