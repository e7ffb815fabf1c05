package engine

import (
	"errors"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

// wantErr describes one expected *ast.Error of a *TemplateError.
type wantErr struct {
	code string
	file string
	row  int // 0: location not checked
	col  int // 0: column not checked
	// msg is a substring of the message.
	msg string
}

func TestCompileTemplateErrors(t *testing.T) {
	tests := []struct {
		name    string
		tmpl    *Template
		opts    Options
		want    wantErr
		wantLen int // number of errors; 0 means "at least one"
	}{
		{
			name: "syntax error in rego carries row and column",
			tmpl: &Template{Name: "k8sdemo", Kind: "K8sDemo", Rego: "package k8sdemo\n\nviolation[{\"msg\": msg}] {\n  msg := \n}\n"},
			want: wantErr{code: ast.ParseErr, file: "k8sdemo/rego", row: 5, col: 1},
		},
		{
			name: "syntax error in a lib names the lib",
			tmpl: &Template{Name: "k8sdemo", Kind: "K8sDemo", Rego: simpleRego,
				Libs: []string{"package lib.ok\nx := 1", "package lib.bad\n\nf(x) { x = }"}},
			want: wantErr{code: ast.ParseErr, file: "k8sdemo/libs[1]", row: 3},
		},
		{
			name: "unsafe variable with location",
			tmpl: &Template{Name: "k8sdemo", Kind: "K8sDemo", Rego: "package k8sdemo\nviolation[{\"msg\": msg}] {\n  x == 1\n  msg := \"m\"\n}"},
			want: wantErr{code: ast.UnsafeVarErr, file: "k8sdemo/rego", row: 3, col: 3, msg: "var x is unsafe"},
		},
		{
			name: "type error with location",
			tmpl: &Template{Name: "k8sdemo", Kind: "K8sDemo", Rego: "package k8sdemo\nviolation[{\"msg\": msg}] {\n  msg := concat(1, 2)\n}"},
			want: wantErr{code: ast.TypeErr, file: "k8sdemo/rego", row: 3, msg: "concat"},
		},
		{
			name: "missing violation",
			tmpl: &Template{Name: "k8sdemo", Kind: "K8sDemo", Rego: "package k8sdemo\ndeny[msg] { msg := \"x\" }"},
			want: wantErr{code: ast.CompileErr, file: "k8sdemo/rego", row: 1, msg: "must define the rule violation"},
		},
		{
			name: "violation as a function",
			tmpl: &Template{Name: "k8sdemo", Kind: "K8sDemo", Rego: "package k8sdemo\nviolation(x) := x"},
			want: wantErr{code: ast.CompileErr, file: "k8sdemo/rego", row: 2, msg: "partial set rule"},
		},
		{
			name: "violation as a complete rule",
			tmpl: &Template{Name: "k8sdemo", Kind: "K8sDemo", Rego: "package k8sdemo\nviolation := [{\"msg\": \"x\"}]"},
			want: wantErr{code: ast.CompileErr, row: 2, msg: "partial set rule"},
		},
		{
			name: "lib outside lib.",
			tmpl: &Template{Name: "k8sdemo", Kind: "K8sDemo", Rego: simpleRego, Libs: []string{"package helpers\nx := 1"}},
			want: wantErr{code: ast.CompileErr, file: "k8sdemo/libs[0]", row: 1, msg: "must be under lib."},
		},
		{
			name: "lib named just lib",
			tmpl: &Template{Name: "k8sdemo", Kind: "K8sDemo", Rego: simpleRego, Libs: []string{"package lib\nx := 1"}},
			want: wantErr{code: ast.CompileErr, file: "k8sdemo/libs[0]", msg: "must be under lib."},
		},
		{
			name: "entry package under lib",
			tmpl: &Template{Name: "k8sdemo", Kind: "K8sDemo", Rego: "package lib.k8sdemo\nviolation[{\"msg\": \"x\"}] { true }"},
			want: wantErr{code: ast.CompileErr, file: "k8sdemo/rego", msg: "must not be under data.lib"},
		},
		{
			name: "entry package under inventory",
			tmpl: &Template{Name: "k8sdemo", Kind: "K8sDemo", Rego: "package inventory.x\nviolation[{\"msg\": \"x\"}] { true }"},
			want: wantErr{code: ast.CompileErr, msg: "must not be under data.inventory"},
		},
		{
			name: "http.send refused by default, with location",
			tmpl: &Template{Name: "k8sdemo", Kind: "K8sDemo", Rego: "package k8sdemo\nviolation[{\"msg\": msg}] {\n  r := http.send({\"method\": \"GET\", \"url\": \"http://x\"})\n  msg := r.body\n}"},
			want: wantErr{code: ast.TypeErr, file: "k8sdemo/rego", row: 3, msg: "http.send"},
		},
		{
			name: "net.lookup_ip_addr refused by default",
			tmpl: &Template{Name: "k8sdemo", Kind: "K8sDemo", Rego: "package k8sdemo\nviolation[{\"msg\": msg}] {\n  ips := net.lookup_ip_addr(\"example.com\")\n  msg := sprintf(\"%v\", [ips])\n}"},
			want: wantErr{file: "k8sdemo/rego", row: 3, msg: "net.lookup_ip_addr"},
		},
		{
			name: "opa.runtime refused by default",
			tmpl: &Template{Name: "k8sdemo", Kind: "K8sDemo", Rego: "package k8sdemo\nviolation[{\"msg\": msg}] {\n  msg := opa.runtime().env.HOME\n}"},
			want: wantErr{file: "k8sdemo/rego", row: 3, msg: "opa.runtime"},
		},
		{
			name: "allowing one builtin does not allow the others",
			opts: Options{AllowedBuiltins: []string{"http.send"}},
			tmpl: &Template{Name: "k8sdemo", Kind: "K8sDemo", Rego: "package k8sdemo\nviolation[{\"msg\": msg}] {\n  msg := opa.runtime().env.HOME\n}"},
			want: wantErr{row: 3, msg: "opa.runtime"},
		},
		{
			name: "a disabled builtin is refused with its location",
			opts: Options{DisabledBuiltins: []string{"time.now_ns"}},
			tmpl: &Template{Name: "k8sdemo", Kind: "K8sDemo", Rego: "package k8sdemo\nviolation[{\"msg\": msg}] {\n  t := time.now_ns()\n  msg := sprintf(\"%v\", [t])\n}"},
			want: wantErr{file: "k8sdemo/rego", row: 3, msg: "builtin time.now_ns is disabled on this installation"},
		},
		{
			name: "disabling wins over allowing",
			opts: Options{AllowedBuiltins: []string{"http.send"}, DisabledBuiltins: []string{"http.send"}},
			tmpl: &Template{Name: "k8sdemo", Kind: "K8sDemo", Rego: "package k8sdemo\nviolation[{\"msg\": msg}] {\n  r := http.send({\"method\": \"GET\", \"url\": \"http://x\"})\n  msg := r.body\n}"},
			want: wantErr{row: 3, msg: "builtin http.send is disabled on this installation"},
		},
		{
			name: "reading another package of data",
			tmpl: &Template{Name: "k8sdemo", Kind: "K8sDemo", Rego: "package k8sdemo\nviolation[{\"msg\": msg}] {\n  msg := data.k8sother.secret\n}"},
			want: wantErr{code: ast.CompileErr, file: "k8sdemo/rego", row: 3, msg: "found data.k8sother.secret"},
		},
		{
			name: "importing another package",
			tmpl: &Template{Name: "k8sdemo", Kind: "K8sDemo", Rego: "package k8sdemo\nimport data.k8sother\nviolation[{\"msg\": \"x\"}] { k8sother.x }"},
			want: wantErr{code: ast.CompileErr, row: 2, msg: "found data.k8sother"},
		},
		{
			name: "Rego v1 syntax in a v0 template",
			tmpl: &Template{Name: "k8sdemo", Kind: "K8sDemo", Rego: "package k8sdemo\nviolation contains {\"msg\": \"x\"} if { true }"},
			want: wantErr{code: ast.ParseErr, file: "k8sdemo/rego", row: 2},
		},
		{
			name: "Rego v0 syntax in a v1 template",
			tmpl: &Template{Name: "k8sdemo", Kind: "K8sDemo", RegoVersion: RegoV1, Rego: "package k8sdemo\nviolation[{\"msg\": \"x\"}] { true }"},
			want: wantErr{code: ast.ParseErr, file: "k8sdemo/rego", row: 2},
		},
		{
			name: "name does not match kind",
			tmpl: &Template{Name: "demo", Kind: "K8sDemo", Rego: simpleRego},
			want: wantErr{code: TemplateErrCode, msg: "lower-cased"},
		},
		{
			name: "empty rego",
			tmpl: &Template{Name: "k8sdemo", Kind: "K8sDemo", Rego: "  \n"},
			want: wantErr{code: TemplateErrCode, msg: "no Rego"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := New(tc.opts).CompileTemplate(tc.tmpl)
			checkTemplateError(t, err, tc.tmpl.Name, tc.want)
		})
	}
}

// checkTemplateError asserts that err is a *TemplateError holding an
// error as described by want.
func checkTemplateError(t *testing.T, err error, name string, want wantErr) {
	t.Helper()
	var te *TemplateError
	if !errors.As(err, &te) {
		t.Fatalf("error = %v (%T), want *TemplateError", err, err)
	}
	if te.Template != name {
		t.Errorf("Template = %q, want %q", te.Template, name)
	}
	for _, e := range te.Errors {
		if matchesWant(e, want) {
			return
		}
	}
	t.Errorf("no error matches %+v in:\n%v", want, err)
}

func matchesWant(e *ast.Error, want wantErr) bool {
	if want.code != "" && e.Code != want.code {
		return false
	}
	if !strings.Contains(e.Message, want.msg) {
		return false
	}
	if want.file == "" && want.row == 0 {
		return true
	}
	if e.Location == nil {
		return false
	}
	return (want.file == "" || e.Location.File == want.file) &&
		(want.row == 0 || e.Location.Row == want.row) &&
		(want.col == 0 || e.Location.Col == want.col)
}

func TestCompileTemplateAccepts(t *testing.T) {
	tests := []struct {
		name string
		tmpl *Template
		opts Options
	}{
		{name: "v0 with a lib", tmpl: &Template{Name: "k8sdemo", Kind: "K8sDemo",
			Rego: "package k8sdemo\nimport data.lib.util\nviolation[{\"msg\": m}] { m := util.msg }",
			Libs: []string{"package lib.util\nmsg := \"x\""}}},
		{name: "v1 syntax", tmpl: &Template{Name: "k8sdemo", Kind: "K8sDemo", RegoVersion: RegoV1,
			Rego: "package k8sdemo\nviolation contains {\"msg\": \"x\"} if { input.review.object.kind in {\"Pod\"} }"}},
		{name: "v0 with future keywords", tmpl: &Template{Name: "k8sdemo", Kind: "K8sDemo",
			Rego: "package k8sdemo\nimport future.keywords.in\nviolation[{\"msg\": \"x\"}] { \"a\" in input.parameters.list }"}},
		{name: "reads inventory and own package", tmpl: &Template{Name: "k8sdemo", Kind: "K8sDemo",
			Rego: "package k8sdemo\nhelper := 1\nviolation[{\"msg\": \"x\"}] { data.inventory.cluster[_]; data.k8sdemo.helper == 1 }"}},
		{name: "http.send allowed by option", opts: Options{AllowedBuiltins: []string{"http.send"}}, tmpl: &Template{Name: "k8sdemo", Kind: "K8sDemo",
			Rego: "package k8sdemo\nviolation[{\"msg\": msg}] { r := http.send({\"method\": \"GET\", \"url\": input.parameters.url}); msg := r.body }"}},
		{name: "disabling one builtin leaves the others", opts: Options{DisabledBuiltins: []string{"time.now_ns"}}, tmpl: &Template{Name: "k8sdemo", Kind: "K8sDemo",
			Rego: "package k8sdemo\nviolation[{\"msg\": msg}] { msg := sprintf(\"%v\", [time.parse_rfc3339_ns(\"2026-01-01T00:00:00Z\")]) }"}},
		{name: "trace and print are harmless", tmpl: &Template{Name: "k8sdemo", Kind: "K8sDemo",
			Rego: "package k8sdemo\nviolation[{\"msg\": \"x\"}] { trace(\"t\"); print(\"p\") }"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := New(tc.opts).CompileTemplate(tc.tmpl); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestCheckBuiltin(t *testing.T) {
	for _, name := range []string{"http.send", "time.now_ns", "sprintf"} {
		if err := CheckBuiltin(name); err != nil {
			t.Errorf("CheckBuiltin(%q) = %v", name, err)
		}
	}
	for _, name := range []string{"", "http.sned", "{http.send}"} {
		if err := CheckBuiltin(name); err == nil {
			t.Errorf("CheckBuiltin(%q) accepted", name)
		}
	}
}
