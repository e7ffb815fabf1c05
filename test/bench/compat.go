package bench

import "strings"

// Gatekeeper v3.23.1 refuses `import rego.v1` in templates (its Rego
// rewriter allows only data.lib and future.keywords imports), while every
// Portcullis library template has it. For Gatekeeper, the benchmark swaps
// that import for the future.keywords imports that enable the same syntax
// (if, contains, in, every) in Rego v0; evaluation is unchanged.
const (
	regoV1Import      = "import rego.v1"
	futureKeywordsFor = "import future.keywords.if\nimport future.keywords.in\n" +
		"import future.keywords.contains\nimport future.keywords.every"
)

// ForGatekeeper returns a deep copy of a template with every `import
// rego.v1` line in its Rego sources replaced as described above.
func ForGatekeeper(template map[string]any) map[string]any {
	out, _ := rewriteStrings(template).(map[string]any)
	return out
}

func rewriteStrings(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = rewriteStrings(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = rewriteStrings(e)
		}
		return out
	case string:
		return rewriteImport(v)
	default:
		return v
	}
}

// rewriteImport replaces whole `import rego.v1` lines, keeping indentation.
func rewriteImport(src string) string {
	if !strings.Contains(src, regoV1Import) {
		return src
	}
	lines := strings.Split(src, "\n")
	for i, line := range lines {
		if strings.TrimSpace(line) != regoV1Import {
			continue
		}
		indent := line[:len(line)-len(strings.TrimLeft(line, " \t"))]
		lines[i] = indent + strings.ReplaceAll(futureKeywordsFor, "\n", "\n"+indent)
	}
	return strings.Join(lines, "\n")
}
