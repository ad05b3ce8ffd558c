package evalrecord

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type job string

func (j job) Key() string { return string(j) }

func TestRecorderCountsOverlaps(t *testing.T) {
	var r Recorder[job]
	endA := r.Start("a")
	endB := r.Start("b")
	if n := r.Overlaps.Load(); n != 0 {
		t.Fatalf("Overlaps after two keys = %d, want 0", n)
	}
	endA2 := r.Start("a")
	if n := r.Overlaps.Load(); n != 1 {
		t.Fatalf("Overlaps after a second run of a = %d, want 1", n)
	}
	r.Report("b", errors.New("boom"))
	if n := r.Overlaps.Load(); n != 2 {
		t.Fatalf("Overlaps after a report racing b = %d, want 2", n)
	}
	endA()
	endA2()
	endB()
	r.Report("a", errors.New("late"))
	if n := r.Overlaps.Load(); n != 2 {
		t.Errorf("Overlaps after a report once a ended = %d, want 2", n)
	}
	if diff := cmp.Diff([]job{"a", "b", "a"}, r.Evaluated()); diff != "" {
		t.Errorf("Evaluated() (-want +got):\n%s", diff)
	}
	want := []Report[job]{{Job: "b", Cause: "boom"}, {Job: "a", Cause: "late"}}
	if diff := cmp.Diff(want, r.Reported()); diff != "" {
		t.Errorf("Reported() (-want +got):\n%s", diff)
	}
}
