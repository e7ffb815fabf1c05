package suite_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/portcullis-dev/portcullis/engine/suite"
)

// Run suites the way `portcullis verify` does and print the report. A
// library test would call t.Fatal instead of printing when Failed is true.
func ExampleRun() {
	report, err := suite.Run(context.Background(), []string{"testdata/pass/protected-hosts"}, suite.Options{
		// A fixed clock keeps this example's output stable.
		Now: func() time.Time { return time.Unix(0, 0) },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := suite.WriteGo(os.Stdout, report, false); err != nil {
		fmt.Println(err)
	}
	fmt.Println("failed:", report.Failed())
	// Output:
	// ok	testdata/pass/protected-hosts/suite.yaml	0.000s
	// PASS
	// failed: false
}

// List every case with its assertions, to check suites for completeness.
func ExampleCases() {
	suites, err := suite.Find([]string{"testdata/fail"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range suite.Cases(suites) {
		fmt.Printf("%s/%s: %d assertions\n", c.Test, c.Case, len(c.Assertions))
	}
	// Output:
	// wrong-expectations/correct-expectation: 1 assertions
	// wrong-expectations/expects-too-few: 1 assertions
	// wrong-expectations/message-does-not-match: 1 assertions
	// wrong-expectations/no-assertions: 0 assertions
	// wrong-expectations/object-file-missing: 1 assertions
	// template-does-not-compile/never-runs: 1 assertions
}
