package catalog

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
)

// header opens the generated README; the tables follow, one per group.
const header = `# Portcullis policy library

ConstraintTemplates ready to install with ` + "`kubectl apply -k library/<group>`" + `, each with sample
constraints, example objects and a gator-format ` + "`suite.yaml`" + ` (run them with
` + "`portcullis verify library/...`" + `). How templates are written: [STYLE.md](STYLE.md).

<!-- Generated from the templates' annotations by ` + "`go test ./library -update`" + `; do not edit. -->
`

// Markdown renders the catalog: the header, then one table per group in
// name order, rows in directory order. Templates of the PSP group get a
// column for the PodSecurityPolicy field they replace.
func Markdown(entries []Entry) []byte {
	groups := map[string][]Entry{}
	for _, e := range entries {
		groups[e.Group] = append(groups[e.Group], e)
	}
	names := make([]string, 0, len(groups))
	for g := range groups {
		names = append(names, g)
	}
	sort.Strings(names)

	var b bytes.Buffer
	b.WriteString(header)
	for _, g := range names {
		rows := groups[g]
		sort.Slice(rows, func(i, j int) bool { return rows[i].Dir < rows[j].Dir })
		writeTable(&b, g, rows)
	}
	return b.Bytes()
}

func writeTable(b *bytes.Buffer, group string, rows []Entry) {
	psp := group == PSPGroup
	fmt.Fprintf(b, "\n## %s\n\n", group)
	b.WriteString("| Policy | Kind | Version | What it checks | Parameters |")
	if psp {
		b.WriteString(" Replaces PSP field |")
	}
	b.WriteString("\n|---|---|---|---|---|")
	if psp {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, e := range rows {
		fmt.Fprintf(b, "| [%s](%s/) | `%s` | %s | %s | %s |",
			cell(e.Title), e.Dir, e.Kind, cell(e.Version), cell(e.Description), codeList(e.Parameters))
		if psp {
			fmt.Fprintf(b, " %s |", fieldList(e.PSPField))
		}
		b.WriteString("\n")
	}
}

// cellEscaper keeps text from breaking the table or turning into HTML.
var cellEscaper = strings.NewReplacer("|", `\|`, "<", "&lt;", ">", "&gt;")

// cell escapes text for a table cell.
func cell(s string) string {
	if s == "" {
		return "-"
	}
	return cellEscaper.Replace(s)
}

// codeList renders names as inline code, comma-separated; "-" when empty.
func codeList(names []string) string {
	if len(names) == 0 {
		return "-"
	}
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = "`" + n + "`"
	}
	return strings.Join(parts, ", ")
}

// splitList splits a comma-separated annotation value.
func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// fieldList renders a PSP field annotation: field names as inline code,
// prose (anything with a space, such as "none (...)") as plain text.
func fieldList(s string) string {
	parts := splitList(s)
	if len(parts) == 0 {
		return "-"
	}
	for i, p := range parts {
		if strings.Contains(p, " ") {
			parts[i] = cell(p)
		} else {
			parts[i] = "`" + p + "`"
		}
	}
	return strings.Join(parts, ", ")
}
