package catalog

import (
	"strings"
	"testing"
)

func TestMarkdownRows(t *testing.T) {
	tests := []struct {
		name  string
		entry Entry
		// row is the table row the entry must render as.
		row string
	}{
		{
			name: "psp template with parameters and two fields",
			entry: Entry{
				Group: PSPGroup, Dir: PSPGroup + "/host-namespaces", Kind: "K8sPSPHostNamespace",
				Title: "Host Namespaces", Version: "1.0.0", Description: "Refuses host namespaces.",
				PSPField: "hostPID, hostIPC", Parameters: []string{"exemptImages"},
			},
			row: "| [Host Namespaces](pod-security-policy/host-namespaces/) | `K8sPSPHostNamespace` | 1.0.0 | Refuses host namespaces. | `exemptImages` | `hostPID`, `hostIPC` |",
		},
		{
			name: "general template without parameters, pipe and angle brackets escaped",
			entry: Entry{
				Group: "general", Dir: "general/x", Kind: "K8sX",
				Title: "X", Version: "1.0.0", Description: "a | b <c>",
			},
			row: "| [X](general/x/) | `K8sX` | 1.0.0 | a \\| b &lt;c&gt; | - |",
		},
		{
			name: "psp field given as prose",
			entry: Entry{
				Group: PSPGroup, Dir: PSPGroup + "/p", Kind: "K8sPSPP", Title: "P", Version: "1.0.0",
				Description: "d", PSPField: "none (baseline: Probes)",
			},
			row: "| [P](pod-security-policy/p/) | `K8sPSPP` | 1.0.0 | d | - | none (baseline: Probes) |",
		},
		{
			name:  "missing annotations render as dashes",
			entry: Entry{Group: "general", Dir: "general/y", Kind: "K8sY"},
			row:   "| [-](general/y/) | `K8sY` | - | - | - |",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(Markdown([]Entry{tt.entry}))
			if !containsLine(got, tt.row) {
				t.Errorf("row not found\nwant: %s\ngot:\n%s", tt.row, got)
			}
		})
	}
}

func TestMarkdownGroupsSortedWithPSPColumnOnlyForPSP(t *testing.T) {
	got := string(Markdown([]Entry{
		{Group: PSPGroup, Dir: PSPGroup + "/b", Kind: "B"},
		{Group: "general", Dir: "general/z", Kind: "Z"},
		{Group: PSPGroup, Dir: PSPGroup + "/a", Kind: "A"},
	}))
	general := strings.Index(got, "## general")
	psp := strings.Index(got, "## "+PSPGroup)
	if general < 0 || psp < 0 || general > psp {
		t.Fatalf("want ## general before ## %s, got:\n%s", PSPGroup, got)
	}
	if strings.Index(got, "`A`") > strings.Index(got, "`B`") {
		t.Errorf("rows not in directory order:\n%s", got)
	}
	if strings.Count(got, "Replaces PSP field") != 1 || strings.Index(got, "Replaces PSP field") < psp {
		t.Errorf("want the PSP column only in the %s table:\n%s", PSPGroup, got)
	}
}

func containsLine(text, line string) bool {
	for _, l := range strings.Split(text, "\n") {
		if l == line {
			return true
		}
	}
	return false
}
