package evaluator

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tiergate/tiergate/bot/githubtest"
	"github.com/tiergate/tiergate/bot/ledger"
	"github.com/tiergate/tiergate/bot/queue"
)

// fakeLedger keeps what the evaluator records, or fails while fail is set.
type fakeLedger struct {
	mu   sync.Mutex
	rows []ledger.Verdict
	fail error
}

func (l *fakeLedger) RecordVerdict(_ context.Context, v ledger.Verdict) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fail != nil {
		return l.fail
	}
	l.rows = append(l.rows, v)
	return nil
}

func (l *fakeLedger) recorded() []ledger.Verdict {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]ledger.Verdict(nil), l.rows...)
}

func withLedger(t *testing.T) (*evFixture, *fakeLedger) {
	t.Helper()
	f := newEvFixture(t)
	l := &fakeLedger{}
	f.ev.opts.Ledger = l
	return f, l
}

// brief is what the ledger tests compare of a row.
type brief struct {
	Number                   int
	Head, Status, Conclusion string
	Tier, Mode, Event        string
	CheckRun                 int64
	Failure                  bool
	Fingerprint              string
	Layers                   []ledger.ConfigLayer
	JSONTier, JSONConclusion any
	JSONError                any
	JSONOverrides, JSONGates int
}

func briefOf(t *testing.T, v ledger.Verdict) brief {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(v.JSON, &doc); err != nil {
		t.Fatalf("recorded verdict is not JSON: %v", err)
	}
	b := brief{Number: v.Number, Head: v.HeadSHA, Status: v.Status, Conclusion: v.Conclusion, Tier: v.Tier, Mode: v.Mode,
		Event: v.Event, CheckRun: v.CheckRunID, Failure: v.Failure, Fingerprint: v.ConfigFingerprint, Layers: v.Config,
		JSONTier: doc["tier"], JSONConclusion: doc["conclusion"], JSONError: doc["error"]}
	if g, ok := doc["gates"].([]any); ok {
		b.JSONGates = len(g)
	}
	if o, ok := doc["overrides"].([]any); ok {
		b.JSONOverrides = len(o)
	}
	return b
}

var defaultLayers = []ledger.ConfigLayer{
	{Layer: "org", Repository: "acme/.github", Path: ".github/tiergate.yml"},
	{Layer: "repo", Repository: "acme/widgets", Ref: "main", Path: ".github/tiergate.yml"},
}

// TestLedgerRecordsEveryWrite: every evaluation that leaves a verdict on
// GitHub appends a row naming the check run, changed or not.
func TestLedgerRecordsEveryWrite(t *testing.T) {
	f, l := withLedger(t)
	f.typicalPR()
	job := evJob(1)
	job.DeliveryID, job.Event = "d-1", "pull_request.opened"
	f.evaluate(t, job)
	f.evaluate(t, job) // unchanged: no write, still a row
	f.fake.AddLabel(evOwner, evRepo, 1, "tiergate/skip-docs", "bob")
	job.Event = "pull_request.labeled"
	f.evaluate(t, job) // updated in place

	runs := f.fake.CheckRuns(evOwner, evRepo)
	if len(runs) != 1 {
		t.Fatalf("check runs = %+v, want one", runs)
	}
	id := runs[0].ID
	passing := brief{Number: 1, Head: evHead, Status: "completed", Conclusion: "success", Tier: "feature", Mode: "enforce",
		Event: "pull_request.opened", CheckRun: id, Fingerprint: "cfg1:-:-", Layers: defaultLayers,
		JSONTier: "feature", JSONConclusion: "success", JSONGates: 5}
	labeled := passing
	labeled.Event, labeled.JSONOverrides = "pull_request.labeled", 1
	want := []brief{passing, passing, labeled}
	var got []brief
	for _, v := range l.recorded() {
		got = append(got, briefOf(t, v))
		if v.DeliveryID != "d-1" || v.InstallationID != evInst || v.BaseRef != "main" {
			t.Errorf("row delivery %q, installation %d, base %q; want d-1, %d, main", v.DeliveryID, v.InstallationID, v.BaseRef, evInst)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ledger rows (-want +got):\n%s", diff)
	}
}

// TestLedgerFailureKeepsTheVerdict: when the ledger cannot record, the
// check run and the comment are still written, and the error asks for a
// retry that does not count as a failed evaluation; the retry records.
func TestLedgerFailureKeepsTheVerdict(t *testing.T) {
	f, l := withLedger(t)
	f.failingPR()
	l.fail = errors.New("database unavailable")
	err := f.ev.Evaluate(context.Background(), evJob(2), nil)
	if !errors.Is(err, queue.ErrUnrecorded) {
		t.Fatalf("Evaluate with the ledger failing = %v, want an error wrapping queue.ErrUnrecorded", err)
	}
	runs := f.fake.CheckRuns(evOwner, evRepo)
	if len(runs) != 1 || runs[0].Conclusion != "failure" || runs[0].Title == "tiergate could not evaluate" {
		t.Fatalf("check runs = %+v, want the verdict (failure: no tests) written", runs)
	}
	if c := f.fake.Comments(evOwner, evRepo, 2); len(c) != 1 {
		t.Errorf("comments = %+v, want the verdict's comment written too", c)
	}
	l.fail = nil
	f.evaluate(t, evJob(2))
	if rows := l.recorded(); len(rows) != 1 || rows[0].CheckRunID != runs[0].ID || rows[0].Conclusion != "failure" {
		t.Errorf("rows after the retry = %+v, want the verdict on check run %d", rows, runs[0].ID)
	}
}

// TestLedgerRecordsFailureReports: "could not evaluate" is a verdict on
// GitHub too, and is recorded as the schema's error object.
func TestLedgerRecordsFailureReports(t *testing.T) {
	f, l := withLedger(t)
	f.failingPR()
	job := evJob(2)
	job.Event = "pull_request.synchronize"
	if err := f.ev.ReportFailure(context.Background(), job, errors.New("list files: 502 Bad Gateway"), nil); err != nil {
		t.Fatal(err)
	}
	runs := f.fake.CheckRuns(evOwner, evRepo)
	if len(runs) != 1 {
		t.Fatalf("check runs = %+v, want one", runs)
	}
	want := []brief{{Number: 2, Head: evHead, Status: "completed", Conclusion: "failure", Event: "pull_request.synchronize",
		CheckRun: runs[0].ID, Failure: true,
		JSONError: map[string]any{"kind": "github", "message": "list files: 502 Bad Gateway"}}}
	var got []brief
	for _, v := range l.recorded() {
		got = append(got, briefOf(t, v))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ledger rows (-want +got):\n%s", diff)
	}

	l.fail = errors.New("database unavailable")
	if err := f.ev.ReportFailure(context.Background(), job, errors.New("again"), nil); !errors.Is(err, queue.ErrUnrecorded) {
		t.Errorf("ReportFailure with the ledger failing = %v, want an error wrapping queue.ErrUnrecorded", err)
	}
}

// TestLedgerSkipsWhatIsNotAVerdict: nothing is recorded for a closed pull
// request, nor for a merge group's check (no pull request's verdict).
func TestLedgerSkipsWhatIsNotAVerdict(t *testing.T) {
	f, l := withLedger(t)
	f.fake.AddPullRequest(evOwner, evRepo, githubtest.PullRequest{Number: 3, Author: "alice", HeadSHA: evHead, State: "closed"})
	f.evaluate(t, evJob(3))
	if err := f.ev.CompleteMergeGroup(context.Background(), evInst, evOwner, evRepo, evNewer, 0, nil); err != nil {
		t.Fatal(err)
	}
	if rows := l.recorded(); len(rows) != 0 {
		t.Errorf("ledger rows = %+v, want none", rows)
	}
}

// TestLedgerRecordsPendingVerdicts: a verdict waiting for required checks
// is written in progress and recorded so, with the plain config
// fingerprint; when a re-run takes a green verdict back to pending, the
// row names the new check run GitHub then shows.
func TestLedgerRecordsPendingVerdicts(t *testing.T) {
	f, _ := ciFixture(t)
	l := &fakeLedger{}
	f.ev.opts.Ledger = l
	build := f.actionsRun("build", "in_progress", "")
	f.actionsRun("security/scan", "completed", "success")
	f.evaluateCI(t)
	f.fake.UpdateCheckRun(evOwner, evRepo, build, func(cr *githubtest.CheckRun) { cr.Status, cr.Conclusion = "completed", "success" })
	f.evaluateCI(t)
	f.actionsRun("build", "queued", "")
	f.evaluateCI(t)

	runs := f.ours()
	if len(runs) != 2 {
		t.Fatalf("tiergate's runs = %+v, want two", runs)
	}
	type row struct {
		Status, Conclusion, Fingerprint, JSONConclusion string
		CheckRun                                        int64
	}
	fp := "cfg1:-:" + gitBlob(checksConfig)
	want := []row{
		{"in_progress", "", fp, "pending", runs[0].ID},
		{"completed", "success", fp, "success", runs[0].ID},
		{"in_progress", "", fp, "pending", runs[1].ID},
	}
	var got []row
	for _, v := range l.recorded() {
		b := briefOf(t, v)
		got = append(got, row{v.Status, v.Conclusion, v.ConfigFingerprint, b.JSONConclusion.(string), v.CheckRunID})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ledger rows (-want +got):\n%s", diff)
	}
}
