package manager

import (
	"fmt"
	"strings"

	"github.com/go-logr/logr"
	"github.com/go-logr/zapr"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// newLogger builds a zap-backed logr.Logger from the options.
func newLogger(o *Options) (logr.Logger, error) {
	level, err := parseLevel(o.LogLevel)
	if err != nil {
		return logr.Discard(), fmt.Errorf("log level: %w", err)
	}
	cfg := zap.NewProductionConfig()
	if o.LogDevelopment {
		cfg = zap.NewDevelopmentConfig()
	}
	cfg.Level = zap.NewAtomicLevelAt(level)
	z, err := cfg.Build()
	if err != nil {
		return logr.Discard(), fmt.Errorf("build logger: %w", err)
	}
	return zapr.NewLogger(z), nil
}

// parseLevel reads a zap level name in any case, plus Gatekeeper's WARNING,
// so --log-level values from a Gatekeeper install (DEBUG, INFO, WARNING,
// ERROR) keep working.
func parseLevel(s string) (zapcore.Level, error) {
	if strings.EqualFold(s, "warning") {
		return zapcore.WarnLevel, nil
	}
	return zapcore.ParseLevel(s)
}
