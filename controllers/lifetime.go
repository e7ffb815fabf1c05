package controllers

import (
	"context"
	"sync"
)

// lifetime is a context for work started on demand (informers, per-kind
// controllers) that outlives the request starting it and ends when the
// manager stops. It exists before the manager starts, so callers need not
// wait for Start.
type lifetime struct {
	once   sync.Once
	ctx    context.Context
	cancel context.CancelFunc
}

func (l *lifetime) context() context.Context {
	l.once.Do(func() { l.ctx, l.cancel = context.WithCancel(context.Background()) })
	return l.ctx
}

// run blocks until ctx ends, then ends the lifetime.
func (l *lifetime) run(ctx context.Context) error {
	l.context()
	<-ctx.Done()
	l.cancel()
	return nil
}
