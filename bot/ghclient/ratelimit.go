package ghclient

import (
	"errors"
	"time"

	"github.com/google/go-github/v60/github"
)

// RetryAt says when a request GitHub refused for a rate limit may be tried
// again: the primary limit's reset, or the secondary limit's Retry-After.
// Such a failure is not the evaluation's fault, so it spends no attempt.
func RetryAt(err error, now time.Time) (time.Time, bool) {
	var primary *github.RateLimitError
	if errors.As(err, &primary) && !primary.Rate.Reset.Time.IsZero() {
		return primary.Rate.Reset.Time.Add(time.Second), true
	}
	var secondary *github.AbuseRateLimitError
	if errors.As(err, &secondary) {
		wait := SecondaryLimitWait
		if secondary.RetryAfter != nil && *secondary.RetryAfter > 0 {
			wait = *secondary.RetryAfter
		}
		return now.Add(wait), true
	}
	return time.Time{}, false
}
