package evaluator

import (
	"context"
	"crypto/sha1"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"
)

// gitBlob is git's object name for content, as the contents API reports it.
func gitBlob(content string) string {
	return fmt.Sprintf("%x", sha1.Sum([]byte(fmt.Sprintf("blob %d\x00%s", len(content), content))))
}

func TestConfigSourceFingerprint(t *testing.T) {
	tests := []struct {
		src  configSource
		want string
	}{
		{configSource{}, "cfg1:-:-"},
		{configSource{orgSHA: "aaa"}, "cfg1:aaa:-"},
		{configSource{repoSHA: "bbb"}, "cfg1:-:bbb"},
		{configSource{orgSHA: "aaa", repoSHA: "bbb"}, "cfg1:aaa:bbb"},
	}
	for _, tt := range tests {
		if got := tt.src.Fingerprint(); got != tt.want {
			t.Errorf("%+v.Fingerprint() = %q, want %q", tt.src, got, tt.want)
		}
	}
}

func TestFingerprintOf(t *testing.T) {
	tests := []struct {
		externalID *string
		want       string
		wantOK     bool
	}{
		{nil, "", false},
		{github.String(""), "", false},
		{github.String("42"), "", false}, // someone else's scheme
		{github.String("cfg1:aaa:-"), "cfg1:aaa:-", true},
	}
	for _, tt := range tests {
		got, ok := fingerprintOf(&github.CheckRun{ExternalID: tt.externalID})
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("fingerprintOf(external_id %v) = %q, %v; want %q, %v", github.Stringify(tt.externalID), got, ok, tt.want, tt.wantOK)
		}
	}
}

// A verdict carries the blob SHAs of the config files it was computed
// from, and a config change moves the fingerprint even when the verdict
// itself reads the same.
func TestCheckRunCarriesConfigFingerprint(t *testing.T) {
	f := newEvFixture(t)
	f.typicalPR()
	const repoCfg = "version: 1\ntiers:\n  feature:\n    require: {approvals: 1}\n"
	f.fake.SetFile(evOwner, ".github", "main", evCfgPath, []byte(orgReportConfig))
	f.fake.SetFile(evOwner, evRepo, "main", evCfgPath, []byte(repoCfg))
	f.evaluate(t, evJob(1))

	run, _ := f.tiergateState(t, evHead)
	want := "cfg1:" + gitBlob(orgReportConfig) + ":" + gitBlob(repoCfg)
	if run.ExternalID != want {
		t.Fatalf("external_id = %q, want %q", run.ExternalID, want)
	}
	_, src, err := f.ev.configs.load(context.Background(), f.gh(t), evOwner, evRepo, "main")
	if err != nil {
		t.Fatal(err)
	}
	if fp, ok := fingerprintOf(&github.CheckRun{ExternalID: github.String(run.ExternalID)}); !ok || fp != src.Fingerprint() {
		t.Errorf("fingerprintOf(run) = %q, %v; want the current %q, true", fp, ok, src.Fingerprint())
	}

	// Same gates, different file (a comment): the run is rewritten with the new fingerprint.
	changed := repoCfg + "# reviewed\n"
	f.fake.SetFile(evOwner, evRepo, "main", evCfgPath, []byte(changed))
	f.ev.ConfigChanged(evOwner, evRepo)
	f.evaluate(t, evJob(1))
	after, _ := f.tiergateState(t, evHead)
	if want := "cfg1:" + gitBlob(orgReportConfig) + ":" + gitBlob(changed); after.ExternalID != want || after.ID != run.ID {
		t.Errorf("after the config change: run %d with external_id %q, want run %d with %q", after.ID, after.ExternalID, run.ID, want)
	}
	if after.Summary != run.Summary {
		t.Errorf("summary changed with a comment-only config change")
	}
}

// Marks and reports not computed from a config carry no fingerprint, even
// on a run that had one.
func TestFailureReportClearsFingerprint(t *testing.T) {
	f := newEvFixture(t)
	f.typicalPR()
	f.evaluate(t, evJob(1))
	if err := f.ev.ReportFailure(context.Background(), evJob(1), fmt.Errorf("boom"), nil); err != nil {
		t.Fatal(err)
	}
	if run, _ := f.tiergateState(t, evHead); run.ExternalID != "" || run.Conclusion != "failure" {
		t.Errorf("after ReportFailure: %s with external_id %q, want failure with none", run.Conclusion, run.ExternalID)
	}
}

func TestPendingDeadline(t *testing.T) {
	at := time.Unix(1714567200, 0)
	tests := []struct {
		externalID string
		want       time.Time
		ok         bool
	}{
		{pendingExternalID("cfg1:abc:-", at), at, true},
		{"cfg1:abc:-", time.Time{}, false},
		{"cfg1:abc:-@soon", time.Time{}, false},
		{"other@1714567200", time.Time{}, false},
		{"", time.Time{}, false},
	}
	for _, tt := range tests {
		got, ok := PendingDeadline(tt.externalID)
		if !got.Equal(tt.want) || ok != tt.ok {
			t.Errorf("PendingDeadline(%q) = %v, %v; want %v, %v", tt.externalID, got, ok, tt.want, tt.ok)
		}
	}
}
