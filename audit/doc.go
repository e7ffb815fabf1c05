// Package audit periodically reviews the objects already in the cluster
// against every constraint and records the violations found in each
// constraint's status.
package audit
