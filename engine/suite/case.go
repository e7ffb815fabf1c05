package suite

import (
	"context"
	"errors"
	"fmt"

	"github.com/portcullis-dev/portcullis/engine"
	"github.com/portcullis-dev/portcullis/engine/load"
)

// runCase reviews a case's object with the test's engine, its inventory
// loaded for the duration of the case only, and checks the assertions.
func runCase(ctx context.Context, eng *engine.Engine, dir string, c *Case) (err error) {
	if c.Object == "" {
		return errors.New("case has no object")
	}
	if len(c.Assertions) == 0 {
		return ErrNoAssertions
	}
	obj, err := readOne(resolve(dir, c.Object))
	if err != nil {
		return err
	}
	inventory, err := readInventory(dir, c.Inventory)
	if err != nil {
		return err
	}
	nss := load.Namespaces{}
	for i := range inventory {
		if err := nss.Add(&inventory[i]); err != nil {
			return err
		}
	}
	if err := addInventory(eng, inventory); err != nil {
		return err
	}
	defer func() {
		if rerr := removeInventory(eng, inventory); rerr != nil && err == nil {
			err = rerr
		}
	}()
	review, err := load.Review(obj, nss)
	if err != nil {
		return err
	}
	resp, err := eng.Review(ctx, review, engine.CLIEnforcementPoint)
	if err != nil {
		return fmt.Errorf("reviewing %s: %w", c.Object, err)
	}
	messages, err := violationMessages(resp)
	if err != nil {
		return err
	}
	return check(c.Assertions, messages)
}

// violationMessages returns the messages of every violation; an evaluation
// error of any constraint fails the case.
func violationMessages(resp *engine.Response) ([]string, error) {
	messages := make([]string, 0, len(resp.Results))
	for _, r := range resp.Results {
		if r.Err != nil {
			return nil, fmt.Errorf("evaluating %s: %w", constraintName(r.Constraint), r.Err)
		}
		messages = append(messages, r.Message)
	}
	return messages, nil
}

func constraintName(c *engine.Constraint) string {
	if c == nil {
		return "constraint"
	}
	return c.Kind + "/" + c.Name
}

func readInventory(dir string, paths []string) ([]load.Document, error) {
	var docs []load.Document
	for _, p := range paths {
		d, err := load.ReadFile(resolve(dir, p))
		if err != nil {
			return nil, err
		}
		if len(d) == 0 {
			return nil, fmt.Errorf("%s: inventory file holds no objects", p)
		}
		docs = append(docs, d...)
	}
	return docs, nil
}

func addInventory(eng *engine.Engine, docs []load.Document) error {
	for i := range docs {
		if err := eng.AddInventory(docs[i].Object); err != nil {
			_ = removeInventory(eng, docs[:i])
			return docs[i].Wrap(fmt.Errorf("adding to inventory: %w", err))
		}
	}
	return nil
}

func removeInventory(eng *engine.Engine, docs []load.Document) error {
	var errs []error
	for i := range docs {
		if err := eng.RemoveInventory(docs[i].Object); err != nil {
			errs = append(errs, docs[i].Wrap(fmt.Errorf("removing from inventory: %w", err)))
		}
	}
	return errors.Join(errs...)
}
