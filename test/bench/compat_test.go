package bench

import (
	"strings"
	"testing"
)

func TestRewriteImport(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{name: "no import", in: "package a\nviolation[{\"msg\": m}] { m := \"x\" }", want: "package a\nviolation[{\"msg\": m}] { m := \"x\" }"},
		{name: "indented import keeps indentation",
			in: "  package a\n  import rego.v1\n  x if true",
			want: "  package a\n  import future.keywords.if\n  import future.keywords.in\n" +
				"  import future.keywords.contains\n  import future.keywords.every\n  x if true"},
		{name: "other imports untouched", in: "import data.lib.pods\nimport rego.v1x",
			want: "import data.lib.pods\nimport rego.v1x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := rewriteImport(tt.in); got != tt.want {
				t.Errorf("rewriteImport() =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestForGatekeeperLeavesOriginalAlone(t *testing.T) {
	tmpl := map[string]any{"spec": map[string]any{"targets": []any{map[string]any{
		"rego": "package a\nimport rego.v1\n", "libs": []any{"package lib.b\nimport rego.v1\n"},
	}}}}
	got := ForGatekeeper(tmpl)
	target := got["spec"].(map[string]any)["targets"].([]any)[0].(map[string]any)
	for _, src := range []string{target["rego"].(string), target["libs"].([]any)[0].(string)} {
		if strings.Contains(src, "rego.v1") {
			t.Errorf("rewritten source still imports rego.v1:\n%s", src)
		}
	}
	orig := tmpl["spec"].(map[string]any)["targets"].([]any)[0].(map[string]any)["rego"].(string)
	if !strings.Contains(orig, "import rego.v1") {
		t.Error("ForGatekeeper modified its argument")
	}
}
