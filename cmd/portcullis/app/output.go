package app

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"sigs.k8s.io/yaml"

	"github.com/portcullis-dev/portcullis/engine"
	"github.com/portcullis-dev/portcullis/engine/load"
)

// Output formats of `test` and `bench`.
const (
	formatTable = "table"
	formatJSON  = "json"
	formatYAML  = "yaml"
)

func parseFormat(s string) (string, error) {
	switch strings.ToLower(s) {
	case "", formatTable:
		return formatTable, nil
	case formatJSON, formatYAML:
		return strings.ToLower(s), nil
	}
	return "", fmt.Errorf("unknown output format %q (want table, json or yaml)", s)
}

// violation is one line of `test` output.
type violation struct {
	Resource          resourceRef   `json:"resource"`
	Constraint        constraintRef `json:"constraint"`
	EnforcementAction string        `json:"enforcementAction"`
	Message           string        `json:"message"`
	Details           any           `json:"details,omitempty"`
	// File and Document locate the reviewed object in the inputs.
	File     string `json:"file"`
	Document int    `json:"document"`
}

type resourceRef struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name"`
}

func (r resourceRef) String() string {
	if r.Namespace == "" {
		return r.Kind + "/" + r.Name
	}
	return r.Kind + "/" + r.Namespace + "/" + r.Name
}

type constraintRef struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
}

func (c constraintRef) String() string { return c.Kind + "/" + c.Name }

func constraintRefOf(c *engine.Constraint) constraintRef {
	if c == nil {
		return constraintRef{}
	}
	return constraintRef{Kind: c.Kind, Name: c.Name}
}

func newViolation(doc *load.Document, r engine.Result) violation {
	return violation{
		Resource:          resourceOf(doc.Object),
		Constraint:        constraintRefOf(r.Constraint),
		EnforcementAction: string(r.EnforcementAction),
		Message:           r.Message,
		Details:           r.Details,
		File:              doc.File,
		Document:          doc.Index,
	}
}

// resourceOf names an object; for an AdmissionReview, the object of its
// request.
func resourceOf(obj map[string]any) resourceRef {
	if load.IsAdmissionReview(obj) {
		req, _ := obj["request"].(map[string]any)
		inner, _ := req["object"].(map[string]any)
		if inner == nil {
			inner, _ = req["oldObject"].(map[string]any)
		}
		if inner != nil {
			obj = inner
		}
	}
	apiVersion, _ := obj["apiVersion"].(string)
	_, kind := load.GroupKind(obj)
	namespace, name := load.Metadata(obj)
	return resourceRef{APIVersion: apiVersion, Kind: kind, Namespace: namespace, Name: name}
}

// writeViolations prints violations; a table prints nothing when there are
// none, json and yaml print an empty list.
func writeViolations(w io.Writer, vs []violation, format string) error {
	if vs == nil {
		vs = []violation{}
	}
	switch format {
	case formatJSON:
		return writeJSON(w, vs)
	case formatYAML:
		return writeYAML(w, vs)
	}
	if len(vs) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RESOURCE\tCONSTRAINT\tACTION\tMESSAGE")
	for _, v := range vs {
		msg := strings.ReplaceAll(v.Message, "\n", " ")
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", v.Resource, v.Constraint, v.EnforcementAction, msg)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("writing table: %w", err)
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding JSON: %w", err)
	}
	if _, err := fmt.Fprintf(w, "%s\n", b); err != nil {
		return fmt.Errorf("writing JSON: %w", err)
	}
	return nil
}

func writeYAML(w io.Writer, v any) error {
	b, err := yaml.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding YAML: %w", err)
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("writing YAML: %w", err)
	}
	return nil
}
