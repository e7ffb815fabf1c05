package controllers

import (
	"reflect"
	"strings"
	"sync"

	configv1alpha1 "github.com/portcullis-dev/portcullis/apis/config/v1alpha1"
)

// NamespaceExcluder answers whether a process (audit, webhook, sync) should
// ignore a namespace, per the Config's spec.match. It is safe for
// concurrent use; the Config controller keeps it current.
type NamespaceExcluder struct {
	mu        sync.RWMutex
	byProcess map[string][]string
}

// Set replaces the exclusions with those of entries and reports whether
// they changed.
func (e *NamespaceExcluder) Set(entries []configv1alpha1.MatchEntry) bool {
	by := map[string][]string{}
	for _, m := range entries {
		for _, p := range m.Processes {
			by[p] = append(by[p], m.ExcludedNamespaces...)
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if reflect.DeepEqual(by, e.byProcess) {
		return false
	}
	e.byProcess = by
	return true
}

// IsExcluded reports whether process ignores namespace. Cluster-scoped
// objects (namespace "") are never excluded.
func (e *NamespaceExcluder) IsExcluded(process, namespace string) bool {
	if namespace == "" {
		return false
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	for _, p := range []string{process, configv1alpha1.ProcessAll} {
		for _, pattern := range e.byProcess[p] {
			if globMatch(pattern, namespace) {
				return true
			}
		}
	}
	return false
}

// globMatch matches name against a pattern that may start and/or end with
// "*" ("kube-*", "*-system", "*test*").
func globMatch(pattern, name string) bool {
	prefix := strings.HasSuffix(pattern, "*")
	suffix := strings.HasPrefix(pattern, "*")
	core := strings.TrimSuffix(strings.TrimPrefix(pattern, "*"), "*")
	switch {
	case pattern == "*":
		return true
	case prefix && suffix:
		return strings.Contains(name, core)
	case prefix:
		return strings.HasPrefix(name, core)
	case suffix:
		return strings.HasSuffix(name, core)
	default:
		return name == pattern
	}
}
