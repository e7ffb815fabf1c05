// Package apis holds Portcullis's Kubernetes API types, one package per
// group and version, and the test that keeps their generated code, CRDs
// and RBAC current.
package apis
