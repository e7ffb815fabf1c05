package e2e

import (
	"flag"
	"os"
	"testing"

	"github.com/portcullis-dev/portcullis/test/envtest"
)

var update = flag.Bool("update", false, "rewrite deploy/gatekeeper.yaml from config/default")

var env *envtest.Env

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(envtest.RunMain(m, &env))
}
