package controllers

import (
	"reflect"
	"sync"

	configv1alpha1 "github.com/portcullis-dev/portcullis/apis/config/v1alpha1"
	"github.com/portcullis-dev/portcullis/engine/match"
)

// NamespaceExcluder answers whether a process (audit, webhook, sync) should
// ignore a namespace, per the Config's spec.match. It is safe for
// concurrent use; the Config controller keeps it current.
type NamespaceExcluder struct {
	mu        sync.RWMutex
	byProcess map[string][]string
	globs     map[string]match.Globs
}

// Set replaces the exclusions with those of entries and reports whether
// they changed. A pattern that is not a valid glob can match no namespace
// name, so it is dropped.
func (e *NamespaceExcluder) Set(entries []configv1alpha1.MatchEntry) bool {
	by := map[string][]string{}
	globs := map[string]match.Globs{}
	for _, m := range entries {
		for _, p := range m.Processes {
			by[p] = append(by[p], m.ExcludedNamespaces...)
			for _, pattern := range m.ExcludedNamespaces {
				if g, err := match.ParseGlob(pattern); err == nil {
					globs[p] = append(globs[p], g)
				}
			}
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if reflect.DeepEqual(by, e.byProcess) {
		return false
	}
	e.byProcess, e.globs = by, globs
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
	return e.globs[process].MatchesAny(namespace) || e.globs[configv1alpha1.ProcessAll].MatchesAny(namespace)
}
