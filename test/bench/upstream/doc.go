// Package upstream only pins the upstream Gatekeeper release whose gator and
// manager binaries the side-by-side benchmarks build (see the tool lines of
// go.mod). It has no code of its own.
package upstream
