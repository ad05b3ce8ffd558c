package bot

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tiergate/tiergate/bot/ledger"
)

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
		var n int
		n, err = strconv.Atoi(days)
		if n < 0 || n > 1<<20 {
			err = fmt.Errorf("out of range")
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
