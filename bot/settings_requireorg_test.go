package bot

import (
	"strings"
	"testing"
)

func TestLoadSettingsRequireOrgConfig(t *testing.T) {
	pkcs1, _, _ := testKeys(t)
	env := func(v string) func(string) string {
		return func(k string) string {
			return map[string]string{"TIERGATE_APP_ID": "1", "TIERGATE_PRIVATE_KEY": pkcs1,
				"TIERGATE_WEBHOOK_SECRET": "w", "TIERGATE_REQUIRE_ORG_CONFIG": v}[k]
		}
	}
	tests := []struct {
		name    string
		args    []string
		env     string
		want    bool
		wantErr string
	}{
		{name: "unset is false"},
		{name: "env true", env: "true", want: true},
		{name: "flag wins", args: []string{"--require-org-config=false"}, env: "true", want: false},
		{name: "bare flag value", args: []string{"--require-org-config", "1"}, want: true},
		{name: "not a bool", env: "maybe", wantErr: `TIERGATE_REQUIRE_ORG_CONFIG must be true or false, got "maybe"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := LoadSettings(tt.args, env(tt.env))
			switch {
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("LoadSettings = %v, want error %q", err, tt.wantErr)
				}
			case err != nil:
				t.Errorf("LoadSettings = %v", err)
			case s.RequireOrgConfig != tt.want:
				t.Errorf("RequireOrgConfig = %v, want %v", s.RequireOrgConfig, tt.want)
			}
		})
	}
}
