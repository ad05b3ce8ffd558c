package bot

import (
	"strings"
	"testing"
	"time"
)

func TestLedgerRetentionSetting(t *testing.T) {
	pkcs1, _, _ := testKeys(t)
	base := map[string]string{"TIERGATE_APP_ID": "1", "TIERGATE_PRIVATE_KEY": pkcs1, "TIERGATE_WEBHOOK_SECRET": "s"}
	const day = 24 * time.Hour
	tests := []struct {
		name    string
		value   string // "" : unset
		args    []string
		want    time.Duration
		wantErr string
	}{
		{name: "unset keeps forever", want: 0},
		{name: "0 keeps forever", value: "0", want: 0},
		{name: "a Go duration", value: "2160h", want: 90 * day},
		{name: "days", value: "400d", want: 400 * day},
		{name: "exactly a day", value: "24h", want: day},
		{name: "the flag wins", value: "400d", args: []string{"--ledger-retention", "30d"}, want: 30 * day},
		{name: "under a day", value: "23h", wantErr: "TIERGATE_LEDGER_RETENTION must be 0 (keep forever) or a duration of at least 24h"},
		{name: "negative", value: "-48h", wantErr: "at least 24h"},
		{name: "negative days", value: "-3d", wantErr: "at least 24h"},
		{name: "not a duration", value: "a year", wantErr: `got "a year"`},
		{name: "flag named in the error", args: []string{"--ledger-retention", "1h"}, wantErr: "--ledger-retention must be"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range base {
				env[k] = v
			}
			if tc.value != "" {
				env["TIERGATE_LEDGER_RETENTION"] = tc.value
			}
			s, err := LoadSettings(tc.args, func(k string) string { return env[k] })
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("LoadSettings = %v, want an error containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || s.LedgerRetention != tc.want {
				t.Errorf("LoadSettings = %v, %v; want retention %v", s.LedgerRetention, err, tc.want)
			}
		})
	}
}
