package evaluator

import (
	"cmp"
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
)

// fingerprintVersion prefixes every config fingerprint; a change to what a
// fingerprint covers gets a new version, so old runs read as stale.
const fingerprintVersion = "cfg1"

// configSource names the config files a verdict was computed from by their
// git blob SHAs; "" means the file does not exist.
type configSource struct {
	orgSHA, repoSHA string
}

// Fingerprint is the config fingerprint a check run carries in its
// external_id: "cfg1:<org blob SHA or ->:<repo blob SHA or ->". Any change
// to either file (including adding or deleting it) changes it.
func (s configSource) Fingerprint() string {
	return fingerprintVersion + ":" + cmp.Or(s.orgSHA, "-") + ":" + cmp.Or(s.repoSHA, "-")
}

// fingerprintOf returns the config fingerprint a check run was computed
// with, taken from its external_id, and false when it carries none: an
// in-progress mark, a failure report, a merge group's check, or a run
// written before fingerprints existed.
//
// The sweep uses it to find verdicts computed before the current config:
// a completed run is current only when
//
//	fp, ok := fingerprintOf(run); ok && fp == src.Fingerprint()
//
// where src is what configLoader.load returns now for the pull request's
// base branch. A run without a fingerprint is treated as not current.
func fingerprintOf(run *github.CheckRun) (string, bool) {
	id := run.GetExternalID()
	if !strings.HasPrefix(id, fingerprintVersion+":") {
		return "", false
	}
	return id, true
}

// CurrentFingerprint is the fingerprint of the config a pull request into
// baseRef of owner/repo is evaluated with now, for the sweep to compare with
// the one its check run carries. A broken config has a fingerprint too: its
// check run shows the breakage and carries the blob SHAs it was read from.
func (e *Evaluator) CurrentFingerprint(ctx context.Context, gh *github.Client, owner, repo, baseRef string) (string, error) {
	_, src, err := e.configs.load(ctx, gh, owner, repo, baseRef)
	var broken *configBrokenError
	if err != nil && !errors.As(err, &broken) {
		return "", err
	}
	return src.Fingerprint(), nil
}

// pendingExternalID is the external_id of a verdict waiting for required
// CI checks: the config fingerprint, then "@" and the Unix time at which
// those checks run out of time (when tiergate evaluates again, event or
// not). The sweep reads it with PendingDeadline, so it takes such a run
// for stuck only once that time has long passed.
func pendingExternalID(fingerprint string, deadline time.Time) string {
	return fingerprint + "@" + strconv.FormatInt(deadline.Unix(), 10)
}

// PendingDeadline returns the deadline a pending verdict's external_id
// carries (see pendingExternalID), and false for any other run.
func PendingDeadline(externalID string) (time.Time, bool) {
	i := strings.LastIndexByte(externalID, '@')
	if i < 0 || !strings.HasPrefix(externalID, fingerprintVersion+":") {
		return time.Time{}, false
	}
	sec, err := strconv.ParseInt(externalID[i+1:], 10, 64)
	if err != nil || sec <= 0 {
		return time.Time{}, false
	}
	return time.Unix(sec, 0), true
}
