package sweep

import (
	"context"
	"errors"
	"testing"
)

func TestMemoryCoordinator(t *testing.T) {
	ctx := context.Background()
	c := newMemoryCoordinator()

	t.Run("Exclusive", func(t *testing.T) {
		boom := errors.New("boom")
		ran, err := c.Exclusive(ctx, "sweep", func(ctx context.Context) error {
			inner, err := c.Exclusive(ctx, "sweep", func(context.Context) error { return nil })
			if inner || err != nil {
				t.Errorf("nested Exclusive(sweep) = %v, %v; want false, nil", inner, err)
			}
			other, _ := c.Exclusive(ctx, "other", func(context.Context) error { return nil })
			if !other {
				t.Errorf("Exclusive(other) inside sweep = false, want true")
			}
			return boom
		})
		if !ran || !errors.Is(err, boom) {
			t.Errorf("Exclusive(sweep) = %v, %v; want true, boom", ran, err)
		}
		if ran, _ := c.Exclusive(ctx, "sweep", func(context.Context) error { return nil }); !ran {
			t.Errorf("Exclusive(sweep) after the first finished = false, want true")
		}
	})
	t.Run("Cursor", func(t *testing.T) {
		if v, err := c.Cursor(ctx, "x"); v != "" || err != nil {
			t.Errorf("Cursor(x) = %q, %v; want \"\", nil", v, err)
		}
		if err := c.SetCursor(ctx, "x", "v1"); err != nil {
			t.Fatal(err)
		}
		if v, _ := c.Cursor(ctx, "x"); v != "v1" {
			t.Errorf("Cursor(x) = %q, want v1", v)
		}
	})
	t.Run("Once", func(t *testing.T) {
		for i, want := range []bool{true, false, false} {
			if got, err := c.Once(ctx, "k"); got != want || err != nil {
				t.Errorf("Once(k) call %d = %v, %v; want %v", i+1, got, err, want)
			}
		}
		if got, _ := c.Once(ctx, "other"); !got {
			t.Errorf("Once(other) = false, want true")
		}
	})
}
