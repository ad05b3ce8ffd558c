package queue

import "testing"

func TestShares(t *testing.T) {
	s := newShares(2)
	for _, step := range []struct {
		admit int64
		key   string
		want  bool
	}{
		{1, "a", true}, {1, "b", true}, {1, "c", false}, {2, "x", true}, {1, "d", false},
	} {
		if got := s.admit(step.admit, step.key); got != step.want {
			t.Errorf("admit(%d, %q) = %t, want %t", step.admit, step.key, got, step.want)
		}
	}
	for _, want := range []string{"c", "d", ""} {
		got, _ := s.done(1)
		if got != want {
			t.Errorf("done(1) = %q, want %q (held keys in arrival order)", got, want)
		}
	}
	if key, ok := s.done(2); ok {
		t.Errorf("done(2) = %q, want nothing held", key)
	}
}
