package bot_test

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestE2EStalledBodiesDoNotStarveDeliveries: three unauthenticated
// connections declare bodies that together fill the 64 MiB budget, send one
// byte and stall. The budget is reserved as bytes arrive, so they hold only
// what they sent, and a genuine delivery is accepted meanwhile; a stalled
// body is cut off after the 10 s body deadline. (Found by the second hostile
// review: the whole declared length used to be reserved before any byte
// arrived, so three idle connections made every real delivery 503 for up
// to 60 s, again and again.)
func TestE2EStalledBodiesDoNotStarveDeliveries(t *testing.T) {
	h := newHarness(t, strictConfig)
	addr := strings.TrimPrefix(h.url, "http://")
	for _, n := range []int{25 << 20, 25 << 20, 14 << 20} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		fmt.Fprintf(c, "POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"+
			"X-Hub-Signature-256: sha256=00\r\nX-GitHub-Event: push\r\nX-GitHub-Delivery: x\r\nContent-Length: %d\r\n\r\n{", n)
	}
	time.Sleep(200 * time.Millisecond) // let the server reserve the three bodies
	if code := h.deliver("pull_request", prEvent(t, "opened", headSHA)); code != http.StatusAccepted {
		t.Errorf("a genuine signed delivery answered %d while three idle unauthenticated connections hold the body budget; want 202", code)
	}
}
