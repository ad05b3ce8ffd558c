package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// version is set at build time: go build -ldflags "-X main.version=v1.2.3".
var version = "dev"

const versionSynopsis = "tiergate version"

func versionCmd(args []string, stdout io.Writer) error {
	pos, err := parseFlags(newFlagSet("version"), versionSynopsis, args, stdout)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("unexpected argument %q", pos[0])
	}
	fmt.Fprintln(stdout, versionString(version))
	return nil
}

// versionString names the build: the linked-in version, else the module
// version go install recorded, else "dev".
func versionString(v string) string {
	if v == "dev" {
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
	}
	return fmt.Sprintf("tiergate %s (%s)", v, runtime.Version())
}
