package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/portcullis-dev/portcullis/test/certs"
)

// Names the shipped manifest uses.
const (
	systemNamespace = "gatekeeper-system"
	serviceAccount  = "gatekeeper-admin"
	webhookConfig   = "gatekeeper-validating-webhook-configuration"
	// managerPod is the pod name the out-of-cluster manager reports.
	managerPod = "e2e-manager"
)

// serviceAccountKubeconfig writes a kubeconfig that authenticates as
// gatekeeper-system/gatekeeper-admin with a token from `kubectl create token`.
func serviceAccountKubeconfig(t *testing.T, admin kube, cfg *rest.Config) string {
	t.Helper()
	token := strings.TrimSpace(admin.must(t, "", "create", "token", serviceAccount, "-n", systemNamespace, "--duration=2h"))
	ca := cfg.CAData
	if len(ca) == 0 && cfg.CAFile != "" {
		var err error
		if ca, err = os.ReadFile(cfg.CAFile); err != nil {
			t.Fatal(err)
		}
	}
	kc := clientcmdapi.NewConfig()
	kc.Clusters["e2e"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: ca}
	kc.AuthInfos[serviceAccount] = &clientcmdapi.AuthInfo{Token: token}
	kc.Contexts["e2e"] = &clientcmdapi.Context{Cluster: "e2e", AuthInfo: serviceAccount, Namespace: systemNamespace}
	kc.CurrentContext = "e2e"
	path := filepath.Join(t.TempDir(), "gatekeeper-admin.kubeconfig")
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// servingCert writes a self-signed certificate for 127.0.0.1 as tls.crt and
// tls.key into a new directory and returns it with the PEM certificate.
func servingCert(t *testing.T) (dir string, caPEM []byte) {
	t.Helper()
	dir = t.TempDir()
	caPEM, err := certs.WriteServing(dir)
	if err != nil {
		t.Fatal(err)
	}
	return dir, caPEM
}

// freePort is a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// shippedArgs are the manager arguments of a Deployment in
// deploy/gatekeeper.yaml, without the leading "manager".
func shippedArgs(t *testing.T, deployment string) []string {
	t.Helper()
	var d appsv1.Deployment
	readManifest(t).get(t, "Deployment/"+deployment, &d)
	args := d.Spec.Template.Spec.Containers[0].Args
	if len(args) == 0 || args[0] != "manager" {
		t.Fatalf("%s does not run `portcullis manager`: %q", deployment, args)
	}
	return args[1:]
}

// podFromDeployment is a Pod with the template of a shipped Deployment, as
// YAML.
func podFromDeployment(t *testing.T, deployment string) string {
	t.Helper()
	var d appsv1.Deployment
	readManifest(t).get(t, "Deployment/"+deployment, &d)
	pod := corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: deployment + "-probe", Namespace: d.Namespace, Labels: d.Spec.Template.Labels},
		Spec:       d.Spec.Template.Spec,
	}
	b, err := json.Marshal(pod)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// managerArgs runs the webhook Deployment's and the audit Deployment's roles
// in one process, with the shipped flags, then the out-of-cluster overrides.
func managerArgs(t *testing.T, kubeconfig, certDir string, port, healthPort int) []string {
	t.Helper()
	args := shippedArgs(t, "gatekeeper-controller-manager")
	for _, a := range shippedArgs(t, "gatekeeper-audit") {
		if !slices.Contains(args, a) && (strings.HasPrefix(a, "--operation=") || a == "--leader-elect") {
			args = append(args, a)
		}
	}
	return append(args,
		"--kubeconfig="+kubeconfig,
		"--namespace="+systemNamespace,
		"--pod-name="+managerPod,
		"--disable-cert-rotation",
		"--cert-dir="+certDir,
		"--host=127.0.0.1",
		fmt.Sprintf("--port=%d", port),
		fmt.Sprintf("--health-probe-bind-address=127.0.0.1:%d", healthPort),
		"--metrics-bind-address=0",
	)
}

// managerProcess is `portcullis manager` running as a child process.
type managerProcess struct {
	cmd  *exec.Cmd
	log  *lockedBuffer
	done chan error
}

// startManager runs the built binary's `manager` with args until stop is
// called or the test ends, and waits until /readyz answers 200 when
// healthPort is not 0.
func startManager(t *testing.T, binary string, args []string, healthPort int) *managerProcess {
	t.Helper()
	p := &managerProcess{log: &lockedBuffer{}, done: make(chan error, 1)}
	p.cmd = exec.Command(binary, append([]string{"manager"}, args...)...)
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start manager: %v", err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() { p.stop(t) })
	if healthPort == 0 {
		return p
	}
	readyz := fmt.Sprintf("http://127.0.0.1:%d/readyz", healthPort)
	eventually(t, "the manager is ready", func() (bool, string) {
		select {
		case err := <-p.done:
			p.done <- err
			t.Fatalf("manager exited early: %v\n%s", err, p.log.String())
		default:
		}
		resp, err := http.Get(readyz)
		if err != nil {
			return false, err.Error()
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, resp.Status
	})
	return p
}

// stop sends SIGTERM, as the kubelet does, and waits for a clean exit.
func (p *managerProcess) stop(t *testing.T) {
	t.Helper()
	if p.cmd.ProcessState != nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		if err != nil {
			t.Errorf("manager exited with %v; log:\n%s", err, p.log.String())
		}
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		t.Errorf("manager ignored SIGTERM for 30s; log:\n%s", p.log.String())
	}
}

// forbidden lists the log lines where the API server refused the manager.
func (p *managerProcess) forbidden() []string {
	var out []string
	for _, line := range strings.Split(p.log.String(), "\n") {
		if strings.Contains(strings.ToLower(line), "forbidden") {
			out = append(out, line)
		}
	}
	return out
}

// lockedBuffer is a bytes.Buffer safe for the process's writers and the test.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// buildBinary builds cmd/portcullis into a temporary directory, or returns
// $PORTCULLIS_E2E_BINARY when set (to try a binary built elsewhere).
func buildBinary(t *testing.T) string {
	t.Helper()
	if prebuilt := os.Getenv("PORTCULLIS_E2E_BINARY"); prebuilt != "" {
		return prebuilt
	}
	out := filepath.Join(t.TempDir(), "portcullis")
	cmd := exec.Command("go", "build", "-o", out, "./cmd/portcullis")
	cmd.Dir = repoRoot(t)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/portcullis: %v\n%s", err, b)
	}
	return out
}

// rotationArgs run the webhook Deployment's flags as shipped, certificate
// rotation on, with only what running out of cluster needs changed.
func rotationArgs(t *testing.T, kubeconfig string) []string {
	t.Helper()
	return append(shippedArgs(t, "gatekeeper-controller-manager"),
		"--kubeconfig="+kubeconfig,
		"--namespace="+systemNamespace,
		"--pod-name=e2e-rotator",
		"--cert-dir="+t.TempDir(),
		"--host=127.0.0.1",
		fmt.Sprintf("--port=%d", freePort(t)),
		"--health-probe-bind-address=0",
		"--metrics-bind-address=0",
	)
}

// pointWebhooksAt makes both shipped webhooks call url (+ their path) with
// caPEM, as if the Service resolved to the local manager.
func pointWebhooksAt(t *testing.T, admin kube, url string, caPEM []byte) {
	t.Helper()
	ca := base64.StdEncoding.EncodeToString(caPEM)
	var patch []map[string]any
	for i, path := range []string{"/v1/admit", "/v1/admitlabel"} {
		patch = append(patch,
			map[string]any{"op": "test", "path": fmt.Sprintf("/webhooks/%d/clientConfig/service/path", i), "value": path},
			map[string]any{"op": "replace", "path": fmt.Sprintf("/webhooks/%d/clientConfig", i),
				"value": map[string]any{"url": url + path, "caBundle": ca}})
	}
	b, err := json.Marshal(patch)
	if err != nil {
		t.Fatal(err)
	}
	admin.must(t, "", "patch", "validatingwebhookconfiguration", webhookConfig, "--type=json", "-p", string(b))
}
