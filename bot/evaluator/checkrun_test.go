package evaluator

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tiergate/tiergate/bot/githubtest"
)

func TestCheckRunUpsert(t *testing.T) {
	tests := []struct {
		name string
		// second runs between the first and the second evaluation.
		second      func(t *testing.T, f *evFixture)
		wantWrites  []string // check-run writes of the second evaluation
		wantRuns    int
		wantOutcome string
	}{
		{
			name:        "unchanged verdict is not rewritten",
			second:      func(*testing.T, *evFixture) {},
			wantRuns:    1,
			wantOutcome: "success",
		},
		{
			name: "changed verdict updates the same check run",
			second: func(_ *testing.T, f *evFixture) {
				f.fake.AddReview(evOwner, evRepo, 1, githubtest.Review{User: "bob", State: "CHANGES_REQUESTED", CommitID: evHead})
			},
			wantWrites:  []string{"PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}"},
			wantRuns:    1,
			wantOutcome: "failure",
		},
		{
			name: "after a restart the run is found by name and head SHA",
			second: func(t *testing.T, f *evFixture) {
				f.ev = f.newEvaluator(t)
			},
			wantRuns:    1,
			wantOutcome: "success",
		},
		{
			name: "a new head gets its own check run",
			second: func(_ *testing.T, f *evFixture) {
				f.fake.SetHead(evOwner, evRepo, 1, evNewer)
			},
			wantWrites:  []string{"POST /repos/{owner}/{repo}/check-runs"},
			wantRuns:    2,
			wantOutcome: "failure", // bob's approval was on the old head
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newEvFixture(t)
			f.typicalPR()
			f.evaluate(t, evJob(1))
			tt.second(t, f)
			f.fake.ResetRequests()
			f.evaluate(t, evJob(1))

			var writes []string
			for _, line := range f.requestLines() {
				if strings.Contains(line, "check-runs") && !strings.HasPrefix(line, "GET") {
					writes = append(writes, line)
				}
			}
			if strings.Join(writes, ";") != strings.Join(tt.wantWrites, ";") {
				t.Errorf("check-run writes = %q, want %q", writes, tt.wantWrites)
			}
			runs := f.fake.CheckRuns(evOwner, evRepo)
			if len(runs) != tt.wantRuns || runs[len(runs)-1].Conclusion != tt.wantOutcome {
				t.Errorf("check runs = %+v, want %d, the last %s", runs, tt.wantRuns, tt.wantOutcome)
			}
		})
	}
}

// Another App's check run of the same name is not ours to overwrite.
func TestCheckRunIgnoresOtherApps(t *testing.T) {
	f := newEvFixture(t)
	f.typicalPR()
	other := f.fake.AddCheckRun(evOwner, evRepo, githubtest.CheckRun{AppID: f.fake.AppID + 1, Name: "tiergate", HeadSHA: evHead,
		Status: "completed", Conclusion: "failure", Title: "impostor", Summary: "x"})
	f.evaluate(t, evJob(1))
	runs := f.fake.CheckRuns(evOwner, evRepo)
	if len(runs) != 2 || runs[0].ID != other || runs[0].Title != "impostor" || runs[1].Conclusion != "success" {
		t.Errorf("check runs = %+v, want the other App's untouched and our own success", runs)
	}
}

func TestCheckRunDetailsURL(t *testing.T) {
	f := newEvFixture(t)
	f.typicalPR()
	f.ev.checks.detailsURL = "https://tiergate.example.com/docs"
	f.evaluate(t, evJob(1))
	if runs := f.fake.CheckRuns(evOwner, evRepo); len(runs) != 1 || runs[0].DetailsURL != "https://tiergate.example.com/docs" {
		t.Errorf("check runs = %+v, want details_url set", runs)
	}
}

func TestCheckRunSummaryTruncated(t *testing.T) {
	f := newEvFixture(t)
	long := strings.Repeat("é", 40000) // 80,000 bytes
	_, err := f.ev.checks.upsert(context.Background(), f.gh(t), evOwner, evRepo, evHead,
		checkOutput{Status: "completed", Conclusion: "failure", Title: "t", Summary: long}, nil)
	if err != nil {
		t.Fatalf("upsert = %v (the fake rejects summaries over 65535 characters)", err)
	}
	runs := f.fake.CheckRuns(evOwner, evRepo)
	if len(runs) != 1 {
		t.Fatalf("check runs = %d, want 1", len(runs))
	}
	s := runs[0].Summary
	if len(s) > maxOutputBytes || !utf8.ValidString(s) || !strings.Contains(s, "truncated") {
		t.Errorf("summary is %d bytes, valid UTF-8 %v, notes truncation %v; want ≤ %d, true, true",
			len(s), utf8.ValidString(s), strings.Contains(s, "truncated"), maxOutputBytes)
	}
}
