// Package poll waits in tests for a condition to hold, with a deadline.
package poll

import (
	"testing"
	"time"
)

// interval is how often Until asks again: short next to any deadline a test
// sets, long enough that a condition reading a database or a socket is no
// load.
const interval = 10 * time.Millisecond

// Until calls cond until it holds, and fails the test, naming what it waited
// for, once within has passed without it.
func Until(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(interval)
	}
}
