package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Processes a Config match entry can exclude namespaces from.
const (
	ProcessAudit   = "audit"
	ProcessWebhook = "webhook"
	ProcessSync    = "sync"
	// ProcessAll stands for every process.
	ProcessAll = "*"
)

// ConfigName is the only Config object name the manager reads.
const ConfigName = "config"

// ConfigSpec configures sync, namespace exclusion and tracing.
type ConfigSpec struct {
	// Sync lists the kinds copied into data.inventory.
	Sync Sync `json:"sync,omitempty"`
	// Validation configures request tracing.
	Validation Validation `json:"validation,omitempty"`
	// Match excludes namespaces from some or all processes.
	Match []MatchEntry `json:"match,omitempty"`
	// Readiness configures readiness reporting.
	Readiness ReadinessSpec `json:"readiness,omitempty"`
}

// Sync lists the kinds copied into data.inventory.
type Sync struct {
	SyncOnly []SyncOnlyEntry `json:"syncOnly,omitempty"`
}

// SyncOnlyEntry is one kind to sync; group is empty for the core group.
type SyncOnlyEntry struct {
	Group   string `json:"group,omitempty"`
	Version string `json:"version,omitempty"`
	Kind    string `json:"kind,omitempty"`
}

// MatchEntry excludes namespaces from the listed processes.
type MatchEntry struct {
	// ExcludedNamespaces are names or globs with "*" at either end,
	// such as "kube-*" or "*-system".
	ExcludedNamespaces []string `json:"excludedNamespaces,omitempty"`
	// Processes are audit, webhook, sync or "*" for all.
	Processes []string `json:"processes,omitempty"`
}

// Validation configures request tracing.
type Validation struct {
	Traces []Trace `json:"traces,omitempty"`
}

// Trace turns on Rego tracing for requests by one user on one kind.
type Trace struct {
	User string   `json:"user,omitempty"`
	Kind TraceGVK `json:"kind,omitempty"`
	// Dump is "All" to also log the engine's state.
	Dump string `json:"dump,omitempty"`
}

// TraceGVK names a kind to trace.
type TraceGVK struct {
	Group   string `json:"group,omitempty"`
	Version string `json:"version,omitempty"`
	Kind    string `json:"kind,omitempty"`
}

// ReadinessSpec configures readiness reporting.
type ReadinessSpec struct {
	StatsEnabled bool `json:"statsEnabled,omitempty"`
}

// ConfigStatus is reserved; the manager writes nothing here yet.
type ConfigStatus struct{}

// Config chooses what is synced into data.inventory and which namespaces
// each process ignores. Only the object named "config" in the manager's
// namespace is read.
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Namespaced
type Config struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   ConfigSpec   `json:"spec,omitempty"`
	Status ConfigStatus `json:"status,omitempty"`
}

// ConfigList is a list of Configs.
// +kubebuilder:object:root=true
type ConfigList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Config `json:"items"`
}

func init() {
	SchemeBuilder.Register(&Config{}, &ConfigList{})
}
