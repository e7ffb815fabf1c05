package suite

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestFind(t *testing.T) {
	tests := []struct {
		name  string
		paths []string
		want  []string
		// wantErr is the sentinel the error must wrap, or nil.
		wantErr error
	}{{
		name:  "recursive finds every suite, sorted",
		paths: []string{"testdata/pass/..."},
		want:  []string{"testdata/pass/protected-hosts/suite.yaml", "testdata/pass/required-labels/suite.yaml"},
	}, {
		name:  "a directory is not searched recursively",
		paths: []string{"testdata/pass/required-labels"},
		want:  []string{"testdata/pass/required-labels/suite.yaml"},
	}, {
		name:  "a file, then a tree holding it again: no duplicates",
		paths: []string{"testdata/fail/suite.yaml", "testdata/..."},
		want: []string{
			"testdata/fail/suite.yaml",
			"testdata/pass/protected-hosts/suite.yaml",
			"testdata/pass/required-labels/suite.yaml",
		},
	}, {
		name:    "a directory without suites",
		paths:   []string{"testdata/pass"},
		wantErr: ErrNoSuites,
	}, {
		name:    "an explicit file that is not a suite",
		paths:   []string{"testdata/pass/required-labels/template.yaml"},
		wantErr: ErrNotASuite,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			suites, err := Find(tc.paths)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Find() error = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Find() error = %v", err)
			}
			var got []string
			for _, s := range suites {
				got = append(got, filepath.ToSlash(s.Path))
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Find() paths (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFindFromWorkingDirectory(t *testing.T) {
	t.Chdir("testdata/pass")
	for _, p := range []string{"./...", "..."} {
		suites, err := Find([]string{p})
		if err != nil {
			t.Fatalf("Find(%q) error = %v", p, err)
		}
		var got []string
		for _, s := range suites {
			got = append(got, filepath.ToSlash(s.Path))
		}
		want := []string{"protected-hosts/suite.yaml", "required-labels/suite.yaml"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Find(%q) paths (-want +got):\n%s", p, diff)
		}
	}
}

func TestFindSkipsUnreadableNonSuites(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"chart/templates/deploy.yaml": "metadata:\n  name: {{ .Release.Name }}\n  labels: {{- include \"x\" . }}\n",
		"suite.yaml":                  "kind: Suite\napiVersion: test.gatekeeper.sh/v1alpha1\ntests: []\n",
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	suites, err := Find([]string{dir + "/..."})
	if err != nil || len(suites) != 1 {
		t.Fatalf("Find() = %d suites, %v; want the one suite and no error", len(suites), err)
	}
	broken := filepath.Join(dir, "broken", "suite.yaml")
	if err := os.MkdirAll(filepath.Dir(broken), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(broken, []byte("kind: Suite\napiVersion: test.gatekeeper.sh/v1alpha1\ntests: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Find([]string{dir + "/..."}); err == nil || !strings.Contains(err.Error(), broken) {
		t.Fatalf("Find() error = %v, want the broken suite reported", err)
	}
}

func TestFindParsesSuite(t *testing.T) {
	suites, err := Find([]string{"testdata/pass/required-labels/suite.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	s := suites[0]
	if len(s.Tests) != 5 {
		t.Fatalf("got %d tests, want 5", len(s.Tests))
	}
	bare := s.Tests[0].Cases[1]
	msg := `"owner"`
	want := Case{
		Name:   "bare-pod-misses-both",
		Object: "objects/pod-bare.yaml",
		Assertions: []Assertion{
			{Violations: &Violations{Count: 2}},
			{Violations: &Violations{Count: 1}, Message: &msg},
			{Message: ptr(`Pod "bare" must carry`)},
		},
	}
	if diff := cmp.Diff(want, bare); diff != "" {
		t.Errorf("case (-want +got):\n%s", diff)
	}
	if !s.Tests[3].Invalid || !s.Tests[4].Skip || !s.Tests[0].Cases[4].Skip {
		t.Errorf("invalid/skip flags not parsed: %+v", s.Tests)
	}
}

func TestFindReportsBadSuite(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "suite.yaml")
	body := "kind: Suite\napiVersion: test.gatekeeper.sh/v1alpha1\ntests:\n- name: x\n  cases:\n  - name: y\n    assertions:\n    - violations: maybe\n"
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Find([]string{p})
	want := p + `: document 1 (line 8): tests[0].cases[0].assertions[0].violations: violations must be "yes", "no" or a non-negative integer, got "maybe"`
	if err == nil || err.Error() != want {
		t.Fatalf("Find() error = %v, want %s", err, want)
	}
}

func TestCheckSuite(t *testing.T) {
	tests := []struct {
		name, body string
		// want is the error after the file name; empty means valid.
		want string
	}{
		{"valid", "tests:\n- name: a\n  cases:\n  - name: b\n    inventory: [x.yaml]\n    assertions:\n    - violations: 2\n      message: ^a\n", ""},
		{"tests not a list", "tests: {a: 1}\n", "document 1 (line 3): tests: must be a list"},
		{"test not an object", "tests:\n- just-a-name\n", "document 1 (line 4): tests[0]: must be an object"},
		{"template not a string", "tests:\n- name: a\n  template: [x]\n", "document 1 (line 5): tests[0].template: must be a string"},
		{"skip not a bool", "tests:\n- name: a\n  skip: sometimes\n", "document 1 (line 5): tests[0].skip: must be true or false"},
		{"inventory not paths", "tests:\n- cases:\n  - inventory: [{a: 1}]\n", "document 1 (line 5): tests[0].cases[0].inventory[0]: must be a path"},
		{"bad message regex", "tests:\n- cases:\n  - assertions:\n    - message: \"(\"\n", "document 1 (line 6): tests[0].cases[0].assertions[0].message: invalid regular expression"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "suite.yaml")
			body := "kind: Suite\napiVersion: test.gatekeeper.sh/v1alpha1\n" + tc.body
			if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Find([]string{p})
			if tc.want == "" {
				if err != nil && !errors.Is(err, ErrNoSuites) {
					t.Fatalf("Find() error = %v", err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), p+": "+tc.want) {
				t.Fatalf("Find() error = %v, want prefix %q", err, p+": "+tc.want)
			}
		})
	}
}

func TestFilter(t *testing.T) {
	tests := []struct {
		run        string
		test, kase string
		wantTest   bool // whether a test with that name and one such case runs
		wantCase   bool
	}{
		{"", "anything", "at-all", true, true},
		{"labels", "required-labels", "bare", true, true},
		{"labels", "hosts", "missing-labels", true, true},
		{"labels", "hosts", "bare", false, false},
		{"^required-labels$//", "required-labels", "bare", true, true},
		{"^required-labels$//", "required-labels-2", "bare", false, false},
		{"//bare", "hosts", "bare-pod", true, true},
		{"//bare", "hosts", "dressed", true, false},
		{"hosts//^create", "hosts", "update", true, false},
		{"hosts//^create", "hosts", "create-x", true, true},
		{"hosts//^create", "labels", "create-x", false, false},
	}
	for _, tc := range tests {
		f, err := NewFilter(tc.run)
		if err != nil {
			t.Fatalf("NewFilter(%q) error = %v", tc.run, err)
		}
		tt := &Test{Name: tc.test, Cases: []Case{{Name: tc.kase}}}
		if got := f.MatchesTest(tt); got != tc.wantTest {
			t.Errorf("NewFilter(%q).MatchesTest(%q) = %v, want %v", tc.run, tc.test, got, tc.wantTest)
		}
		if got := f.MatchesCase(tc.test, tc.kase); got != tc.wantCase {
			t.Errorf("NewFilter(%q).MatchesCase(%q, %q) = %v, want %v", tc.run, tc.test, tc.kase, got, tc.wantCase)
		}
	}
	for _, bad := range []string{"a//b//c", "(", "ok//["} {
		if _, err := NewFilter(bad); err == nil {
			t.Errorf("NewFilter(%q): want error", bad)
		}
	}
}

func ptr(s string) *string { return &s }

func TestCheck(t *testing.T) {
	msgs := []string{`label "owner" is missing`, `label "team" is missing`}
	tests := []struct {
		name       string
		assertions []Assertion
		messages   []string
		// wantErr is a substring of the error; empty means the check passes.
		wantErr string
	}{
		{"default is yes, with violations", []Assertion{{}}, msgs, ""},
		{"default is yes, without violations", []Assertion{{}}, nil, "got 0 violations, want at least 1"},
		{"no", []Assertion{{Violations: &Violations{Word: "no"}}}, nil, ""},
		{"no fails", []Assertion{{Violations: &Violations{Word: "no"}}}, msgs, "got 2 violations, want none"},
		{"exact count", []Assertion{{Violations: &Violations{Count: 2}}}, msgs, ""},
		{"exact count fails", []Assertion{{Violations: &Violations{Count: 3}}}, msgs, "want exactly 3"},
		{"zero count", []Assertion{{Violations: &Violations{Count: 0}}}, nil, ""},
		{"message counts only matches", []Assertion{{Violations: &Violations{Count: 1}, Message: ptr("team")}}, msgs, ""},
		{"message none match", []Assertion{{Message: ptr("colour")}}, msgs, `got 0 violations matching "colour", want at least 1`},
		{"second assertion fails", []Assertion{{}, {Violations: &Violations{Word: "no"}, Message: ptr("owner")}}, msgs, "assertion 2 failed"},
		{"bad regex", []Assertion{{Message: ptr("(")}}, msgs, "assertion 1 has an invalid message regular expression"},
		{"no assertions", nil, msgs, ErrNoAssertions.Error()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := check(tc.assertions, tc.messages)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("check() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("check() = %v, want containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestViolationsJSON(t *testing.T) {
	tests := []struct {
		in      string
		want    Violations
		wantErr bool
	}{
		{`"yes"`, Violations{Word: "yes"}, false},
		{`"no"`, Violations{Word: "no"}, false},
		{`3`, Violations{Count: 3}, false},
		{`"2"`, Violations{Count: 2}, false},
		{`-1`, Violations{}, true},
		{`"some"`, Violations{}, true},
		{`true`, Violations{}, true},
	}
	for _, tc := range tests {
		var v Violations
		err := json.Unmarshal([]byte(tc.in), &v)
		if (err != nil) != tc.wantErr {
			t.Errorf("Unmarshal(%s) error = %v, wantErr %v", tc.in, err, tc.wantErr)
			continue
		}
		if !tc.wantErr && v != tc.want {
			t.Errorf("Unmarshal(%s) = %+v, want %+v", tc.in, v, tc.want)
		}
		if !tc.wantErr {
			out, _ := json.Marshal(v)
			var back Violations
			if err := json.Unmarshal(out, &back); err != nil || back != v {
				t.Errorf("round trip of %s = %s", tc.in, out)
			}
		}
	}
}

func TestCases(t *testing.T) {
	suites, err := Find([]string{"testdata/..."})
	if err != nil {
		t.Fatal(err)
	}
	var noAssertions, skipped []string
	for _, c := range Cases(suites) {
		if len(c.Assertions) == 0 {
			noAssertions = append(noAssertions, c.Test+"/"+c.Case)
		}
		if c.Skipped {
			skipped = append(skipped, c.Test+"/"+c.Case)
		}
	}
	if diff := cmp.Diff([]string{"wrong-expectations/no-assertions"}, noAssertions); diff != "" {
		t.Errorf("cases without assertions (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"pods-need-owner-and-team/skipped-case-is-not-read"}, skipped); diff != "" {
		t.Errorf("skipped cases (-want +got):\n%s", diff)
	}
}
