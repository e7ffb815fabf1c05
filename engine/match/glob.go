package match

import (
	"fmt"
	"strings"
)

// globForm says where a Glob's stars are.
type globForm uint8

const (
	globExact    globForm = iota // "name": equal to the text
	globPrefix                   // "name*": starts with the text
	globSuffix                   // "*name": ends with the text
	globContains                 // "*name*": contains the text
)

// Glob is a name pattern in Gatekeeper's wildcard syntax: lower-case letters,
// digits, '-' and ':', with an optional '*' at the start, at the end or both.
// "kube-*" is a prefix, "*-system" a suffix, "*system*" a substring, and a
// pattern without '*' must equal the name. A lone "*" matches every name.
//
// The zero Glob matches only the empty name. Matching does not allocate.
type Glob struct {
	text string // the pattern as written
	core string // text without its leading and trailing '*'
	form globForm
}

// ParseGlob checks pattern against the syntax Gatekeeper's CRDs accept
// (^\*?[-:a-z0-9]*\*?$) and prepares it for matching.
func ParseGlob(pattern string) (Glob, error) {
	g, err := parseGlob(pattern)
	if err != nil {
		return Glob{}, fmt.Errorf("glob %q: %w", pattern, err)
	}
	return g, nil
}

// parseGlob is ParseGlob with an error that does not repeat the pattern.
func parseGlob(pattern string) (Glob, error) {
	core := pattern
	leading := strings.HasPrefix(core, "*")
	if leading {
		core = core[1:]
	}
	trailing := strings.HasSuffix(core, "*")
	if trailing {
		core = core[:len(core)-1]
	}
	if err := checkGlobCore(core); err != nil {
		return Glob{}, err
	}
	g := Glob{text: pattern, core: core}
	switch {
	case leading && trailing:
		g.form = globContains
	case leading:
		g.form = globSuffix
	case trailing:
		g.form = globPrefix
	}
	return g, nil
}

// checkGlobCore reports the first character of core that a glob may not hold.
func checkGlobCore(core string) error {
	for i := 0; i < len(core); i++ {
		c := core[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == ':':
		case c == '*':
			return fmt.Errorf("'*' is allowed only as the first or last character")
		case c >= 'A' && c <= 'Z':
			return fmt.Errorf("upper-case %q is not allowed; names are lower-case", c)
		default:
			return fmt.Errorf("character %q is not allowed; use lower-case letters, digits, '-' or ':'", rune(c))
		}
	}
	return nil
}

// String returns the pattern as written.
func (g Glob) String() string { return g.text }

// Matches reports whether name matches the pattern.
func (g Glob) Matches(name string) bool {
	switch g.form {
	case globPrefix:
		return strings.HasPrefix(name, g.core)
	case globSuffix:
		return strings.HasSuffix(name, g.core)
	case globContains:
		return strings.Contains(name, g.core)
	default:
		return name == g.core
	}
}

// matchesGenerateName reports whether every name the API server can generate
// from generateName (generateName plus a random suffix) matches the pattern,
// as far as can be told before the suffix exists: prefix and substring
// patterns can be decided, exact and suffix patterns cannot and do not match.
func (g Glob) matchesGenerateName(generateName string) bool {
	switch g.form {
	case globPrefix:
		return strings.HasPrefix(generateName, g.core)
	case globContains:
		return strings.Contains(generateName, g.core)
	default:
		return false
	}
}

// Globs is a list of patterns that matches a name when any of them does.
type Globs []Glob

// ParseGlobs parses each pattern; the error names every invalid one by index.
func ParseGlobs(patterns []string) (Globs, error) {
	if len(patterns) == 0 {
		return nil, nil
	}
	globs := make(Globs, 0, len(patterns))
	var problems []string
	for i, p := range patterns {
		g, err := ParseGlob(p)
		if err != nil {
			problems = append(problems, fmt.Sprintf("[%d]: %v", i, err))
			continue
		}
		globs = append(globs, g)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("invalid globs: %s", strings.Join(problems, "; "))
	}
	return globs, nil
}

// MatchesAny reports whether any pattern matches name. An empty list matches
// nothing.
func (gs Globs) MatchesAny(name string) bool {
	for i := range gs {
		if gs[i].Matches(name) {
			return true
		}
	}
	return false
}

// Strings returns the patterns as written.
func (gs Globs) Strings() []string {
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = g.text
	}
	return out
}
