package suite

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"
)

// WriteGo writes a report in the layout of `go test` and `gator verify`:
// one "ok" or "FAIL" line per suite and a final PASS or FAIL. Failed tests
// and cases are always shown with their reason; verbose also shows every
// test and case that ran or was skipped.
func WriteGo(w io.Writer, r *Report, verbose bool) error {
	bw := bufio.NewWriter(w)
	p := &goPrinter{w: bw, verbose: verbose}
	for i := range r.Suites {
		p.suite(&r.Suites[i])
	}
	writeVerdict(bw, r.Failed())
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	return nil
}

// WriteSuite writes one suite's part of WriteGo's output, so that callers
// can print each suite as soon as it has run; WriteVerdict ends the output.
func WriteSuite(w io.Writer, s *SuiteResult, verbose bool) error {
	bw := bufio.NewWriter(w)
	(&goPrinter{w: bw, verbose: verbose}).suite(s)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	return nil
}

// WriteVerdict writes the final PASS or FAIL line.
func WriteVerdict(w io.Writer, failed bool) error {
	if _, err := writeVerdict(w, failed); err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	return nil
}

func writeVerdict(w io.Writer, failed bool) (int, error) {
	if failed {
		return fmt.Fprintln(w, "FAIL")
	}
	return fmt.Fprintln(w, "PASS")
}

type goPrinter struct {
	w       io.Writer
	verbose bool
}

func (p *goPrinter) suite(s *SuiteResult) {
	for i := range s.Tests {
		p.test(&s.Tests[i])
	}
	status := "ok"
	if s.Failed() {
		status = "FAIL"
	}
	fmt.Fprintf(p.w, "%s\t%s\t%s\n", status, s.Path, seconds(s.Duration))
}

func (p *goPrinter) test(t *TestResult) {
	if t.Skipped {
		if p.verbose {
			fmt.Fprintf(p.w, "=== SKIP  %s\n", t.Name)
		}
		return
	}
	if p.verbose {
		fmt.Fprintf(p.w, "=== RUN   %s\n", t.Name)
	}
	for i := range t.Cases {
		p.kase(&t.Cases[i])
	}
	switch {
	case t.Failed():
		fmt.Fprintf(p.w, "--- FAIL: %s\t(%s)\n", t.Name, seconds(t.Duration))
		if t.Err != nil {
			writeIndented(p.w, "    ", t.Err.Error())
		}
	case p.verbose:
		fmt.Fprintf(p.w, "--- PASS: %s\t(%s)\n", t.Name, seconds(t.Duration))
	}
}

func (p *goPrinter) kase(c *CaseResult) {
	if c.Skipped {
		if p.verbose {
			fmt.Fprintf(p.w, "    === SKIP  %s\n", c.Name)
		}
		return
	}
	if p.verbose {
		fmt.Fprintf(p.w, "    === RUN   %s\n", c.Name)
	}
	switch {
	case c.Err != nil:
		fmt.Fprintf(p.w, "    --- FAIL: %s\t(%s)\n", c.Name, seconds(c.Duration))
		writeIndented(p.w, "        ", c.Err.Error())
	case p.verbose:
		fmt.Fprintf(p.w, "    --- PASS: %s\t(%s)\n", c.Name, seconds(c.Duration))
	}
}

// writeIndented writes text with every line indented.
func writeIndented(w io.Writer, indent, text string) {
	for _, line := range strings.Split(text, "\n") {
		fmt.Fprintf(w, "%s%s\n", indent, line)
	}
}

// seconds formats a duration as gator does: seconds with three decimals.
func seconds(d time.Duration) string {
	return fmt.Sprintf("%.3fs", d.Seconds())
}
