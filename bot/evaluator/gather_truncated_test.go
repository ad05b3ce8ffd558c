package evaluator

import "testing"

func TestFilesTruncated(t *testing.T) {
	tests := []struct {
		name            string
		listed, changed int
		want            bool
	}{
		{"complete", 250, 250, false},
		{"fewer listed than changed", 3000, 3500, true},
		{"exactly the cap, total agrees", 3000, 3000, false},
		{"the cap with no total", 3000, 0, true},
		{"small list with no total", 2, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := filesTruncated(tt.listed, tt.changed); got != tt.want {
				t.Errorf("filesTruncated(%d, %d) = %v, want %v", tt.listed, tt.changed, got, tt.want)
			}
		})
	}
}
