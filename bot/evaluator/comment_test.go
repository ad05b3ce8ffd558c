package evaluator

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tiergate/tiergate/bot/githubtest"
)

// Comment steps, applied to PR #1 between evaluations.
func fixTests(f *evFixture) {
	f.fake.SetChangedFiles(evOwner, evRepo, 1, []githubtest.File{
		{Filename: "svc/handler.go", Additions: 10},
		{Filename: "svc/handler_test.go", Additions: 5},
	})
}

func breakTests(f *evFixture) {
	f.fake.SetChangedFiles(evOwner, evRepo, 1, []githubtest.File{{Filename: "svc/handler.go", Additions: 10}})
}

func TestStickyComment(t *testing.T) {
	tests := []struct {
		name string
		// steps each change the PR (nil: nothing) and evaluate it.
		steps        []func(f *evFixture)
		restartAfter int // rebuild the Evaluator (empty caches) after this step; -1 never
		wantComments int
		wantWrites   []string // comment writes over all steps
		wantPassing  bool     // the final comment reads as passing
	}{
		{
			name:         "no comment on a clean pass",
			steps:        []func(*evFixture){fixTests},
			restartAfter: -1,
		},
		{
			name:         "created on failure",
			steps:        []func(*evFixture){breakTests},
			restartAfter: -1,
			wantComments: 1,
			wantWrites:   []string{"POST"},
		},
		{
			name:         "unchanged text is left alone",
			steps:        []func(*evFixture){breakTests, nil, nil},
			restartAfter: -1,
			wantComments: 1,
			wantWrites:   []string{"POST"},
		},
		{
			name:         "updated in place back to passing",
			steps:        []func(*evFixture){breakTests, fixTests},
			restartAfter: -1,
			wantComments: 1,
			wantWrites:   []string{"POST", "PATCH"},
			wantPassing:  true,
		},
		{
			name:         "found by marker after a restart, not duplicated",
			steps:        []func(*evFixture){breakTests, fixTests},
			restartAfter: 0,
			wantComments: 1,
			wantWrites:   []string{"POST", "PATCH"},
			wantPassing:  true,
		},
		{
			name:         "found by marker after a restart and left alone when unchanged",
			steps:        []func(*evFixture){breakTests, nil},
			restartAfter: 0,
			wantComments: 1,
			wantWrites:   []string{"POST"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newEvFixture(t)
			f.typicalPR()
			var writes []string
			for i, step := range tt.steps {
				if step != nil {
					step(f)
				}
				f.fake.ResetRequests()
				f.evaluate(t, evJob(1))
				for _, r := range f.fake.Requests() {
					if strings.Contains(r.Template, "comments") && r.Method != "GET" {
						writes = append(writes, r.Method)
					}
				}
				if i == tt.restartAfter {
					f.ev = f.newEvaluator(t)
				}
			}
			if diff := cmp.Diff(tt.wantWrites, writes, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("comment writes (-want +got):\n%s", diff)
			}
			comments := f.fake.Comments(evOwner, evRepo, 1)
			if len(comments) != tt.wantComments {
				t.Fatalf("comments = %+v, want %d", comments, tt.wantComments)
			}
			if len(comments) == 1 {
				c := comments[0]
				if !strings.HasPrefix(c.Body, commentMarker+"\n") || !strings.HasSuffix(c.User, "[bot]") {
					t.Errorf("comment by %q = %q, want the bot's, starting with the marker", c.User, c.Body)
				}
				runs := f.fake.CheckRuns(evOwner, evRepo)
				if passing := runs[len(runs)-1].Conclusion == "success"; passing != tt.wantPassing {
					t.Errorf("final conclusion success = %v, want %v", passing, tt.wantPassing)
				}
				if want := commentBody(runs[len(runs)-1].Summary); c.Body != want {
					t.Errorf("comment body = %q, want the check run's summary under the marker %q", c.Body, want)
				}
			}
		})
	}
}

// A human quoting the marker does not make their comment ours.
func TestStickyCommentIgnoresHumans(t *testing.T) {
	f := newEvFixture(t)
	f.typicalPR()
	breakTests(f)
	human := f.fake.AddComment(evOwner, evRepo, 1, "alice", commentMarker+"\nlook, a marker")
	f.evaluate(t, evJob(1))
	comments := f.fake.Comments(evOwner, evRepo, 1)
	if len(comments) != 2 || comments[0].ID != human || comments[0].Body != commentMarker+"\nlook, a marker" {
		t.Errorf("comments = %+v, want alice's untouched and a new bot comment", comments)
	}
}

func TestStickyCommentOnOverride(t *testing.T) {
	f := newEvFixture(t)
	f.typicalPR()
	breakTests(f)
	f.fake.AddLabel(evOwner, evRepo, 1, "tiergate/skip-tests", "maya")
	f.fake.SetPermission(evOwner, evRepo, "maya", "maintain")
	f.evaluate(t, evJob(1))
	runs := f.fake.CheckRuns(evOwner, evRepo)
	if len(runs) != 1 || runs[0].Conclusion != "success" {
		t.Fatalf("check runs = %+v, want one success (tests overridden)", runs)
	}
	if c := f.fake.Comments(evOwner, evRepo, 1); len(c) != 1 || !strings.Contains(c[0].Body, "maya") {
		t.Errorf("comments = %+v, want one naming who overrode", c)
	}
}
