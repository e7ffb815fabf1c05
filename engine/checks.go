package engine

import (
	"sort"

	"github.com/open-policy-agent/opa/v1/ast"
)

var (
	libRoot       = ast.DefaultRootRef.Append(ast.StringTerm("lib"))
	inventoryRoot = ast.DefaultRootRef.Append(ast.StringTerm("inventory"))
	violationVar  = ast.Var("violation")
)

// checkModules applies Portcullis's rules to a template's parsed modules:
// where packages may live, that violation is defined, and which parts of
// data the template may read.
func checkModules(entry *ast.Module, modules map[string]*ast.Module) ast.Errors {
	var errs ast.Errors
	errs = append(errs, checkEntryPackage(entry)...)
	errs = append(errs, checkViolation(entry)...)
	names := make([]string, 0, len(modules))
	for name := range modules {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		m := modules[name]
		if m != entry {
			errs = append(errs, checkLibPackage(m)...)
		}
		errs = append(errs, checkDataRefs(m, entry.Package.Path)...)
	}
	return errs
}

func checkEntryPackage(entry *ast.Module) ast.Errors {
	path := entry.Package.Path
	switch {
	case path.HasPrefix(libRoot):
		return ast.Errors{ast.NewError(ast.CompileErr, entry.Package.Location,
			"entry module package %v must not be under data.lib (that is for libs)", path)}
	case path.HasPrefix(inventoryRoot):
		return ast.Errors{ast.NewError(ast.CompileErr, entry.Package.Location,
			"entry module package %v must not be under data.inventory (that is the synced inventory)", path)}
	}
	return nil
}

func checkLibPackage(m *ast.Module) ast.Errors {
	path := m.Package.Path
	if len(path) < 3 || !path.HasPrefix(libRoot) {
		return ast.Errors{ast.NewError(ast.CompileErr, m.Package.Location,
			"lib package %v must be under lib. (for example: package lib.helpers)", path)}
	}
	return nil
}

// checkViolation requires a partial set rule named violation.
func checkViolation(entry *ast.Module) ast.Errors {
	found := false
	var errs ast.Errors
	for _, rule := range entry.Rules {
		ref := rule.Head.Ref()
		if len(ref) == 0 || ref[0].Value.Compare(violationVar) != 0 {
			continue
		}
		if len(ref) != 1 || len(rule.Head.Args) > 0 || rule.Head.RuleKind() != ast.MultiValue {
			errs = append(errs, ast.NewError(ast.CompileErr, rule.Location,
				"violation must be a partial set rule, e.g. violation[{\"msg\": msg}] { ... }"))
			continue
		}
		found = true
	}
	if !found && len(errs) == 0 {
		errs = append(errs, ast.NewError(ast.CompileErr, entry.Package.Location,
			"entry module %v must define the rule violation", entry.Package.Path))
	}
	return errs
}

// checkDataRefs keeps a template to data.inventory, data.lib and its own
// package, so that no template can read another's rules.
func checkDataRefs(m *ast.Module, own ast.Ref) ast.Errors {
	var errs ast.Errors
	visit := func(ref ast.Ref) bool {
		if !ref[0].Equal(ast.DefaultRootDocument) {
			return false
		}
		if allowedDataRef(ref, own) {
			return false
		}
		errs = append(errs, ast.NewError(ast.CompileErr, ref[0].Location,
			"template may read only data.inventory, data.lib and its own package %v; found %v", own, ref))
		return false
	}
	for _, imp := range m.Imports {
		if ref, ok := imp.Path.Value.(ast.Ref); ok {
			visit(ref)
		}
	}
	for _, rule := range m.Rules {
		ast.WalkRefs(rule, visit)
	}
	return errs
}

func allowedDataRef(ref ast.Ref, own ast.Ref) bool {
	if len(ref) < 2 {
		return false
	}
	if _, ok := ref[1].Value.(ast.String); !ok {
		return false
	}
	if ref.HasPrefix(libRoot) || ref.HasPrefix(inventoryRoot) {
		return true
	}
	// Own package: the ref must agree with own on every constant term it
	// shares with it.
	for i := 1; i < len(ref) && i < len(own); i++ {
		if _, ok := ref[i].Value.(ast.String); !ok {
			return false
		}
		if !ref[i].Equal(own[i]) {
			return false
		}
	}
	return true
}
