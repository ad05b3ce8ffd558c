package poll

import (
	"fmt"
	"runtime"
	"testing"
	"time"
)

func TestUntilReturnsOnceTheConditionHolds(t *testing.T) {
	n := 0
	Until(t, time.Second, "the third call", func() bool { n++; return n == 3 })
	if n != 3 {
		t.Errorf("Until called cond %d times, want 3", n)
	}
}

func TestUntilFailsAfterTheDeadline(t *testing.T) {
	ft := &fatalT{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Until(ft, 30*time.Millisecond, "never", func() bool { return false })
	}()
	<-done
	if want := "timed out after 30ms waiting for never"; ft.msg != want {
		t.Errorf("Until failed with %q, want %q", ft.msg, want)
	}
}

// fatalT records Fatalf and ends the goroutine, as testing.T does.
type fatalT struct {
	testing.TB
	msg string
}

func (f *fatalT) Helper() {}

func (f *fatalT) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}
