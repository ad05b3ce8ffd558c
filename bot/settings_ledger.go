package bot

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/tiergate/tiergate/bot/ledger"
)

// maxRetentionDays is the most days a time.Duration holds.
const maxRetentionDays = int64(math.MaxInt64 / int64(24*time.Hour))

// LedgerRetention reads TIERGATE_LEDGER_RETENTION from env, as `tiergate
// serve` does (0: keep forever).
func LedgerRetention(env func(string) string) (time.Duration, error) {
	text := env("TIERGATE_LEDGER_RETENTION")
	return parseLedgerRetention(value{name: "TIERGATE_LEDGER_RETENTION", text: text, set: text != ""})
}

// parseLedgerRetention reads TIERGATE_LEDGER_RETENTION: a Go duration or a
// number of days ("400d"), at least a day (the database refuses to prune
// the last day of evidence); unset or 0 keeps the ledger forever.
func parseLedgerRetention(v value) (time.Duration, error) {
	if !v.set {
		return 0, nil
	}
	text := strings.TrimSpace(v.text)
	var d time.Duration
	var err error
	if days, ok := strings.CutSuffix(text, "d"); ok {
		var n int64
		n, err = strconv.ParseInt(days, 10, 64)
		if err == nil && n > maxRetentionDays {
			return 0, fmt.Errorf("%s: %q is too long: a retention in days is at most %d (about 292 years)", v.name, clip(v.text), maxRetentionDays)
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		d, err = time.ParseDuration(text)
	}
	if err != nil || d < 0 || (d > 0 && d < ledger.MinRetention) {
		return 0, fmt.Errorf("%s must be 0 (keep forever) or a duration of at least 24h, such as 2160h or 400d, got %q", v.name, clip(v.text))
	}
	return d, nil
}
