package evaluator

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/tiergate/tiergate/bot/githubtest"
	"github.com/tiergate/tiergate/bot/queue"
)

// tiergateState returns the newest tiergate check run on head and the bot
// comments carrying the marker on PR #1, failing the test when there is no
// run.
func (f *evFixture) tiergateState(t *testing.T, head string) (githubtest.CheckRun, []githubtest.Comment) {
	t.Helper()
	var newest *githubtest.CheckRun
	for _, run := range f.fake.CheckRuns(evOwner, evRepo) {
		if run.Name == "tiergate" && run.HeadSHA == head && run.AppID == f.fake.AppID && (newest == nil || run.ID > newest.ID) {
			newest = &run
		}
	}
	if newest == nil {
		t.Fatalf("no tiergate check run on %s", head)
	}
	var ours []githubtest.Comment
	for _, c := range f.fake.Comments(evOwner, evRepo, 1) {
		if strings.HasSuffix(c.User, "[bot]") && strings.Contains(c.Body, commentMarker) {
			ours = append(ours, c)
		}
	}
	return *newest, ours
}

// assertFailing checks that the head carries a failing verdict and exactly
// one tiergate comment saying the same.
func (f *evFixture) assertFailing(t *testing.T) {
	t.Helper()
	run, comments := f.tiergateState(t, evHead)
	if run.Status != "completed" || run.Conclusion != "failure" {
		t.Errorf("newest check run is %s/%s (%q), want completed/failure", run.Status, run.Conclusion, run.Title)
	}
	if len(comments) != 1 {
		t.Fatalf("tiergate comments = %+v, want exactly one", comments)
	}
	if want := commentBody(run.Summary); comments[0].Body != want {
		t.Errorf("comment = %q, want the failing verdict %q", comments[0].Body, want)
	}
}

// TestStaleGreenTwoReplicas drives the sequence that left a failing pull
// request green when each replica skipped writes its memory said were done:
// A writes failure; a label is added and B writes success; the label is
// removed and A must write failure again.
func TestStaleGreenTwoReplicas(t *testing.T) {
	f := newEvFixture(t)
	f.typicalPR()
	breakTests(f)
	f.fake.SetPermission(evOwner, evRepo, "maya", "maintain")
	a, b := f.newEvaluator(t), f.newEvaluator(t) // separate caches, as two processes
	ctx := context.Background()

	if err := a.Evaluate(ctx, evJob(1), nil); err != nil {
		t.Fatalf("A: Evaluate = %v", err)
	}
	f.assertFailing(t)

	f.fake.AddLabel(evOwner, evRepo, 1, "tiergate/skip-tests", "maya")
	if err := b.Evaluate(ctx, evJob(1), nil); err != nil {
		t.Fatalf("B: Evaluate = %v", err)
	}
	if run, _ := f.tiergateState(t, evHead); run.Conclusion != "success" {
		t.Fatalf("after B, conclusion = %s, want success (tests overridden)", run.Conclusion)
	}

	f.fake.RemoveLabel(evOwner, evRepo, 1, "tiergate/skip-tests", "maya")
	if err := a.Evaluate(ctx, evJob(1), nil); err != nil {
		t.Fatalf("A again: Evaluate = %v", err)
	}
	f.assertFailing(t)
	if runs := f.fake.CheckRuns(evOwner, evRepo); len(runs) != 1 {
		t.Errorf("check runs = %d, want the one run updated in place", len(runs))
	}
}

// Whatever happened to the check run or the comment between two
// evaluations, the next evaluation restores the verdict.
func TestCheckRunAndCommentRestored(t *testing.T) {
	tests := []struct {
		name   string
		meddle func(t *testing.T, f *evFixture)
	}{
		{"a person edits the comment", func(t *testing.T, f *evFixture) {
			_, comments := f.tiergateState(t, evHead)
			f.fake.EditComment(evOwner, evRepo, comments[0].ID, commentMarker+"\nall good, ship it")
		}},
		{"a person deletes the comment", func(t *testing.T, f *evFixture) {
			_, comments := f.tiergateState(t, evHead)
			f.fake.DeleteComment(evOwner, evRepo, comments[0].ID)
		}},
		{"someone else turns the check run green", func(t *testing.T, f *evFixture) {
			run, _ := f.tiergateState(t, evHead)
			f.fake.UpdateCheckRun(evOwner, evRepo, run.ID, func(r *githubtest.CheckRun) {
				r.Conclusion, r.Title, r.Summary = "success", "all good", "nothing to see"
			})
		}},
		{"someone else rewrites only the fingerprint", func(t *testing.T, f *evFixture) {
			run, _ := f.tiergateState(t, evHead)
			f.fake.UpdateCheckRun(evOwner, evRepo, run.ID, func(r *githubtest.CheckRun) { r.ExternalID = "cfg1:x:y" })
		}},
		{"a newer green run of ours appears on the head", func(t *testing.T, f *evFixture) {
			f.fake.AddCheckRun(evOwner, evRepo, githubtest.CheckRun{Name: "tiergate", HeadSHA: evHead,
				Status: "completed", Conclusion: "success", Title: "all good", Summary: "nothing to see"})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newEvFixture(t)
			f.typicalPR()
			breakTests(f)
			f.evaluate(t, evJob(1))
			want, _ := f.tiergateState(t, evHead)
			tt.meddle(t, f)
			f.evaluate(t, evJob(1))
			f.assertFailing(t)
			got, _ := f.tiergateState(t, evHead)
			if got.Summary != want.Summary || got.ExternalID != want.ExternalID {
				t.Errorf("restored run = %+v, want the verdict of the first evaluation %+v", got, want)
			}
		})
	}
}

// recordingGuard notes how many requests the fake had seen at each call,
// and fails with queue.ErrSuperseded once deny is set.
type recordingGuard struct {
	f     *evFixture
	deny  bool
	mu    sync.Mutex
	calls []int
}

func (g *recordingGuard) guard(context.Context) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.calls = append(g.calls, len(g.f.fake.Requests()))
	if g.deny {
		return fmt.Errorf("pull request re-queued: %w", queue.ErrSuperseded)
	}
	return nil
}

// writes returns the index of every write in the fake's request log.
func (f *evFixture) writes() []int {
	var out []int
	for i, r := range f.fake.Requests() {
		if r.Method != "GET" && !strings.HasSuffix(r.Template, "/access_tokens") {
			out = append(out, i)
		}
	}
	return out
}

func TestGuardRunsBeforeEveryWrite(t *testing.T) {
	f := newEvFixture(t)
	f.typicalPR()
	breakTests(f)
	f.ev.progress = 0 // the in-progress mark is a write too
	g := &recordingGuard{f: f}
	if err := f.ev.Evaluate(context.Background(), evJob(1), g.guard); err != nil {
		t.Fatalf("Evaluate = %v", err)
	}
	// in progress (POST), verdict (PATCH), comment (POST)
	writes := f.writes()
	if len(writes) != 3 {
		t.Fatalf("writes at %v, want 3", writes)
	}
	// One guard call per write, each after the previous write and before its
	// own. (The in-progress mark runs beside the evaluation's reads, so a read
	// may land between its guard call and its write; no write can.)
	if len(g.calls) != len(writes) {
		t.Fatalf("guard called with the request log at %v, writes at %v; want one call per write", g.calls, writes)
	}
	prev := -1
	for i, w := range writes {
		if c := g.calls[i]; c <= prev || c > w {
			t.Errorf("write #%d (%v): its guard call came at %d, want after the previous write (%d) and before it", w, f.fake.Requests()[w], c, prev)
		}
		prev = w
	}
}

func TestGuardSupersededWritesNothing(t *testing.T) {
	tests := []struct {
		name string
		run  func(f *evFixture, g queue.Guard) error
	}{
		{"Evaluate", func(f *evFixture, g queue.Guard) error { return f.ev.Evaluate(context.Background(), evJob(1), g) }},
		{"Evaluate marking in progress", func(f *evFixture, g queue.Guard) error {
			f.ev.progress = 0
			return f.ev.Evaluate(context.Background(), evJob(1), g)
		}},
		{"ReportFailure", func(f *evFixture, g queue.Guard) error {
			return f.ev.ReportFailure(context.Background(), evJob(1), errors.New("boom"), g)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newEvFixture(t)
			f.typicalPR()
			breakTests(f)
			g := &recordingGuard{f: f, deny: true}
			err := tt.run(f, g.guard)
			if !errors.Is(err, queue.ErrSuperseded) {
				t.Errorf("%s with a superseded guard = %v, want queue.ErrSuperseded", tt.name, err)
			}
			if w := f.writes(); len(w) != 0 || len(g.calls) == 0 {
				t.Errorf("writes at %v after %d guard calls, want none after at least one", w, len(g.calls))
			}
		})
	}
}

// On a long conversation every page up to tiergate's comment is
// revalidated: unchanged pages are free 304s, and a change on a later page
// is still seen.
func TestCommentOnLaterPage(t *testing.T) {
	f := newEvFixture(t)
	f.typicalPR()
	breakTests(f)
	for i := range 150 {
		f.fake.AddComment(evOwner, evRepo, 1, "carol", fmt.Sprintf("comment %d", i))
	}
	f.evaluate(t, evJob(1)) // creates the comment, which lands on page 2
	f.evaluate(t, evJob(1)) // page 2 changed with our own comment: read again

	f.fake.ResetRequests()
	f.evaluate(t, evJob(1))
	var counted, notModified int
	for _, r := range f.fake.Requests() {
		if r.Template != "/repos/{owner}/{repo}/issues/{issue_number}/comments" {
			continue
		}
		if r.Method != "GET" {
			t.Errorf("unexpected comment write %s %s", r.Method, r.Path)
		}
		if r.Status == 304 {
			notModified++
		} else {
			counted++
		}
	}
	if counted != 0 || notModified != 2 {
		t.Errorf("comment listing of an unchanged 2-page conversation: %d counted, %d not modified; want 0, 2", counted, notModified)
	}

	_, comments := f.tiergateState(t, evHead)
	f.fake.EditComment(evOwner, evRepo, comments[0].ID, commentMarker+"\nall good")
	f.evaluate(t, evJob(1))
	f.assertFailing(t)
}
