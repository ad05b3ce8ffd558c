package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRunServeSettingsErrors(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		wantStderr string
	}{
		{name: "nothing set", wantStderr: "tiergate serve: TIERGATE_APP_ID is required (the numeric App ID from the App's settings page)\n"},
		{name: "key missing", env: map[string]string{"TIERGATE_APP_ID": "1"},
			wantStderr: "tiergate serve: TIERGATE_PRIVATE_KEY_FILE or TIERGATE_PRIVATE_KEY is required (the App's private key, PEM, from the App's settings page)\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			err := runServe(context.Background(), tc.args, func(k string) string { return tc.env[k] }, &stdout, &stderr)
			var status exitStatus
			if !errors.As(err, &status) || status != 2 {
				t.Errorf("runServe(...) = %v, want exit status 2", err)
			}
			if stderr.String() != tc.wantStderr {
				t.Errorf("stderr = %q, want %q", stderr.String(), tc.wantStderr)
			}
		})
	}
}

func TestRunServeHelp(t *testing.T) {
	var stdout, stderr strings.Builder
	if err := runServe(context.Background(), []string{"--help"}, func(string) string { return "" }, &stdout, &stderr); err != nil {
		t.Fatalf("runServe(--help) = %v, want nil", err)
	}
	if !strings.Contains(stdout.String(), "TIERGATE_WEBHOOK_SECRET") {
		t.Errorf("help lacks the variables:\n%s", stdout.String())
	}
}

// TestRunServeStartsAndStops starts the real server on a loopback port and
// stops it as SIGTERM would; no request reaches GitHub.
func TestRunServeStartsAndStops(t *testing.T) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	key := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}))
	env := map[string]string{
		"TIERGATE_APP_ID": "1", "TIERGATE_PRIVATE_KEY": key, "TIERGATE_WEBHOOK_SECRET": "secret-xyz",
		"TIERGATE_LISTEN": "127.0.0.1:0", "TIERGATE_GITHUB_API_URL": "http://127.0.0.1:1/api/v3/", "TIERGATE_SHUTDOWN_TIMEOUT": "2s",
	}
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuilder
	done := make(chan error, 1)
	go func() { done <- runServe(ctx, nil, func(k string) string { return env[k] }, &stdout, &stderr) }()
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(stderr.String(), `"message":"serving"`); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("server did not start; stderr:\n%s", stderr.String())
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("runServe(...) = %v, want nil after shutdown", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("runServe did not return after cancel")
	}
	for _, secret := range []string{"secret-xyz", key[40:80]} {
		if strings.Contains(stderr.String(), secret) {
			t.Errorf("logs contain a secret:\n%s", stderr.String())
		}
	}
}

// syncBuilder is a log sink safe for the server's goroutines.
type syncBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuilder) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuilder) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServeBadSettingExitCode goes through main's dispatcher: a bad setting
// is one line on stderr and exit status 2, like every other usage error.
func TestServeBadSettingExitCode(t *testing.T) {
	var stdout, stderr strings.Builder
	env := map[string]string{"TIERGATE_APP_ID": "12", "TIERGATE_WEBHOOK_SECRET": "s3cret-value", "TIERGATE_PRIVATE_KEY": "not a key"}
	code := run(context.Background(), []string{"serve"}, func(k string) string { return env[k] }, strings.NewReader(""), &stdout, &stderr)
	if code != 2 {
		t.Errorf("run(serve) = %d, want 2", code)
	}
	if lines := strings.Count(stderr.String(), "\n"); lines != 1 || !strings.Contains(stderr.String(), "TIERGATE_PRIVATE_KEY") {
		t.Errorf("stderr = %q, want one line naming TIERGATE_PRIVATE_KEY", stderr.String())
	}
	if strings.Contains(stderr.String(), "s3cret-value") || strings.Contains(stderr.String(), "not a key") {
		t.Errorf("stderr leaks a secret: %q", stderr.String())
	}
}
