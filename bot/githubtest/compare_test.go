package githubtest

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-github/v60/github"

	"github.com/tiergate/tiergate/internal/gittest"
)

// TestCompare serves the diffs a test registers, produced by git, through
// a real go-github client, and answers like GitHub for the rest.
func TestCompare(t *testing.T) {
	r := gittest.New(t)
	r.Write("a.txt", "one\n")
	base := r.Commit("base")
	r.Write("a.txt", "one\ntwo\n")
	head := r.Commit("change")
	diff := r.Change(base, head)

	s := seeded(t)
	s.SetCompareDiff(owner, name, base, head, diff)
	s.SetCompareStatus(owner, name, base, "large", http.StatusNotAcceptable)
	c := client(t, s, inst, s.PrivateKeyPEM)
	ctx := context.Background()

	tests := []struct {
		name       string
		base, head string
		wantStatus int
		wantBody   string
	}{
		{"registered", base, head, http.StatusOK, string(diff)},
		{"too large", base, "large", http.StatusNotAcceptable, ""},
		{"unknown commit", base, "0123456789012345678901234567890123456789", http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, resp, err := c.Repositories.CompareCommitsRaw(ctx, owner, name, tt.base, tt.head, github.RawOptions{Type: github.Diff})
			if resp == nil || resp.StatusCode != tt.wantStatus || got != tt.wantBody {
				t.Errorf("CompareCommitsRaw(%s...%s) = %q, %v; want %d %q", tt.base, tt.head, got, err, tt.wantStatus, tt.wantBody)
			}
		})
	}
	if !strings.Contains(string(diff), "+two") {
		t.Errorf("git's diff %q lacks the change", diff)
	}
}

// The JSON form is not served: asking for it is a violation the test sees.
func TestCompareJSONIsAViolation(t *testing.T) {
	var rec *recordingTB
	t.Run("recorded", func(t *testing.T) {
		rec = &recordingTB{TB: t}
		s := New(rec)
		s.AddRepo(owner, name, "main")
		s.AddInstallation(inst, owner, name)
		c := client(t, s, inst, s.PrivateKeyPEM)
		if _, _, err := c.Repositories.CompareCommits(context.Background(), owner, name, "a", "b", nil); err == nil {
			t.Error("CompareCommits (JSON) = nil error, want 501")
		}
		if v := s.Violations(); len(v) != 1 || !strings.Contains(v[0], "only as a diff") {
			t.Errorf("Violations() = %q, want one about the diff form", v)
		}
	})
	if got := rec.failures(); got != 1 {
		t.Errorf("violations reported to the test at cleanup = %d, want 1", got)
	}
}
