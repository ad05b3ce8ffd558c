package rules

import (
	"errors"
	"testing"
)

// FuzzParse feeds arbitrary bytes to Parse. Seeds live in
// testdata/fuzz/FuzzParse. Parse must never panic, and a file it accepts
// must resolve, alone or as either layer, or fail with ConfigErrors.
func FuzzParse(f *testing.F) {
	f.Add(readExample(f))
	f.Add([]byte(defaultYAML))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse("fuzz.yml", data)
		if err != nil {
			var errs ConfigErrors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("Parse error %v (%T) is not a non-empty ConfigErrors", err, err)
			}
			for _, e := range errs {
				if e.Line < 1 || e.Column < 1 || e.Message == "" || e.Hint == "" {
					t.Fatalf("Parse error %+v lacks a position, message or hint", e)
				}
			}
			return
		}
		for _, layers := range [][2]*File{{nil, file}, {file, nil}, {file, file}} {
			cfg, err := Resolve(layers[0], layers[1])
			if err != nil {
				var errs ConfigErrors
				if !errors.As(err, &errs) {
					t.Fatalf("Resolve error %v (%T) is not ConfigErrors", err, err)
				}
				continue
			}
			if len(cfg.Tiers) != len(AllTiers()) {
				t.Fatalf("Resolve gave %d tiers, want %d", len(cfg.Tiers), len(AllTiers()))
			}
		}
	})
}
