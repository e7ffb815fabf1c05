package controllers

import (
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/portcullis-dev/portcullis/engine"
)

// TemplateEngine is the part of *engine.Engine the template controller uses.
type TemplateEngine interface {
	AddTemplate(t *engine.Template) error
	RemoveTemplate(name string)
}

// ConstraintEngine is the part of *engine.Engine the constraint controllers use.
type ConstraintEngine interface {
	AddConstraint(c *engine.Constraint) error
	RemoveConstraint(kind, name string)
}

// InventoryEngine is the part of *engine.Engine the syncer uses.
type InventoryEngine interface {
	AddInventory(obj map[string]any) error
	RemoveInventory(obj map[string]any) error
	ClearInventoryKind(gvk schema.GroupVersionKind) error
}

var (
	_ TemplateEngine   = (*engine.Engine)(nil)
	_ ConstraintEngine = (*engine.Engine)(nil)
	_ InventoryEngine  = (*engine.Engine)(nil)
)
