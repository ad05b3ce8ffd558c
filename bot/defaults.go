package bot

import (
	"cmp"
	"context"
	"time"

	"github.com/google/go-github/v60/github"

	"github.com/tiergate/tiergate/bot/queue"
	"github.com/tiergate/tiergate/bot/sweep"
)

// Defaults of the GitHub client's retries (Settings.Retry).
const (
	defaultRetryAttempts  = 4                      // per request, including the first
	defaultRetryBaseDelay = 500 * time.Millisecond // first backoff for 5xx and timeouts, doubling, jittered
	defaultRetryMaxWait   = 60 * time.Second       // longest rate-limit wait sat out in-process
)

// withDefaults fills zero fields with the defaults, for servers built from
// a Settings value rather than LoadSettings. It is the one place defaults
// are applied: the packages New wires together receive complete options.
func (s Settings) withDefaults() Settings {
	def := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	def(&s.Listen, DefaultListen)
	def(&s.APIURL, DefaultAPIURL)
	def(&s.OrgConfigRepo, DefaultOrgConfigRepo)
	def(&s.ConfigPath, DefaultConfigPath)
	def(&s.CheckName, DefaultCheckName)
	def(&s.LogLevel, DefaultLogLevel)
	def(&s.LogFormat, DefaultLogFormat)
	if s.Workers <= 0 {
		s.Workers = DefaultWorkers
	}
	if s.ShutdownTimeout <= 0 {
		s.ShutdownTimeout = DefaultShutdownTimeout
	}
	if s.Debounce == 0 {
		s.Debounce = DefaultDebounce
	}
	if s.SweepInterval == 0 {
		s.SweepInterval = DefaultSweepInterval
	}
	if s.Retry.MaxAttempts <= 0 {
		s.Retry.MaxAttempts = defaultRetryAttempts
	}
	if s.Retry.BaseDelay <= 0 {
		s.Retry.BaseDelay = defaultRetryBaseDelay
	}
	if s.Retry.MaxWait <= 0 {
		s.Retry.MaxWait = defaultRetryMaxWait
	}
	return s
}

// sweepOptions are the sweep's options: the defaults, and the check the
// sweep looks for on each head.
func (s Settings) sweepOptions(fingerprint func(ctx context.Context, gh *github.Client, owner, repo, baseRef string) (string, error), m *sweep.Metrics) sweep.Options {
	return sweep.Options{
		AppID:              s.AppID,
		CheckName:          s.CheckName,
		RequestBudget:      sweep.DefaultRequestBudget,
		RedeliveryWindow:   sweep.DefaultRedeliveryWindow,
		StuckAfter:         sweep.DefaultStuckAfter,
		RateLimitFloor:     sweep.DefaultRateLimitFloor,
		CurrentFingerprint: fingerprint,
		Now:                time.Now,
		Metrics:            m,
	}
}

// retrySchedule is the queue's retry schedule; zero fields take the
// defaults. Only tests shorten it: in production it is not a setting.
type retrySchedule struct {
	Backoff []time.Duration // waits before attempts 2, 3, ...; nil: the default
	Slow    time.Duration   // wait between attempts after Backoff is spent
	Horizon time.Duration   // give up once the slow retries span this long
}

// queueOptions are the queue's options: the settings, the defaults and
// the retry schedule sched.
func (s Settings) queueOptions(sched retrySchedule) queue.Options {
	o := queue.Options{
		Workers:     s.Workers,
		MaxKeys:     queue.DefaultMaxKeys,
		JobTimeout:  queue.DefaultJobTimeout,
		TaskTimeout: queue.DefaultTaskTimeout,
		Backoff:     sched.Backoff,
		Slow:        cmp.Or(sched.Slow, queue.DefaultSlowRetry),
		Horizon:     cmp.Or(sched.Horizon, queue.DefaultRetryHorizon),
		Share:       queue.DefaultShare(s.Workers),
		Debounce:    max(s.Debounce, 0),
		Lease:       DefaultLease,
		Renew:       DefaultLease / 3,
		Poll:        queue.DefaultPoll,
	}
	if o.Backoff == nil {
		o.Backoff = queue.DefaultBackoff()
	}
	return o
}
