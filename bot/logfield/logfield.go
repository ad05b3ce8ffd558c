// Package logfield holds the log field keys every part of tiergate uses.
package logfield

// Log field keys. Each field is added at one layer only: the HTTP middleware
// adds the delivery and event, the queue adds the repository, pull request,
// job key and attempt, and the evaluator adds what it learns (head SHA, ...).
// Keeping the keys here lets dashboards and log queries rely on them.
const (
	// DeliveryID is the X-GitHub-Delivery ID of the webhook.
	DeliveryID = "delivery_id"
	// Event is the X-GitHub-Event name, e.g. "pull_request".
	Event = "event"
	// Action is the payload's action, e.g. "synchronize".
	Action = "action"
	// Repo is "owner/name".
	Repo = "repo"
	// PR is the pull request number.
	PR = "pr"
	// HeadSHA is the commit being evaluated.
	HeadSHA = "head_sha"
	// InstallationID is the GitHub App installation.
	InstallationID = "installation_id"
	// Job is a queue key, e.g. "octo/app#12" or "merge_group:octo/app@<sha>".
	Job = "job"
	// Attempt counts tries of one job, starting at 1.
	Attempt = "attempt"
	// Outcome is how a delivery or job ended.
	Outcome = "outcome"
	// Status is an HTTP status code.
	Status = "status"
	// Duration is how long something took.
	Duration = "duration"
)
