package suite

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// Identity of a Suite document.
const (
	Group = "test.gatekeeper.sh"
	Kind  = "Suite"
)

// Suite is one Suite file.
type Suite struct {
	// Path is the file as found from the path the caller gave.
	Path string `json:"-"`
	// Tests are independent template/constraint pairs with their cases.
	Tests []Test `json:"tests"`
	// Skip skips the whole suite.
	Skip bool `json:"skip,omitempty"`
}

// Test is a template and a constraint of it, plus cases to review.
type Test struct {
	Name string `json:"name"`
	// Template is the path of the ConstraintTemplate, relative to the suite.
	Template string `json:"template"`
	// Constraint is the path of the constraint, relative to the suite.
	Constraint string `json:"constraint"`
	// Cases are the objects to review with the constraint.
	Cases []Case `json:"cases,omitempty"`
	// Invalid says the constraint must be rejected (for example a parameter
	// of the wrong type); such a test has no cases.
	Invalid bool `json:"invalid,omitempty"`
	Skip    bool `json:"skip,omitempty"`
}

// Case reviews one object.
type Case struct {
	Name string `json:"name"`
	// Object is the path of the object to review, relative to the suite. It
	// may hold an AdmissionReview, whose request is then reviewed as is.
	Object string `json:"object"`
	// Inventory are paths of files whose objects go into data.inventory.
	Inventory []string `json:"inventory,omitempty"`
	// Assertions must all hold; a case needs at least one.
	Assertions []Assertion `json:"assertions"`
	Skip       bool        `json:"skip,omitempty"`
}

// Assertion states how many violations (all, or those whose message
// matches Message) the review must produce.
type Assertion struct {
	// Violations is "yes" (at least one), "no" (none) or an exact count.
	// Absent means "yes".
	Violations *Violations `json:"violations,omitempty"`
	// Message, when set, is a regular expression; only violations whose
	// message it matches are counted.
	Message *string `json:"message,omitempty"`
}

// Violations is an assertion's expectation: "yes", "no" or a count.
type Violations struct {
	// Count is the exact number wanted when Word is empty.
	Count int
	// Word is "yes" or "no", or empty for a count.
	Word string
}

// UnmarshalJSON accepts a number, a numeric string, "yes" or "no".
func (v *Violations) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		return v.parseWord(s)
	}
	n, err := strconv.Atoi(string(bytes.TrimSpace(b)))
	if err != nil || n < 0 {
		return fmt.Errorf("violations must be \"yes\", \"no\" or a non-negative integer, got %s", b)
	}
	*v = Violations{Count: n}
	return nil
}

func (v *Violations) parseWord(s string) error {
	switch s {
	case "yes", "no":
		*v = Violations{Word: s}
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return fmt.Errorf("violations must be \"yes\", \"no\" or a non-negative integer, got %q", s)
	}
	*v = Violations{Count: n}
	return nil
}

// MarshalJSON writes the form UnmarshalJSON reads.
func (v Violations) MarshalJSON() ([]byte, error) {
	if v.Word != "" {
		return json.Marshal(v.Word)
	}
	return json.Marshal(v.Count)
}

// String is "yes", "no" or the count.
func (v Violations) String() string {
	if v.Word != "" {
		return v.Word
	}
	return strconv.Itoa(v.Count)
}
