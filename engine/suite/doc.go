// Package suite finds and runs gator-format test suites (kind Suite,
// apiVersion test.gatekeeper.sh/v1alpha1) against the engine, with no
// Kubernetes client.
//
// It is the single code path behind `portcullis verify` and behind the
// library's own tests. To run suites from Go:
//
//	report, err := suite.Run(ctx, []string{"library/..."}, suite.Options{})
//	if err != nil { ... }          // a path or a Suite file could not be read
//	suite.WriteGo(os.Stdout, report, true) // `go test -v`-style output
//	if report.Failed() { ... }      // some test or case failed
//
// A path names a Suite file, a directory (its Suite files, not recursive) or
// DIR/... (every Suite file below DIR). Files are recognised as suites by
// their apiVersion group and kind, as gator does; other YAML files are
// ignored.
//
// Each Test compiles its template and constraint once into a fresh Engine;
// each Case adds its inventory, reviews its object at
// engine.CLIEnforcementPoint (so every violation counts, whatever the
// constraint's enforcement action) and removes the inventory again.
//
// To check that suites are complete (for example that every case asserts
// something), Find the suites and walk them with Cases.
package suite
