package match

import (
	"strings"
	"testing"
)

func TestParseGlob(t *testing.T) {
	cases := []struct {
		name    string
		pattern string
		// wantErr is a substring of the error; "" means valid.
		wantErr string
	}{
		{name: "exact", pattern: "kube-system"},
		{name: "prefix", pattern: "kube-*"},
		{name: "suffix", pattern: "*-system"},
		{name: "contains", pattern: "*system*"},
		{name: "lone star", pattern: "*"},
		{name: "double star", pattern: "**"},
		{name: "empty", pattern: ""},
		{name: "colon and digits", pattern: "team:a1"},
		{name: "star in the middle", pattern: "kube*system", wantErr: "only as the first or last"},
		{name: "triple star", pattern: "***", wantErr: "only as the first or last"},
		{name: "upper case", pattern: "Kube-*", wantErr: "upper-case 'K'"},
		{name: "dot", pattern: "a.b", wantErr: "character '.' is not allowed"},
		{name: "underscore", pattern: "a_b*", wantErr: "character '_' is not allowed"},
		{name: "space", pattern: "a b", wantErr: "character ' ' is not allowed"},
		{name: "question mark", pattern: "kube-?", wantErr: "character '?' is not allowed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g, err := ParseGlob(tc.pattern)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("ParseGlob(%q): %v", tc.pattern, err)
				}
				if g.String() != tc.pattern {
					t.Errorf("String() = %q, want %q", g.String(), tc.pattern)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), tc.pattern) {
				t.Errorf("ParseGlob(%q) error = %v, want it to name the pattern and say %q", tc.pattern, err, tc.wantErr)
			}
		})
	}
}

func TestGlobMatches(t *testing.T) {
	cases := []struct {
		name    string
		pattern string
		input   string
		want    bool
	}{
		{name: "exact equal", pattern: "kube-system", input: "kube-system", want: true},
		{name: "exact differs", pattern: "kube-system", input: "kube-public", want: false},
		{name: "exact is not a prefix", pattern: "kube-", input: "kube-system", want: false},
		{name: "prefix", pattern: "kube-*", input: "kube-public", want: true},
		{name: "prefix equal to the text", pattern: "kube-*", input: "kube-", want: true},
		{name: "prefix too short", pattern: "kube-*", input: "kube", want: false},
		{name: "prefix elsewhere", pattern: "kube-*", input: "my-kube-x", want: false},
		{name: "suffix", pattern: "*-system", input: "gatekeeper-system", want: true},
		{name: "suffix elsewhere", pattern: "*-system", input: "kube-system-2", want: false},
		{name: "contains at start", pattern: "*kube*", input: "kube-system", want: true},
		{name: "contains in the middle", pattern: "*-kube-*", input: "a-kube-b", want: true},
		{name: "contains at end", pattern: "*system*", input: "kube-system", want: true},
		{name: "contains miss", pattern: "*-kube-*", input: "my-kub-controller", want: false},
		{name: "lone star matches empty", pattern: "*", input: "", want: true},
		{name: "lone star matches anything", pattern: "*", input: "anything", want: true},
		{name: "empty matches only empty", pattern: "", input: "", want: true},
		{name: "empty does not match a name", pattern: "", input: "a", want: false},
		{name: "case-sensitive", pattern: "kube-*", input: "Kube-system", want: false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g, err := ParseGlob(tc.pattern)
			if err != nil {
				t.Fatal(err)
			}
			if got := g.Matches(tc.input); got != tc.want {
				t.Errorf("ParseGlob(%q).Matches(%q) = %v, want %v", tc.pattern, tc.input, got, tc.want)
			}
		})
	}
}

func TestZeroGlob(t *testing.T) {
	var g Glob
	if !g.Matches("") || g.Matches("a") {
		t.Errorf("zero Glob must match only the empty name")
	}
}

func TestGlobs(t *testing.T) {
	gs, err := ParseGlobs([]string{"kube-*", "*-system", "default"})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{
		"kube-public": true, "gatekeeper-system": true, "default": true, "prod": false, "": false,
	} {
		if got := gs.MatchesAny(name); got != want {
			t.Errorf("MatchesAny(%q) = %v, want %v", name, got, want)
		}
	}
	if got := strings.Join(gs.Strings(), ","); got != "kube-*,*-system,default" {
		t.Errorf("Strings() = %q", got)
	}
	if Globs(nil).MatchesAny("x") {
		t.Errorf("an empty list must match nothing")
	}
	if gs, err := ParseGlobs(nil); err != nil || gs != nil {
		t.Errorf("ParseGlobs(nil) = %v, %v; want nil, nil", gs, err)
	}
}

func TestParseGlobsNamesEveryBadPattern(t *testing.T) {
	_, err := ParseGlobs([]string{"ok-*", "Bad", "a*b"})
	if err == nil {
		t.Fatal("ParseGlobs accepted invalid patterns")
	}
	for _, want := range []string{`[1]: glob "Bad"`, `[2]: glob "a*b"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "[0]") {
		t.Errorf("error %q blames a valid pattern", err)
	}
}
