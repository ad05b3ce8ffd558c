package deploy

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// instruction is one Dockerfile instruction with continuation lines joined.
type instruction struct {
	line int
	cmd  string // upper case: FROM, RUN, ...
	args string
}

// stage is one FROM and the instructions under it.
type stage struct {
	image, name string
	body        []instruction
}

// parseDockerfile splits a Dockerfile into stages. It knows the subset of
// the syntax our Dockerfile uses: comments, "\" continuations, and
// "FROM image [AS name]".
func parseDockerfile(data string) ([]stage, error) {
	var stages []stage
	var pending strings.Builder
	start := 0
	for i, raw := range strings.Split(data, "\n") {
		line := strings.TrimSpace(raw)
		if pending.Len() == 0 && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if pending.Len() == 0 {
			start = i + 1
		}
		if cont, ok := strings.CutSuffix(line, "\\"); ok {
			pending.WriteString(cont + " ")
			continue
		}
		pending.WriteString(line)
		text := pending.String()
		pending.Reset()
		cmd, args, _ := strings.Cut(text, " ")
		in := instruction{line: start, cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)}
		if in.cmd == "FROM" {
			f := strings.Fields(in.args)
			st := stage{image: f[0]}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				st.name = f[2]
			} else if len(f) != 1 {
				return nil, fmt.Errorf("line %d: FROM %s: want FROM image [AS name]", in.line, in.args)
			}
			stages = append(stages, st)
			continue
		}
		if len(stages) == 0 {
			if in.cmd == "ARG" {
				continue // global build args may precede FROM
			}
			return nil, fmt.Errorf("line %d: %s before FROM", in.line, in.cmd)
		}
		stages[len(stages)-1].body = append(stages[len(stages)-1].body, in)
	}
	if pending.Len() > 0 {
		return nil, fmt.Errorf("dangling line continuation at the end")
	}
	if len(stages) == 0 {
		return nil, fmt.Errorf("no FROM")
	}
	return stages, nil
}

// find returns the args of every instruction cmd in the stage.
func (s stage) find(cmd string) []string {
	var out []string
	for _, in := range s.body {
		if in.cmd == cmd {
			out = append(out, in.args)
		}
	}
	return out
}

// goMinor is the "1.26" of go.mod's go directive.
func goMinor(t *testing.T) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(read(t, "../go.mod"))
	if m == nil {
		t.Fatal("go.mod has no go directive")
	}
	return string(m[1])
}

func TestDockerfile(t *testing.T) {
	stages, err := parseDockerfile(string(read(t, "Dockerfile")))
	if err != nil {
		t.Fatalf("Dockerfile: %v", err)
	}
	if len(stages) < 2 {
		t.Fatalf("Dockerfile has %d stages, want a builder and a runtime stage", len(stages))
	}
	builder := stages[0]
	final := stages[len(stages)-1]
	port := listenPort(t)

	// The build command, with ENV and ARG lines of the builder folded in.
	var build string
	for _, r := range builder.find("RUN") {
		if strings.Contains(r, "go build") {
			build = r
		}
	}
	buildEnv := strings.Join(builder.find("ENV"), " ") + " " + build

	tests := []struct {
		name string
		ok   bool
		why  string
	}{
		{"builder is golang at go.mod's version", strings.HasPrefix(builder.image, "golang:"+goMinor(t)),
			fmt.Sprintf("builder FROM %s, want golang:%s...", builder.image, goMinor(t))},
		{"builds ./cmd/tiergate", regexp.MustCompile(`go build .*\./cmd/tiergate\b`).MatchString(build),
			"no RUN go build ... ./cmd/tiergate"},
		{"static binary: CGO_ENABLED=0", strings.Contains(buildEnv, "CGO_ENABLED=0"), "CGO_ENABLED=0 not set for the build"},
		{"-trimpath", strings.Contains(build, "-trimpath"), "go build lacks -trimpath"},
		{"-buildvcs=false", strings.Contains(build, "-buildvcs=false"), "go build lacks -buildvcs=false"},
		{"ldflags strip and stamp the version", strings.Contains(build, `-ldflags "-s -w -X main.version=${VERSION}"`),
			`go build lacks -ldflags "-s -w -X main.version=${VERSION}"`},
		{"ARG VERSION=dev", slices.Contains(builder.find("ARG"), "VERSION=dev"), "builder has no ARG VERSION=dev"},
		{"runtime image is distroless static or scratch",
			final.image == "scratch" || strings.HasPrefix(final.image, "gcr.io/distroless/static"),
			fmt.Sprintf("final FROM %s", final.image)},
		{"base images pinned by tag or digest", pinned(builder.image) && (final.image == "scratch" || pinned(final.image)),
			fmt.Sprintf("FROM %s / %s: pin a tag (not latest) or a digest", builder.image, final.image)},
		{"runs as non-root", nonRootUser(final), fmt.Sprintf("final USER = %v, want nonroot or 65532", final.find("USER"))},
		{"copies the built binary", copiesBinary(final, builder.name, build), "final stage does not COPY --from the binary go build writes to /tiergate"},
		{"EXPOSE is the default listen port", slices.Equal(final.find("EXPOSE"), []string{strconv.Itoa(port)}),
			fmt.Sprintf("EXPOSE %v, want [%d] (bot.DefaultListen)", final.find("EXPOSE"), port)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.ok {
				t.Error(tt.why)
			}
		})
	}

	t.Run("ENTRYPOINT", func(t *testing.T) {
		eps := final.find("ENTRYPOINT")
		if len(eps) != 1 {
			t.Fatalf("final stage has %d ENTRYPOINTs, want 1", len(eps))
		}
		var got []string
		if err := json.Unmarshal([]byte(eps[0]), &got); err != nil {
			t.Fatalf("ENTRYPOINT %s is not exec form: %v", eps[0], err)
		}
		if diff := cmp.Diff([]string{"/tiergate", "serve"}, got); diff != "" {
			t.Errorf("ENTRYPOINT (-want +got):\n%s", diff)
		}
	})
}

func pinned(image string) bool {
	if strings.Contains(image, "@sha256:") {
		return true
	}
	i := strings.LastIndex(image, ":")
	return i > strings.LastIndex(image, "/") && image[i+1:] != "latest"
}

func nonRootUser(s stage) bool {
	users := s.find("USER")
	if len(users) == 0 {
		// distroless's :nonroot tag already runs as 65532.
		return strings.HasSuffix(s.image, ":nonroot")
	}
	u, _, _ := strings.Cut(users[len(users)-1], ":")
	return u == "nonroot" || u == "65532"
}

func copiesBinary(s stage, from, build string) bool {
	out := regexp.MustCompile(`-o (\S+)`).FindStringSubmatch(build)
	if out == nil {
		return false
	}
	return slices.Contains(s.find("COPY"), fmt.Sprintf("--from=%s %s /tiergate", from, out[1]))
}

// TestVersionVariable checks that -X main.version has a target: the linker
// silently ignores -X for a variable that does not exist.
func TestVersionVariable(t *testing.T) {
	pkgs, err := parser.ParseDir(token.NewFileSet(), "../cmd/tiergate", nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatalf("parse cmd/tiergate: %v", err)
	}
	main, ok := pkgs["main"]
	if !ok {
		t.Fatal("cmd/tiergate has no package main")
	}
	for _, f := range main.Files {
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.VAR {
				continue
			}
			for _, s := range g.Specs {
				for _, n := range s.(*ast.ValueSpec).Names {
					if n.Name == "version" {
						return
					}
				}
			}
		}
	}
	t.Error("cmd/tiergate declares no package-level var version for -X main.version")
}

func TestDockerignore(t *testing.T) {
	lines := strings.Split(string(read(t, "../.dockerignore")), "\n")
	for _, want := range []string{".git"} {
		if !slices.Contains(lines, want) {
			t.Errorf(".dockerignore lacks %q", want)
		}
	}
	// The build needs these; ignoring them would break docker build.
	for _, need := range []string{"go.mod", "go.sum", "cmd", "bot", "rules", "*.go", "**/*.go"} {
		if slices.Contains(lines, need) {
			t.Errorf(".dockerignore excludes %q, which the build needs", need)
		}
	}
}
