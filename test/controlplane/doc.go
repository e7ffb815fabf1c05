// Package controlplane builds and runs the local Kubernetes control plane
// (etcd, kube-apiserver and kubectl) that Portcullis uses for tests and `make run`.
//
// Binaries are compiled from source with the Go toolchain out of the two
// pinned modules under test/controlplane/kube and test/controlplane/etcd, and
// kept in a versioned cache directory outside the repository (see CacheRoot).
// The running control plane is controller-runtime's envtest with a few
// additions: a fixed state directory, a written admin kubeconfig, a /readyz
// wait and recovery of processes left behind by a killed run.
package controlplane
