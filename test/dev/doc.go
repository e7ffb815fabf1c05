// Package dev sets up the `make run` experience on a cluster: it installs
// the CRDs, runs the manager with its webhook registered by URL, loads the
// pod-security library with its sample constraints and says what to try.
package dev
