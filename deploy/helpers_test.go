package deploy

import (
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tiergate/tiergate/bot"
)

// read returns a file relative to this package's directory (go test runs
// in it), failing the test when it is missing.
func read(t *testing.T, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.FromSlash(rel))
	if err != nil {
		t.Fatalf("read %s: %v", rel, err)
	}
	return data
}

// listenPort is the port of the server's default listen address, which
// every deployment file must agree with.
func listenPort(t *testing.T) int {
	t.Helper()
	_, p, err := net.SplitHostPort(bot.DefaultListen)
	if err != nil {
		t.Fatalf("bot.DefaultListen = %q: %v", bot.DefaultListen, err)
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		t.Fatalf("bot.DefaultListen = %q: port is not a number", bot.DefaultListen)
	}
	return port
}

// shutdownDeadline is the server's default graceful shutdown deadline; the
// platform's kill timeout must be longer so a drain is never cut short.
func shutdownDeadline() time.Duration {
	return bot.DefaultShutdownTimeout
}

var settingName = regexp.MustCompile(`TIERGATE_[A-Z0-9_]+`)

// readmeSettings returns the environment variables named in the README's
// server settings table: the set the deployment files may use.
func readmeSettings(t *testing.T) map[string]bool {
	t.Helper()
	section := readmeSection(t, "## Server settings")
	names := map[string]bool{}
	for _, line := range regexp.MustCompile(`(?m)^\|.*$`).FindAllString(section, -1) {
		cells := strings.Split(line, "|")
		if len(cells) < 2 {
			continue
		}
		for _, n := range settingName.FindAllString(cells[1], -1) {
			names[n] = true
		}
	}
	if len(names) == 0 {
		t.Fatal("README.md: no TIERGATE_* variables in the Server settings table")
	}
	return names
}

// readmeSection returns the README text under heading, up to the next
// heading of the same or a higher level (lines in code fences are not
// headings).
func readmeSection(t *testing.T, heading string) string {
	t.Helper()
	level := len(heading) - len(strings.TrimLeft(heading, "#"))
	var out []string
	inside, fenced := false, false
	for _, line := range strings.Split(string(read(t, "../README.md")), "\n") {
		if strings.HasPrefix(line, "```") {
			fenced = !fenced
		}
		if !fenced && strings.HasPrefix(line, "#") {
			n := len(line) - len(strings.TrimLeft(line, "#"))
			if strings.TrimSpace(line) == heading {
				inside = true
				continue
			}
			if inside && n <= level && strings.HasPrefix(line[n:], " ") {
				break
			}
		}
		if inside {
			out = append(out, line)
		}
	}
	if !inside {
		t.Fatalf("README.md has no %q section", heading)
	}
	return strings.Join(out, "\n")
}
