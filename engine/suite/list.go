package suite

// CaseInfo describes one case of a suite without running it.
type CaseInfo struct {
	// Suite is the suite file's path.
	Suite string
	Test  string
	Case  string
	// Object is the object path as written in the suite.
	Object     string
	Assertions []Assertion
	// Skipped is true when the case, its test or its suite is skipped.
	Skipped bool
}

// Cases lists every case of the suites, in order, so that callers can check
// suites for completeness (for example that no case lacks an assertion).
// Tests marked invalid have no cases and are not listed.
func Cases(suites []*Suite) []CaseInfo {
	var out []CaseInfo
	for _, s := range suites {
		for _, t := range s.Tests {
			for _, c := range t.Cases {
				out = append(out, CaseInfo{
					Suite:      s.Path,
					Test:       t.Name,
					Case:       c.Name,
					Object:     c.Object,
					Assertions: c.Assertions,
					Skipped:    s.Skip || t.Skip || c.Skip,
				})
			}
		}
	}
	return out
}
