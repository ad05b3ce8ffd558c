package bot

import "fmt"

// Job asks for one pull request to be evaluated. Jobs are keyed by
// Owner/Repo#Number: a newer job for the same pull request replaces a waiting
// one, and the newest head SHA wins.
type Job struct {
	InstallationID int64
	Owner          string
	Repo           string
	Number         int
	// HeadSHA is the newest head the event knew of; "" means fetch it.
	HeadSHA string
	// DeliveryID of the webhook that caused the job (for logs).
	DeliveryID string
	// Event that caused the job, e.g. "pull_request.synchronize" (for logs).
	Event string
	// RequireWriteFrom, when set, names a user (a "/tiergate recheck"
	// commenter) who must have write permission for the job to run.
	RequireWriteFrom string
}

// Key identifies the pull request a job is about.
func (j Job) Key() string {
	return fmt.Sprintf("%s/%s#%d", j.Owner, j.Repo, j.Number)
}

// RepoRef names a repository.
type RepoRef struct {
	Owner string
	Name  string
}
