// Package catalog finds the library's ConstraintTemplates and renders the
// catalog of library/README.md from their annotations.
package catalog

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"

	"github.com/portcullis-dev/portcullis/engine"
)

// TemplateFile is the file name every policy directory holds its template in.
const TemplateFile = "template.yaml"

// Annotation keys a library template carries (see library/STYLE.md).
const (
	TitleAnnotation       = "metadata.gatekeeper.sh/title"
	VersionAnnotation     = "metadata.gatekeeper.sh/version"
	DescriptionAnnotation = "description"
	PSPFieldAnnotation    = "portcullis.dev/psp-field"
)

// PSPGroup is the group whose templates replace PodSecurityPolicy fields.
const PSPGroup = "pod-security-policy"

// Entry is one template's row in the catalog.
type Entry struct {
	// Group is the first directory below the library root, e.g. "general".
	Group string
	// Dir is the policy directory relative to the library root, with
	// forward slashes, e.g. "general/required-labels".
	Dir         string
	Kind        string
	Title       string
	Version     string
	Description string
	// PSPField is the PodSecurityPolicy field the template replaces; empty
	// outside the PSP group.
	PSPField string
	// Parameters are the top-level parameter names, sorted.
	Parameters []string
}

// FindTemplates returns the path of every template file below root, sorted.
func FindTemplates(root string) ([]string, error) {
	var paths []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && d.Name() == TemplateFile {
			paths = append(paths, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("finding templates below %s: %w", root, err)
	}
	sort.Strings(paths)
	return paths, nil
}

// NewEntry describes the template t read from path, which lies below root.
func NewEntry(root, path string, t *engine.Template) (Entry, error) {
	rel, err := filepath.Rel(root, filepath.Dir(path))
	if err != nil {
		return Entry{}, fmt.Errorf("locating %s below %s: %w", path, root, err)
	}
	rel = filepath.ToSlash(rel)
	group, _, _ := strings.Cut(rel, "/")
	e := Entry{
		Group:       group,
		Dir:         rel,
		Kind:        t.Kind,
		Title:       t.Annotations[TitleAnnotation],
		Version:     t.Annotations[VersionAnnotation],
		Description: oneLine(t.Annotations[DescriptionAnnotation]),
		PSPField:    t.Annotations[PSPFieldAnnotation],
	}
	if t.ParametersSchema != nil {
		for name := range t.ParametersSchema.Properties {
			e.Parameters = append(e.Parameters, name)
		}
		sort.Strings(e.Parameters)
	}
	return e, nil
}

// oneLine folds a possibly multi-line annotation into one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
