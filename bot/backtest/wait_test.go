package backtest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"
)

type waits struct{ until []time.Time }

func (w *waits) Listed(int)              {}
func (w *waits) Judged(int)              {}
func (w *waits) Waiting(until time.Time) { w.until = append(w.until, until) }

// TestWaitingOut: when go-github refuses to ask because it knows the limit
// is spent, the run says so, waits for the reset and tries again; any
// other error ends it at once.
func TestWaitingOut(t *testing.T) {
	reset := time.Now().Add(30 * time.Minute).Truncate(time.Second)
	limited := &github.RateLimitError{Rate: github.Rate{Remaining: 0, Reset: github.Timestamp{Time: reset}}, Message: "API rate limit still exceeded"}
	other := errors.New("502 Bad Gateway")
	tests := []struct {
		name      string
		errs      []error // what f returns, call by call
		want      error
		wantCalls int
		wantWaits int
	}{
		{"limit, then fine", []error{limited, nil}, nil, 2, 1},
		{"another error", []error{other}, other, 1, 0},
		{"limit never lifts: gives up after 6 tries", []error{limited, limited, limited, limited, limited, limited, limited}, limited, 6, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := &waits{}
			var slept []time.Duration
			opts := Options{Progress: w, Sleep: func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }}
			calls := 0
			err := waitingOut(context.Background(), opts, func() error {
				calls++
				return tt.errs[calls-1]
			})
			if !errors.Is(err, tt.want) && err != tt.want {
				t.Errorf("waitingOut = %v, want %v", err, tt.want)
			}
			if calls != tt.wantCalls || len(w.until) != tt.wantWaits || len(slept) != tt.wantWaits {
				t.Errorf("calls %d, waits said %d, slept %d; want %d, %d, %d", calls, len(w.until), len(slept), tt.wantCalls, tt.wantWaits, tt.wantWaits)
			}
			for i, d := range slept {
				if d < 29*time.Minute || d > 31*time.Minute || !w.until[i].After(reset) {
					t.Errorf("wait %d: %s until %s, want about 30m, past the reset %s", i, d, w.until[i], reset)
				}
			}
		})
	}
}
