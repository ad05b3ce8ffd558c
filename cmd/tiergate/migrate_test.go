package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/tiergate/tiergate/bot/pgstore/pgtest"
)

func TestMigrate(t *testing.T) {
	url := pgtest.URL(t)
	migrate := func(args []string, env map[string]string) outcome {
		t.Helper()
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), append([]string{"migrate"}, args...), func(k string) string { return env[k] },
			bytes.NewReader(nil), &stdout, &stderr)
		return outcome{code: code, stdout: stdout.String(), stderr: stderr.String()}
	}
	tests := []struct {
		name        string
		args        []string
		env         map[string]string
		wantCode    int
		wantOut     string
		wantErr     string
		notInStderr string
	}{
		{name: "no database", wantCode: 2, wantErr: "a database is needed: set --database-url or TIERGATE_DATABASE_URL"},
		{name: "not postgres, password not echoed", args: []string{"--database-url", "mysql://root:s3cret-pw@db/x"}, wantCode: 2,
			wantErr: "must be a postgres:// URL", notInStderr: "s3cret-pw"},
		{name: "first run applies every migration", env: map[string]string{"TIERGATE_DATABASE_URL": url},
			wantOut: "applied 00001_init.sql\napplied 00002_owner_app.sql\napplied 00003_ledger.sql\napplied 00004_ledger_hardening.sql\n"},
		{name: "then it is up to date", args: []string{"--database-url", url}, wantOut: "database schema is up to date\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := migrate(tc.args, tc.env)
			if got.code != tc.wantCode || (tc.wantOut != "" && got.stdout != tc.wantOut) || !strings.Contains(got.stderr, tc.wantErr) {
				t.Errorf("tiergate migrate %v = %d, stdout %q, stderr %q; want %d, %q, stderr containing %q",
					tc.args, got.code, got.stdout, got.stderr, tc.wantCode, tc.wantOut, tc.wantErr)
			}
			if tc.notInStderr != "" && strings.Contains(got.stderr, tc.notInStderr) {
				t.Errorf("stderr %q repeats the password", got.stderr)
			}
		})
	}
}
