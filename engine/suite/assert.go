package suite

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// ErrAssertion means a review did not produce the violations a case asserts.
var ErrAssertion = errors.New("assertion failed")

// ErrNoAssertions means a case asserts nothing, which gator rejects too.
var ErrNoAssertions = errors.New("case has no assertions")

// check tests every assertion against the messages of a review's
// violations, returning the first that fails.
func check(assertions []Assertion, messages []string) error {
	if len(assertions) == 0 {
		return ErrNoAssertions
	}
	for i := range assertions {
		if err := checkOne(&assertions[i], messages); err != nil {
			return fmt.Errorf("assertion %d %w", i+1, err)
		}
	}
	return nil
}

// assertionError is a failed assertion; it matches ErrAssertion.
type assertionError struct{ text string }

func (e *assertionError) Error() string        { return e.text }
func (e *assertionError) Is(target error) bool { return target == ErrAssertion }

func checkOne(a *Assertion, messages []string) error {
	var re *regexp.Regexp
	if a.Message != nil {
		var err error
		if re, err = regexp.Compile(*a.Message); err != nil {
			return fmt.Errorf("has an invalid message regular expression: %w", err)
		}
	}
	matched := 0
	for _, m := range messages {
		if re == nil || re.MatchString(m) {
			matched++
		}
	}
	want := Violations{Word: "yes"}
	if a.Violations != nil {
		want = *a.Violations
	}
	if ok(want, matched) {
		return nil
	}
	what := "violations"
	if re != nil {
		what = fmt.Sprintf("violations matching %q", *a.Message)
	}
	return &assertionError{text: fmt.Sprintf("failed: got %d %s, want %s%s", matched, what, describe(want), listMessages(messages))}
}

// listMessages shows every violation message, one per line.
func listMessages(messages []string) string {
	if len(messages) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("\nviolations:")
	for _, m := range messages {
		b.WriteString("\n  ")
		b.WriteString(strings.ReplaceAll(m, "\n", "\n  "))
	}
	return b.String()
}

func ok(want Violations, got int) bool {
	switch want.Word {
	case "yes":
		return got > 0
	case "no":
		return got == 0
	}
	return got == want.Count
}

func describe(want Violations) string {
	switch want.Word {
	case "yes":
		return "at least 1"
	case "no":
		return "none"
	}
	return fmt.Sprintf("exactly %d", want.Count)
}
