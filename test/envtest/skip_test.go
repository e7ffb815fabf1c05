package envtest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// recorder captures Skip and Fatal instead of stopping the test.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()                   { r.TB.Helper() }
func (r *recorder) Skip(args ...any)          { r.skipped = fmt.Sprint(args...) }
func (r *recorder) Fatal(args ...any)         { r.failed = fmt.Sprint(args...) }
func (r *recorder) Skipf(f string, a ...any)  { r.skipped = fmt.Sprintf(f, a...) }
func (r *recorder) Fatalf(f string, a ...any) { r.failed = fmt.Sprintf(f, a...) }

func TestUnavailableSkipsLocallyAndFailsInCI(t *testing.T) {
	tests := []struct {
		ci          string
		wantSkipped bool
	}{
		{ci: "", wantSkipped: true},
		{ci: "false", wantSkipped: true},
		{ci: "true", wantSkipped: false},
	}
	for _, tt := range tests {
		t.Run("CI="+tt.ci, func(t *testing.T) {
			t.Setenv("CI", tt.ci)
			rec := &recorder{TB: t}
			(&Env{unavailable: errors.New("binaries missing")}).Require(rec)
			got := rec.failed
			if tt.wantSkipped {
				got = rec.skipped
			}
			if got == "" || (rec.skipped != "") == (rec.failed != "") {
				t.Fatalf("skipped=%q failed=%q, want exactly one, skipped=%v", rec.skipped, rec.failed, tt.wantSkipped)
			}
			if !strings.Contains(got, MakeTarget) || !strings.Contains(got, "binaries missing") {
				t.Errorf("message %q should name %q and the cause", got, MakeTarget)
			}
		})
	}
}
