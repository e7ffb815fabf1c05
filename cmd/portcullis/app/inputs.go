package app

import (
	"fmt"
	"io"

	"github.com/portcullis-dev/portcullis/engine"
	"github.com/portcullis-dev/portcullis/engine/load"
	"github.com/portcullis-dev/portcullis/engine/suite"
)

// inputs are documents sorted the way `test` and `bench` use them. Suite
// documents are dropped.
type inputs struct {
	templates   []load.Document
	constraints []load.Document
	// objects are every other document: reviewed, and put in the inventory.
	objects []load.Document
}

// readInputs reads the -f paths and, when library is set, the templates and
// constraints found under it (its other documents are ignored).
func readInputs(files []string, library string, stdin io.Reader) (*inputs, error) {
	if len(files) == 0 {
		return nil, fmt.Errorf("no input: give at least one -f FILE, DIR or -")
	}
	docs, err := load.ReadPaths(files, stdin)
	if err != nil {
		return nil, err
	}
	in := &inputs{}
	if library != "" {
		lib, err := load.ReadPaths([]string{library}, nil)
		if err != nil {
			return nil, err
		}
		for _, d := range lib {
			if load.IsTemplate(d.Object) || load.IsConstraint(d.Object) {
				in.add(d)
			}
		}
	}
	for _, d := range docs {
		in.add(d)
	}
	return in, nil
}

func (in *inputs) add(d load.Document) {
	group, kind := load.GroupKind(d.Object)
	switch {
	case group == suite.Group && kind == suite.Kind:
		// Test suites next to policies are not objects to review.
	case load.IsTemplate(d.Object):
		in.templates = append(in.templates, d)
	case load.IsConstraint(d.Object):
		in.constraints = append(in.constraints, d)
	default:
		in.objects = append(in.objects, d)
	}
}

// addTemplates compiles every template into eng.
func addTemplates(eng *engine.Engine, docs []load.Document) error {
	for i := range docs {
		t, err := load.Template(&docs[i])
		if err != nil {
			return err
		}
		if err := eng.AddTemplate(t); err != nil {
			return load.TemplateErr(&docs[i], err)
		}
	}
	return nil
}

// addConstraints adds every constraint to eng; their templates must be in.
func addConstraints(eng *engine.Engine, docs []load.Document) error {
	for i := range docs {
		c, err := load.Constraint(&docs[i])
		if err != nil {
			return err
		}
		if err := eng.AddConstraint(c); err != nil {
			return docs[i].Wrap(err)
		}
	}
	return nil
}

// addInventory puts every object into data.inventory, as gator does, and
// indexes the Namespaces among them for namespaceSelector. Objects without
// metadata.name (generateName only) are reviewed but cannot be stored.
func addInventory(eng *engine.Engine, docs []load.Document) (load.Namespaces, error) {
	nss := load.Namespaces{}
	for i := range docs {
		if load.IsAdmissionReview(docs[i].Object) {
			continue
		}
		if err := nss.Add(&docs[i]); err != nil {
			return nil, err
		}
		if _, name := load.Metadata(docs[i].Object); name == "" {
			continue
		}
		if err := eng.AddInventory(docs[i].Object); err != nil {
			return nil, docs[i].Wrap(fmt.Errorf("adding to inventory: %w", err))
		}
	}
	return nss, nil
}
