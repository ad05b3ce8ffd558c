package bot

import (
	"net/http"
	"testing"

	"github.com/tiergate/tiergate/bot/queue"
)

// TestWebhookSignatureVector drives the real handler with GitHub's
// documented example: the right signature passes the check (the body is not
// JSON, so the answer is 400, not 401); one flipped digit is refused.
func TestWebhookSignatureVector(t *testing.T) {
	const (
		secret = "It's a Secret to Everybody"
		body   = "Hello, World!"
		good   = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
		bad    = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e18"
	)
	ts := startServer(t, &fakeEvaluator{}, queue.Options{Workers: 1}, func(s *Settings) { s.WebhookSecret = []byte(secret) })
	tests := []struct {
		name, signature string
		want            int
	}{
		{"documented signature is accepted", good, http.StatusBadRequest},
		{"altered signature is refused", bad, http.StatusUnauthorized},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, msg := ts.do(t, "pull_request", "vector-"+string(rune('a'+i)), []byte(body),
				map[string]string{"X-Hub-Signature-256": tc.signature})
			if code != tc.want {
				t.Errorf("POST with %s = %d (%s), want %d", tc.signature, code, msg, tc.want)
			}
		})
	}
	if got := sign([]byte(body), secret); got != good {
		t.Errorf("sign(%q) = %s, want GitHub's %s", body, got, good)
	}
}
