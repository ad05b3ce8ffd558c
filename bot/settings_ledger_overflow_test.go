package bot

import (
	"strings"
	"testing"
)

// TestLedgerRetentionOverflow: a day count a time.Duration cannot hold is
// refused, not wrapped ("213505d" would wrap to about one day).
func TestLedgerRetentionOverflow(t *testing.T) {
	for _, text := range []string{"106752d", "213505d", "9223372036854775807d"} {
		d, err := parseLedgerRetention(value{name: "TIERGATE_LEDGER_RETENTION", text: text, set: true})
		if err == nil || !strings.Contains(err.Error(), "at most 106751") {
			t.Errorf("parseLedgerRetention(%q) = %s, %v, want an error: at most 106751 days", text, d, err)
		}
	}
	if d, err := parseLedgerRetention(value{name: "TIERGATE_LEDGER_RETENTION", text: "106751d", set: true}); err != nil || d.Hours()/24 != 106751 {
		t.Errorf("parseLedgerRetention(106751d) = %s, %v, want 106751 days", d, err)
	}
}
