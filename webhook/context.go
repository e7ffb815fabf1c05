package webhook

import (
	"context"
	"net/http"
	"time"
)

// defaultTimeout applies when the API server does not say how long it waits.
const defaultTimeout = 10 * time.Second

// requestContext bounds a review by the timeout the API server sends as the
// "timeout" query parameter (the webhook's timeoutSeconds), so work stops
// when the API server stops waiting.
func requestContext(r *http.Request) (context.Context, context.CancelFunc) {
	timeout := defaultTimeout
	if s := r.URL.Query().Get("timeout"); s != "" {
		if d, err := time.ParseDuration(s); err == nil && d > 0 {
			timeout = d
		}
	}
	// The server's base context is the manager's, cancelled at SIGTERM
	// while the server still drains: a review in flight then must finish
	// and answer by policy, not fail with "context canceled". Only the
	// API server's timeout bounds it.
	return context.WithTimeout(context.WithoutCancel(r.Context()), timeout)
}

// acquire takes a slot of limiter, waiting at most until ctx is done.
func acquire(ctx context.Context, limiter chan struct{}) error {
	if limiter == nil {
		return nil
	}
	select {
	case limiter <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func release(limiter chan struct{}) {
	if limiter != nil {
		<-limiter
	}
}
