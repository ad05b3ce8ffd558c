package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/tiergate/tiergate/rules"
)

// outcome is what one tiergate invocation did.
type outcome struct {
	code           int
	stdout, stderr string
}

// tiergate runs the command line in-process, as main would.
func tiergate(t testing.TB, args ...string) outcome {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, func(string) string { return "" }, bytes.NewReader(nil), &stdout, &stderr)
	if len(args) > 0 && args[0] == "check" && formatFromArgs(args) == "json" && !slices.Contains(args, "--schema") {
		checkAgainstVerdictSchema(t, stdout.Bytes())
	}
	return outcome{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// verdictSchema is the published schema of check --format json, compiled
// once for the whole test binary.
var verdictSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(rules.VerdictSchema))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource("verdict.schema.json", doc); err != nil {
		return nil, err
	}
	return c.Compile("verdict.schema.json")
})

// checkAgainstVerdictSchema fails the test unless out is exactly one JSON
// object that the published schema accepts: every --format json output of
// every test is held to the contract.
func checkAgainstVerdictSchema(t testing.TB, out []byte) {
	t.Helper()
	s, err := verdictSchema()
	if err != nil {
		t.Fatalf("verdict schema: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("check --format json printed no JSON object: %v\n%s", err, out)
	}
	if dec.More() {
		t.Fatalf("check --format json printed more than one JSON value:\n%s", out)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(doc); err != nil {
		t.Errorf("check --format json output does not match the verdict schema: %v\n%s", err, out)
	}
}

// verdict is the part of check's JSON output the tests read.
type verdict struct {
	Tier       string `json:"tier"`
	Conclusion string `json:"conclusion"`
	Gates      []struct {
		Name   string `json:"name"`
		Status string `json:"status"`
		Reason string `json:"reason"`
	} `json:"gates"`
}

func parseVerdict(t testing.TB, out string) verdict {
	t.Helper()
	var v verdict
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("check output is not JSON: %v\n%s", err, out)
	}
	return v
}

// statuses maps each gate's name to its status.
func (v verdict) statuses() map[string]string {
	m := map[string]string{}
	for _, g := range v.Gates {
		m[g.Name] = g.Status
	}
	return m
}

// reason returns a gate's reason, or "" if there is no such gate.
func (v verdict) reason(gate string) string {
	for _, g := range v.Gates {
		if g.Name == gate {
			return g.Reason
		}
	}
	return ""
}

// testdata reads a file under testdata.
func testdata(t testing.TB, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// newCheckRepo makes a repository whose main branch holds a little Go
// project and, unless config is "", that repo config; HEAD is a new branch
// "topic" at main, ready for a change.
func newCheckRepo(t testing.TB, config string) *testRepo {
	t.Helper()
	r := newRepo(t)
	r.write(
		"svc/a.go", "package svc\n\nfunc A() int { return 1 }\n",
		"svc/a_test.go", "package svc\n",
		"docs/index.md", "# Docs\n",
		"payments/pay.go", "package payments\n",
	)
	if config != "" {
		r.write(repoConfigPath, config)
	}
	r.commit("base")
	r.git("checkout", "-q", "-b", "topic")
	return r
}
