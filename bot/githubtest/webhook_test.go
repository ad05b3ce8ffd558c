package githubtest

import (
	"encoding/json"
	"testing"

	"github.com/google/go-github/v60/github"
)

func TestSign(t *testing.T) {
	// GitHub's documented example for validating webhook deliveries.
	got := Sign([]byte("It's a Secret to Everybody"), []byte("Hello, World!"))
	want := "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
	if got != want {
		t.Errorf("Sign(...) = %s, want %s", got, want)
	}
}

func TestLoadWebhook(t *testing.T) {
	tests := []struct {
		event, file string
		wantAction  string
		wantInst    int64
	}{
		{"pull_request", "opened.payload.json", "opened", 1},
		{"pull_request", "synchronize.payload.json", "synchronize", 1},
		{"pull_request_review", "submitted.payload.json", "submitted", 1},
		{"check_suite", "rerequested.payload.json", "rerequested", 957387},
		{"installation", "created.payload.json", "created", 957387},
	}
	for _, tt := range tests {
		t.Run(tt.event+"/"+tt.file, func(t *testing.T) {
			body := LoadWebhook(t, tt.event, tt.file)
			event, err := github.ParseWebHook(tt.event, body)
			if err != nil {
				t.Fatalf("ParseWebHook(%s) error = %v", tt.event, err)
			}
			var common struct {
				Action       string `json:"action"`
				Installation struct {
					ID int64 `json:"id"`
				} `json:"installation"`
			}
			if err := json.Unmarshal(body, &common); err != nil {
				t.Fatal(err)
			}
			if common.Action != tt.wantAction || common.Installation.ID != tt.wantInst {
				t.Errorf("LoadWebhook(%s, %s) = action %q installation %d (%T), want %q %d",
					tt.event, tt.file, common.Action, common.Installation.ID, event, tt.wantAction, tt.wantInst)
			}
		})
	}
}
