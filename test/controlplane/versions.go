package controlplane

import (
	"fmt"
	"strings"
	"time"
)

// ModulePath is the Go module path of the Portcullis product module.
const ModulePath = "github.com/portcullis-dev/portcullis"

// Versions names the upstream releases the control plane is built from. They
// must match the pins in test/controlplane/kube/go.mod and
// test/controlplane/etcd/go.mod (a unit test checks this).
type Versions struct {
	// Kubernetes is the k8s.io/kubernetes module version, e.g. "v1.36.4".
	Kubernetes string
	// Etcd is the go.etcd.io/etcd/server/v3 module version, e.g. "v3.6.16".
	Etcd string
}

// DefaultVersions are the versions pinned in this repository.
var DefaultVersions = Versions{Kubernetes: "v1.36.4", Etcd: "v3.6.16"}

// Key is the cache sub-directory name for this set of versions.
func (v Versions) Key() string {
	return "k8s-" + v.Kubernetes + "-etcd-" + v.Etcd
}

// kubeLDFlags returns the -ldflags value that stamps the Kubernetes version
// into kube-apiserver and kubectl, the way upstream release builds do, so that
// `kubectl version` and the /version endpoint report real numbers.
func kubeLDFlags(v Versions, buildDate time.Time) (string, error) {
	major, minor, err := majorMinor(v.Kubernetes)
	if err != nil {
		return "", err
	}
	values := []struct{ name, value string }{
		{"gitVersion", v.Kubernetes},
		{"gitMajor", major},
		{"gitMinor", minor},
		{"gitTreeState", "clean"},
		{"buildDate", buildDate.UTC().Format("2006-01-02T15:04:05Z")},
		// The module proxy does not record the release commit; leave it
		// explicitly empty rather than inventing one.
		{"gitCommit", ""},
	}
	var flags []string
	for _, pkg := range []string{"k8s.io/component-base/version", "k8s.io/client-go/pkg/version"} {
		for _, kv := range values {
			flags = append(flags, fmt.Sprintf("-X '%s.%s=%s'", pkg, kv.name, kv.value))
		}
	}
	return strings.Join(flags, " "), nil
}

// majorMinor splits "v1.36.4" into "1" and "36".
func majorMinor(version string) (string, string, error) {
	parts := strings.SplitN(strings.TrimPrefix(version, "v"), ".", 3)
	if len(parts) < 2 || parts[0] == "" || parts[1] == "" || !strings.HasPrefix(version, "v") {
		return "", "", fmt.Errorf("parse kubernetes version %q: want vMAJOR.MINOR.PATCH", version)
	}
	return parts[0], parts[1], nil
}
