package deploy

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/tiergate/tiergate/bot"
)

// unit maps "Section.Key" to its values in order (systemd keys may repeat).
type unit map[string][]string

func parseUnit(data []byte) (unit, error) {
	u := unit{}
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = line[1 : len(line)-1]
		case section == "":
			return nil, fmt.Errorf("line %d: key outside a section", n)
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				return nil, fmt.Errorf("line %d: %q is not Key=Value", n, line)
			}
			key := section + "." + strings.TrimSpace(k)
			u[key] = append(u[key], strings.TrimSpace(v))
		}
	}
	return u, sc.Err()
}

// last is the effective value of a single-valued key.
func (u unit) last(key string) (string, bool) {
	vs := u[key]
	if len(vs) == 0 {
		return "", false
	}
	return vs[len(vs)-1], true
}

// parseEnvFile reads KEY=VALUE lines, ignoring comments.
func parseEnvFile(data []byte) (map[string]string, error) {
	env := map[string]string{}
	for n, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("line %d: %q is not KEY=VALUE", n+1, line)
		}
		env[k] = v
	}
	return env, nil
}

func TestSystemdUnit(t *testing.T) {
	u, err := parseUnit(read(t, "systemd/tiergate.service"))
	if err != nil {
		t.Fatalf("tiergate.service: %v", err)
	}
	env, err := parseEnvFile(read(t, "systemd/tiergate.env.example"))
	if err != nil {
		t.Fatalf("tiergate.env.example: %v", err)
	}
	exact := []struct{ key, want string }{
		{"Service.EnvironmentFile", "/etc/tiergate/tiergate.env"},
		{"Service.Restart", "on-failure"},
		{"Service.DynamicUser", "yes"},
		{"Service.NoNewPrivileges", "yes"},
		{"Service.ProtectSystem", "strict"},
		{"Service.ProtectHome", "yes"},
		{"Service.PrivateTmp", "yes"},
		{"Service.PrivateDevices", "yes"},
		{"Service.CapabilityBoundingSet", ""},
		{"Service.RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX"},
		{"Service.MemoryDenyWriteExecute", "yes"},
		{"Install.WantedBy", "multi-user.target"},
	}
	for _, tt := range exact {
		t.Run(tt.key, func(t *testing.T) {
			if got, ok := u.last(tt.key); !ok || got != tt.want {
				t.Errorf("%s = %q (set: %v), want %q", tt.key, got, ok, tt.want)
			}
		})
	}
	t.Run("ExecStart runs tiergate serve", func(t *testing.T) {
		got, _ := u.last("Service.ExecStart")
		if f := strings.Fields(got); len(f) != 2 || !strings.HasSuffix(f[0], "/tiergate") || f[1] != "serve" {
			t.Errorf("ExecStart = %q, want /path/to/tiergate serve", got)
		}
	})
	t.Run("SystemCallFilter allows only @system-service", func(t *testing.T) {
		vs := u["Service.SystemCallFilter"]
		if len(vs) == 0 || vs[0] != "@system-service" {
			t.Errorf("SystemCallFilter = %v, want @system-service first", vs)
		}
	})
	t.Run("TimeoutStopSec longer than the shutdown deadline", func(t *testing.T) {
		v, _ := u.last("Service.TimeoutStopSec")
		stop, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("TimeoutStopSec = %q: %v (write it with a unit, e.g. 40s)", v, err)
		}
		deadline := shutdownDeadline()
		if s, ok := env["TIERGATE_SHUTDOWN_TIMEOUT"]; ok {
			if deadline, err = time.ParseDuration(s); err != nil {
				t.Fatalf("env TIERGATE_SHUTDOWN_TIMEOUT = %q: %v", s, err)
			}
		}
		if stop <= deadline {
			t.Errorf("TimeoutStopSec = %s, want more than the %s shutdown deadline", stop, deadline)
		}
	})
	t.Run("private key is a credential", func(t *testing.T) {
		cred, _ := u.last("Service.LoadCredential")
		id, src, ok := strings.Cut(cred, ":")
		if !ok || id == "" || !strings.HasPrefix(src, "/") {
			t.Fatalf("LoadCredential = %q, want ID:/absolute/path", cred)
		}
		want := "TIERGATE_PRIVATE_KEY_FILE=%d/" + id
		found := false
		for _, e := range u["Service.Environment"] {
			found = found || e == want
		}
		if !found {
			t.Errorf("Environment = %v, want %s", u["Service.Environment"], want)
		}
		for _, k := range []string{"TIERGATE_PRIVATE_KEY", "TIERGATE_PRIVATE_KEY_FILE"} {
			if _, ok := env[k]; ok {
				t.Errorf("env example sets %s; the unit passes the key as a credential", k)
			}
		}
	})
}

func TestSystemdEnvExample(t *testing.T) {
	env, err := parseEnvFile(read(t, "systemd/tiergate.env.example"))
	if err != nil {
		t.Fatalf("tiergate.env.example: %v", err)
	}
	known := readmeSettings(t)
	for k := range env {
		if !known[k] {
			t.Errorf("env example sets %s, which is not a server setting (README, Server settings)", k)
		}
	}
	for _, k := range []string{"TIERGATE_APP_ID", "TIERGATE_WEBHOOK_SECRET"} {
		if env[k] == "" {
			t.Errorf("env example lacks the required %s", k)
		}
	}
	// The default shape is in memory: the database URL is documented, but
	// commented out, so a copied example never points at a placeholder host.
	if _, set := env["TIERGATE_DATABASE_URL"]; set {
		t.Error("env example sets TIERGATE_DATABASE_URL; leave it commented out (the default is in memory)")
	}
	if !strings.Contains(string(read(t, "systemd/tiergate.env.example")), "\n# TIERGATE_DATABASE_URL=postgres://") {
		t.Error("env example does not document TIERGATE_DATABASE_URL as a commented postgres:// line")
	}
	if got := env["TIERGATE_LISTEN"]; got != bot.DefaultListen {
		t.Errorf("env example TIERGATE_LISTEN = %q, want the default %q", got, bot.DefaultListen)
	}
	if _, _, err := net.SplitHostPort(env["TIERGATE_LISTEN"]); err != nil {
		t.Errorf("env example TIERGATE_LISTEN: %v", err)
	}
}
