package queue

import (
	"testing"
	"time"
)

func TestDedupe(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	d := newDedupe(3, time.Hour, func() time.Time { return now })
	steps := []struct {
		name    string
		advance time.Duration
		forget  string
		id      string
		want    bool
	}{
		{name: "new", id: "a", want: true},
		{name: "repeat", id: "a", want: false},
		{name: "second", id: "b", want: true},
		{name: "third", id: "c", want: true},
		{name: "fourth evicts the oldest", id: "d", want: true},
		{name: "evicted is new again", id: "a", want: true},
		{name: "kept one still known", id: "d", want: false},
		{name: "forgotten is new", forget: "d", id: "d", want: true},
		{name: "expired after the TTL", advance: time.Hour, id: "d", want: true},
	}
	for _, s := range steps {
		now = now.Add(s.advance)
		if s.forget != "" {
			d.forget(s.forget)
		}
		if got := d.claim(s.id); got != s.want {
			t.Errorf("%s: claim(%q) = %v, want %v", s.name, s.id, got, s.want)
		}
	}
}
