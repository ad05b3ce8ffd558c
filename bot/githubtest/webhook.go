package githubtest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
)

// LoadWebhook returns one of GitHub's example webhook payloads from
// bot/testdata/webhooks/<event>/<file>, e.g. LoadWebhook(t, "pull_request",
// "opened.payload.json"). It works from any package's tests. The payloads
// describe Codertocat/Hello-World#2 with installation 1; see SOURCE.md there.
func LoadWebhook(t testing.TB, event, file string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(packageDir(), "..", "testdata", "webhooks", event, file))
	if err != nil {
		t.Fatalf("githubtest: load webhook: %v", err)
	}
	return data
}

// Sign returns the X-Hub-Signature-256 header value GitHub sends for body
// with the webhook secret: "sha256=" and the hex HMAC-SHA256.
func Sign(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}
