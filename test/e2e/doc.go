// Package e2e installs deploy/gatekeeper.yaml on a real API server and walks
// the user journeys with the project's kubectl, the manager running out of
// cluster as the gatekeeper-admin service account. Everything is in tests.
package e2e
