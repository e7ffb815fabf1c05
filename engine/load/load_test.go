package load

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRead(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []Document
		// wantErr is a substring of the error; empty means no error.
		wantErr string
	}{{
		name:  "one document with scalars of every type",
		input: "kind: Pod\ncount: 3\nratio: 0.5\non: true\nnothing: null\nwhen: 2024-01-02\nbig: 99999999999999999999\n",
		want: []Document{{File: "in.yaml", Index: 1, Line: 1, Object: map[string]any{
			"kind": "Pod", "count": int64(3), "ratio": 0.5, "on": true, "nothing": nil,
			"when": "2024-01-02", "big": 1e20,
		}}},
	}, {
		name:  "empty documents are skipped but counted",
		input: "---\na: 1\n---\n---\n# only a comment\n---\nb: [x, y]\n",
		want: []Document{
			{File: "in.yaml", Index: 1, Line: 2, Object: map[string]any{"a": int64(1)}},
			{File: "in.yaml", Index: 4, Line: 7, Object: map[string]any{"b": []any{"x", "y"}}},
		},
	}, {
		name:  "anchors, aliases and merge keys",
		input: "base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\ncopy: *b\n",
		want: []Document{{File: "in.yaml", Index: 1, Line: 1, Object: map[string]any{
			"base": map[string]any{"x": int64(1), "y": int64(2)},
			"use":  map[string]any{"x": int64(1), "y": int64(3)},
			"copy": map[string]any{"x": int64(1), "y": int64(2)},
		}}},
	}, {
		name:  "JSON input",
		input: `{"kind": "Pod", "spec": {"n": [1, 2.5]}}`,
		want: []Document{{File: "in.yaml", Index: 1, Line: 1, Object: map[string]any{
			"kind": "Pod", "spec": map[string]any{"n": []any{int64(1), 2.5}},
		}}},
	}, {
		name:    "syntax error names the document",
		input:   "a: 1\n---\nb: [\n",
		wantErr: "in.yaml: document 2: yaml: line 3",
	}, {
		name:    "a list is not an object",
		input:   "a: 1\n---\n- x\n",
		wantErr: "in.yaml: document 2 (line 3): document is not an object",
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Read(strings.NewReader(tc.input), "in.yaml")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Read() error = %v, want containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Read() error = %v", err)
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(Document{}), cmp.FilterPath(func(p cmp.Path) bool {
				return p.Last().String() == ".root"
			}, cmp.Ignore())); diff != "" {
				t.Errorf("Read() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestErrorUnwraps(t *testing.T) {
	_, err := Read(strings.NewReader("- a\n"), "x.yaml")
	if !errors.Is(err, ErrNotAnObject) {
		t.Fatalf("error %v does not wrap ErrNotAnObject", err)
	}
	var le *Error
	if !errors.As(err, &le) || le.File != "x.yaml" || le.Index != 1 || le.Line != 1 {
		t.Fatalf("error %#v does not locate x.yaml document 1 line 1", err)
	}
}

func TestLineOf(t *testing.T) {
	input := "a: 1\n---\nkind: T\nspec:\n  targets:\n  - target: x\n    rego: |\n      package p\n"
	docs, err := Read(strings.NewReader(input), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	d := docs[1]
	tests := []struct {
		path []string
		want int
	}{
		{nil, 3},
		{[]string{"spec"}, 5},
		{[]string{"spec", "targets", "0", "target"}, 6},
		{[]string{"spec", "targets", "0", "rego"}, 7},
		{[]string{"spec", "targets", "1"}, 0},
		{[]string{"missing", "deeper"}, 0},
	}
	for _, tc := range tests {
		if got := d.LineOf(tc.path...); got != tc.want {
			t.Errorf("LineOf(%q) = %d, want %d", tc.path, got, tc.want)
		}
	}
}

func TestReadPaths(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("b.yaml", "name: b\n")
	write("sub/a.yml", "name: a\n---\nname: a2\n")
	write("sub/c.json", `{"name": "c"}`)
	write("notes.txt", "name: ignored\n")

	docs, err := ReadPaths([]string{dir, "-"}, strings.NewReader("name: stdin\n"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range docs {
		got = append(got, d.Object["name"].(string))
	}
	want := []string{"b", "a", "a2", "c", "stdin"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ReadPaths() names (-want +got):\n%s", diff)
	}
	if docs[4].File != Stdin {
		t.Errorf("stdin document File = %q, want %q", docs[4].File, Stdin)
	}

	if _, err := ReadPaths([]string{filepath.Join(dir, "absent.yaml")}, nil); err == nil {
		t.Error("ReadPaths() of a missing file: want error")
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		obj                        map[string]any
		template, constraint, isNs bool
	}{
		{map[string]any{"apiVersion": "templates.gatekeeper.sh/v1", "kind": "ConstraintTemplate"}, true, false, false},
		{map[string]any{"apiVersion": "constraints.gatekeeper.sh/v1beta1", "kind": "K8sX"}, false, true, false},
		{map[string]any{"apiVersion": "v1", "kind": "Namespace"}, false, false, true},
		{map[string]any{"apiVersion": "apps/v1", "kind": "Namespace"}, false, false, false},
	}
	for _, tc := range tests {
		if IsTemplate(tc.obj) != tc.template || IsConstraint(tc.obj) != tc.constraint || IsNamespace(tc.obj) != tc.isNs {
			t.Errorf("classification of %v wrong", tc.obj)
		}
	}
}

func TestReadList(t *testing.T) {
	input := `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata: {name: a}
- apiVersion: v1
  kind: Pod
  metadata: {name: b}
---
apiVersion: example.com/v1
kind: ShoppingList
items: [milk, eggs]
`
	docs, err := Read(strings.NewReader(input), "l.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range docs {
		_, name := Metadata(d.Object)
		got = append(got, fmt.Sprintf("%d/%d@%d %v %s", d.Index, d.Item, d.Line, d.Object["kind"], name))
	}
	want := []string{"1/1@4 Pod a", "1/2@7 Pod b", "2/0@11 ShoppingList "}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("documents (-want +got):\n%s", diff)
	}
	if err := docs[1].Errorf("bad"); err.Error() != "l.yaml: document 1 item 2 (line 7): bad" {
		t.Errorf("item error = %q", err)
	}
	if docs[1].LineOf("metadata", "name") != 9 {
		t.Errorf("LineOf in an item = %d, want 9", docs[1].LineOf("metadata", "name"))
	}
}
