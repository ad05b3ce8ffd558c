package main

import (
	"bytes"
	"net/http"
	"os/exec"
	"runtime"
	"testing"
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
	statuses := postConcurrently(t, p.url, "c", 40, body, "", true)
	hwm := vmHWM(t, p.cmd.Process.Pid)
	t.Logf("40 chunked unsigned: statuses %v; VmHWM %.1f MiB", statuses, float64(hwm)/(1<<20))
	if statuses[http.StatusLengthRequired] == 0 || statuses[http.StatusLengthRequired]+statuses[0] != 40 {
		t.Errorf("statuses = %v, want every chunked body refused with 411 (or its connection closed)", statuses)
	}
	if hwm > bodyBudget+peakMargin {
		t.Errorf("VmHWM = %d MiB, want under %d MiB (budget + margin, as for bodies with a Content-Length)", hwm>>20, (bodyBudget+peakMargin)>>20)
	}
}
