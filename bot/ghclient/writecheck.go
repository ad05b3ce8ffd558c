package ghclient

import (
	"context"
	"fmt"
	"net/http"
)

type writeCheckKey struct{}

// WithWriteCheck returns a context under which every write request (any
// method but GET and HEAD) is confirmed by check again before it is sent a
// second time: after a retry's backoff or a rate-limit wait, the caller may
// no longer own what it is writing (a newer event arrived, or its lease
// ran out), and a write that waited must not land then.
func WithWriteCheck(ctx context.Context, check func(context.Context) error) context.Context {
	if check == nil {
		return ctx
	}
	return context.WithValue(ctx, writeCheckKey{}, check)
}

// recheckWrite runs the context's write check before req is resent.
func recheckWrite(ctx context.Context, req *http.Request) error {
	if req.Method == http.MethodGet || req.Method == http.MethodHead {
		return nil
	}
	check, _ := ctx.Value(writeCheckKey{}).(func(context.Context) error)
	if check == nil {
		return nil
	}
	if err := check(ctx); err != nil {
		return fmt.Errorf("not resending the write: %w", err)
	}
	return nil
}
