package replicatest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/tiergate/tiergate/bot/pgstore/pgtest"
)

// binary is the tiergate executable TestMain built.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "replicatest-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "replicatest: %v\n", err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "tiergate")
	build := exec.Command("go", "build", "-o", binary, "github.com/tiergate/tiergate/cmd/tiergate")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "replicatest: build tiergate: %v\n", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	pgtest.Main(m, func() { os.RemoveAll(dir) })
}
