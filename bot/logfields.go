package bot

// Log field keys. Each field is added at one layer only: the HTTP middleware
// adds the delivery and event, the queue adds the repository, pull request,
// job key and attempt, and the evaluator adds what it learns (head SHA, ...).
// Keeping the keys here lets dashboards and log queries rely on them.
const (
	// FieldDeliveryID is the X-GitHub-Delivery ID of the webhook.
	FieldDeliveryID = "delivery_id"
	// FieldEvent is the X-GitHub-Event name, e.g. "pull_request".
	FieldEvent = "event"
	// FieldAction is the payload's action, e.g. "synchronize".
	FieldAction = "action"
	// FieldRepo is "owner/name".
	FieldRepo = "repo"
	// FieldPR is the pull request number.
	FieldPR = "pr"
	// FieldHeadSHA is the commit being evaluated.
	FieldHeadSHA = "head_sha"
	// FieldInstallationID is the GitHub App installation.
	FieldInstallationID = "installation_id"
	// FieldJob is a queue key, e.g. "octo/app#12" or "merge_group:octo/app@<sha>".
	FieldJob = "job"
	// FieldAttempt counts tries of one job, starting at 1.
	FieldAttempt = "attempt"
	// FieldOutcome is how a delivery or job ended.
	FieldOutcome = "outcome"
	// FieldStatus is an HTTP status code.
	FieldStatus = "status"
	// FieldDuration is how long something took.
	FieldDuration = "duration"
)
