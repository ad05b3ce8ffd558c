package ghclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"github.com/tiergate/tiergate/bot/internal/wait"
	"github.com/tiergate/tiergate/bot/logfield"
)

// RetryPolicy says how hard the GitHub client tries before giving up on one
// request. Every field is required (bot applies the defaults).
type RetryPolicy struct {
	MaxAttempts int           // per request, including the first
	BaseDelay   time.Duration // first backoff for 5xx/timeouts, doubling, jittered
	MaxWait     time.Duration // longest rate-limit wait to sit out in-process; longer → return error so the job is retried later

	// OnWait, optional, hears of each wait before it begins, with its
	// reason ("rate_limit", "5xx", "timeout", "network"): a command-line
	// tool tells the person why it stopped, which a log line would not.
	OnWait func(ctx context.Context, reason string, d time.Duration)
	// Sleep, optional, replaces the real cancellable sleep (tests).
	Sleep func(ctx context.Context, d time.Duration) error
}

// Retry reasons, used as the GitHubRetries label.
const (
	retry5xx       = "5xx"
	retryTimeout   = "timeout"
	retryNetwork   = "network"
	retryRateLimit = "rate_limit"
)

// SecondaryLimitWait is how long to back off from a secondary rate limit
// that does not say for how long; GitHub asks for at least a minute.
const SecondaryLimitWait = time.Minute

// retryTransport retries failed GitHub requests and sits out rate limits.
//
// What is retried, and why it cannot duplicate a write:
//   - rate-limit rejections (403/429 with X-RateLimit-Remaining: 0, Retry-After,
//     or the secondary-limit message), for every method: GitHub did not
//     process the request;
//   - connection failures before a response (dial errors), for every method:
//     the request never left;
//   - 5xx, timeouts and other network errors only for methods that are safe to
//     repeat: GET, HEAD, OPTIONS, PUT, DELETE, PATCH (tiergate's PATCHes send
//     the complete new state of a check run or comment) and the installation
//     token POST. A POST that creates a check run or comment is never resent
//     after it may have reached GitHub; instead the job fails, and the next
//     attempt finds what was created by name + head SHA or by the marker.
//
// A rate limit longer than MaxWait is not waited out: the 403/429 response is
// returned as is, go-github turns it into *github.RateLimitError or
// *github.AbuseRateLimitError, and the job is retried later.
type retryTransport struct {
	next    http.RoundTripper
	policy  RetryPolicy
	metrics *Metrics
	prefix  string // API base path, to name endpoints in logs
	timeout time.Duration
	now     func() time.Time
	sleep   func(ctx context.Context, d time.Duration) error
}

func newRetryTransport(next http.RoundTripper, p RetryPolicy, m *Metrics, prefix string) *retryTransport {
	sleep := wait.Sleep
	if p.Sleep != nil {
		sleep = p.Sleep
	}
	return &retryTransport{
		next:    next,
		policy:  p,
		metrics: m,
		prefix:  prefix,
		timeout: requestTimeout,
		now:     time.Now,
		sleep:   sleep,
	}
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	getBody, err := bufferBody(req)
	if err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, t.timeout)
		r := req.Clone(actx)
		if getBody != nil {
			r.Body, _ = getBody()
			r.GetBody = getBody
		}
		resp, err := t.next.RoundTrip(r)
		reason, wait := t.classify(ctx, req, resp, err, attempt)
		giveUp := reason == "" || attempt >= t.policy.MaxAttempts ||
			(reason == retryRateLimit && wait > t.policy.MaxWait)
		if giveUp {
			if err != nil {
				cancel()
				return nil, err
			}
			resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
			return resp, nil
		}
		if resp != nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
			resp.Body.Close()
		}
		cancel()
		if t.metrics != nil {
			t.metrics.Retries.WithLabelValues(reason).Inc()
		}
		// Field keys are the shared constants; what has no key of its own
		// goes in the message. The request itself (and its Authorization
		// header) is never logged.
		ev := zerolog.Ctx(ctx).Warn().Dur(logfield.Duration, wait)
		if resp != nil {
			ev = ev.Int(logfield.Status, resp.StatusCode)
		}
		if err != nil {
			ev = ev.Err(err)
		}
		ev.Msgf("retrying %s after %s (attempt %d of %d)",
			endpointTemplate(req.Method, req.URL.Path, t.prefix), reason, attempt+1, t.policy.MaxAttempts)
		if t.policy.OnWait != nil {
			t.policy.OnWait(ctx, reason, wait)
		}
		if err := t.sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("waiting to retry %s: %w", endpointTemplate(req.Method, req.URL.Path, t.prefix), err)
		}
		if err := recheckWrite(ctx, req); err != nil {
			return nil, err
		}
	}
}

// classify says whether an attempt should be retried ("" = no) and after how long.
func (t *retryTransport) classify(ctx context.Context, req *http.Request, resp *http.Response, err error, attempt int) (string, time.Duration) {
	if ctx.Err() != nil {
		return "", 0 // the caller gave up; do not retry on its behalf
	}
	backoff := t.backoff(attempt)
	if err != nil {
		var op *net.OpError
		switch {
		case errors.As(err, &op) && op.Op == "dial":
			return retryNetwork, backoff
		case !safeToRepeat(req):
			return "", 0
		case isTimeout(err):
			return retryTimeout, backoff
		default:
			return retryNetwork, backoff
		}
	}
	if wait, ok := t.rateLimitWait(resp); ok {
		return retryRateLimit, wait
	}
	if resp.StatusCode >= 500 && safeToRepeat(req) {
		return retry5xx, backoff
	}
	return "", 0
}

// backoff is BaseDelay doubled per attempt, jittered into [d/2, d].
func (t *retryTransport) backoff(attempt int) time.Duration {
	d := t.policy.BaseDelay << (attempt - 1)
	half := int64(d / 2)
	return time.Duration(half + rand.Int64N(half+1))
}

// rateLimitWait recognises primary and secondary rate-limit responses and
// says how long GitHub asks us to wait.
func (t *retryTransport) rateLimitWait(resp *http.Response) (time.Duration, bool) {
	if resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusTooManyRequests {
		return 0, false
	}
	if s := resp.Header.Get("Retry-After"); s != "" {
		if secs, err := strconv.Atoi(s); err == nil && secs >= 0 {
			return time.Duration(secs) * time.Second, true
		}
	}
	if resp.Header.Get("X-RateLimit-Remaining") == "0" {
		if reset, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64); err == nil {
			// One extra second: the reset time is rounded to whole seconds.
			wait := time.Unix(reset, 0).Sub(t.now()) + time.Second
			return max(wait, time.Second), true
		}
		return SecondaryLimitWait, true
	}
	if resp.StatusCode == http.StatusTooManyRequests || mentionsSecondaryLimit(resp) {
		return SecondaryLimitWait, true
	}
	return 0, false
}

// mentionsSecondaryLimit peeks at a 403 body for GitHub's secondary-limit
// message and puts the body back for the caller.
func mentionsSecondaryLimit(resp *http.Response) bool {
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(data))
	if err != nil {
		return false
	}
	s := strings.ToLower(string(data))
	return strings.Contains(s, "secondary rate limit") || strings.Contains(s, "abuse detection")
}

func safeToRepeat(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete, http.MethodPatch:
		return true
	case http.MethodPost:
		// Minting an installation token twice is harmless.
		return strings.HasSuffix(req.URL.Path, "/access_tokens")
	}
	return false
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// bufferBody makes the request body replayable.
func bufferBody(req *http.Request) (func() (io.ReadCloser, error), error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	if req.GetBody != nil {
		req.Body.Close()
		return req.GetBody, nil
	}
	data, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("read request body: %w", err)
	}
	return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }, nil
}

// cancelOnClose ends an attempt's timeout context once the caller has read
// the response body.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}
