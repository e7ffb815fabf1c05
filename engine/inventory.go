package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Roots of data.inventory, as store paths.
var (
	clusterRoot   = storage.Path{"inventory", "cluster"}
	namespaceRoot = storage.Path{"inventory", "namespace"}
)

// newInventoryStore returns an in-memory store holding Rego values, with
// data.inventory.cluster and data.inventory.namespace present and empty.
func newInventoryStore() storage.Store {
	return inmem.NewFromObjectWithOpts(map[string]any{
		"inventory": map[string]any{
			"cluster":   map[string]any{},
			"namespace": map[string]any{},
		},
	}, inmem.OptReturnASTValuesOnRead(true), inmem.OptRoundTripOnWrite(false))
}

// inventoryPath is where obj lives under data:
// inventory.cluster[groupVersion][kind][name] or
// inventory.namespace[namespace][groupVersion][kind][name].
func inventoryPath(obj map[string]any) (storage.Path, error) {
	apiVersion, err := nestedString(obj, "apiVersion")
	if err != nil {
		return nil, err
	}
	kind, err := nestedString(obj, "kind")
	if err != nil {
		return nil, err
	}
	name, err := nestedString(obj, "metadata", "name")
	if err != nil {
		return nil, err
	}
	ns, err := nestedString(obj, "metadata", "namespace")
	if err != nil {
		return nil, err
	}
	if apiVersion == "" || kind == "" || name == "" {
		return nil, errors.New("apiVersion, kind and metadata.name are required")
	}
	if ns == "" {
		return append(clone(clusterRoot), apiVersion, kind, name), nil
	}
	return storage.Path{"inventory", "namespace", ns, apiVersion, kind, name}, nil
}

// AddInventory adds or replaces one synced object under data.inventory.
func (e *Engine) AddInventory(obj map[string]any) error {
	path, err := inventoryPath(obj)
	if err != nil {
		return fmt.Errorf("add inventory: %w", err)
	}
	value, err := ast.InterfaceToValue(obj)
	if err != nil {
		return fmt.Errorf("add inventory %v: %w", path, err)
	}
	return e.writeInventory(func(ctx context.Context, txn storage.Transaction) error {
		if err := storage.MakeDir(ctx, e.store, txn, path[:len(path)-1]); err != nil {
			return err
		}
		return e.store.Write(ctx, txn, storage.AddOp, path, value)
	})
}

// RemoveInventory removes one synced object from data.inventory. Removing
// an absent object is a no-op.
func (e *Engine) RemoveInventory(obj map[string]any) error {
	path, err := inventoryPath(obj)
	if err != nil {
		return fmt.Errorf("remove inventory: %w", err)
	}
	return e.writeInventory(func(ctx context.Context, txn storage.Transaction) error {
		return e.removeAndPrune(ctx, txn, path)
	})
}

// ClearInventoryKind removes every synced object of one group, version and
// kind, in all namespaces; used when a kind stops being synced.
func (e *Engine) ClearInventoryKind(gvk schema.GroupVersionKind) error {
	gv, kind := gvk.GroupVersion().String(), gvk.Kind
	return e.writeInventory(func(ctx context.Context, txn storage.Transaction) error {
		if err := e.removeAndPrune(ctx, txn, append(clone(clusterRoot), gv, kind)); err != nil {
			return err
		}
		namespaces, err := e.store.Read(ctx, txn, namespaceRoot)
		if err != nil {
			return err
		}
		obj, ok := namespaces.(ast.Object)
		if !ok {
			return fmt.Errorf("data.inventory.namespace is %T, not an object", namespaces)
		}
		for _, ns := range obj.Keys() {
			name, ok := ns.Value.(ast.String)
			if !ok {
				continue
			}
			path := append(clone(namespaceRoot), string(name), gv, kind)
			if err := e.removeAndPrune(ctx, txn, path); err != nil {
				return err
			}
		}
		return nil
	})
}

func (e *Engine) writeInventory(f func(context.Context, storage.Transaction) error) error {
	ctx := context.Background()
	txn, err := e.store.NewTransaction(ctx, storage.WriteParams)
	if err != nil {
		return fmt.Errorf("inventory transaction: %w", err)
	}
	if err := f(ctx, txn); err != nil {
		e.store.Abort(ctx, txn)
		return fmt.Errorf("write inventory: %w", err)
	}
	if err := e.store.Commit(ctx, txn); err != nil {
		return fmt.Errorf("commit inventory: %w", err)
	}
	return nil
}

// removeAndPrune removes path, then every parent left empty, stopping at
// the cluster and namespace roots. An absent path is not an error.
func (e *Engine) removeAndPrune(ctx context.Context, txn storage.Transaction, path storage.Path) error {
	if err := e.store.Write(ctx, txn, storage.RemoveOp, path, nil); err != nil {
		if storage.IsNotFound(err) {
			return nil
		}
		return err
	}
	for parent := path[:len(path)-1]; len(parent) > len(clusterRoot); parent = parent[:len(parent)-1] {
		v, err := e.store.Read(ctx, txn, parent)
		if err != nil {
			return err
		}
		if obj, ok := v.(ast.Object); !ok || obj.Len() > 0 {
			return nil
		}
		if err := e.store.Write(ctx, txn, storage.RemoveOp, parent, nil); err != nil {
			return err
		}
	}
	return nil
}

func clone(p storage.Path) storage.Path {
	return append(storage.Path(nil), p...)
}
