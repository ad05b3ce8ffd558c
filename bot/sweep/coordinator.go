package sweep

import (
	"context"
	"sync"
)

// Coordinator lets replicas share periodic work: the sweep runs on one
// replica at a time, resumes where the last run stopped, and asks for each
// redelivery once. The PostgreSQL implementation is in bot/pgstore; the
// in-memory one serves a single replica.
type Coordinator interface {
	// Exclusive runs fn only if no other replica is running the task called
	// name right now; ran reports whether fn ran.
	Exclusive(ctx context.Context, name string, fn func(ctx context.Context) error) (ran bool, err error)
	// Cursor and SetCursor keep a small string per name across runs and
	// replicas; Cursor returns "" for a name never set.
	Cursor(ctx context.Context, name string) (string, error)
	SetCursor(ctx context.Context, name, value string) error
	// Once returns true the first time it is called with key (across
	// replicas), false after.
	Once(ctx context.Context, key string) (bool, error)
}

// memoryCoordinator is the Coordinator of a single process. Its state is
// lost on restart, which costs at most one repeated redelivery request per
// failed delivery and one sweep from the top.
type memoryCoordinator struct {
	mu      sync.Mutex
	running map[string]bool
	cursors map[string]string
	once    map[string]bool
}

// NewMemoryCoordinator returns the Coordinator of a single process.
func NewMemoryCoordinator() Coordinator { return newMemoryCoordinator() }

func newMemoryCoordinator() *memoryCoordinator {
	return &memoryCoordinator{running: map[string]bool{}, cursors: map[string]string{}, once: map[string]bool{}}
}

func (c *memoryCoordinator) Exclusive(ctx context.Context, name string, fn func(ctx context.Context) error) (bool, error) {
	c.mu.Lock()
	if c.running[name] {
		c.mu.Unlock()
		return false, nil
	}
	c.running[name] = true
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.running, name)
		c.mu.Unlock()
	}()
	return true, fn(ctx)
}

func (c *memoryCoordinator) Cursor(_ context.Context, name string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cursors[name], nil
}

func (c *memoryCoordinator) SetCursor(_ context.Context, name, value string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cursors[name] = value
	return nil
}

func (c *memoryCoordinator) Once(_ context.Context, key string) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.once[key] {
		return false, nil
	}
	c.once[key] = true
	return true, nil
}
