package controllers

// Permissions the manager needs beyond its controllers' own, for
// controller-gen's rbac generator.

// +kubebuilder:rbac:groups=coordination.k8s.io,resources=leases,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch
