package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/portcullis-dev/portcullis/cmd/portcullis/manager"
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
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "portcullis-e2e"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir = t.TempDir()
	caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	for name, b := range map[string][]byte{"tls.crt": caPEM, "tls.key": keyPEM} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
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

// startManager runs `portcullis manager` in this process with args until
// the returned stop is called, and waits until /readyz answers 200.
func startManager(t *testing.T, args []string, healthPort int) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := manager.NewCommand()
	cmd.SetArgs(args)
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("manager: %v", err)
		}
	}
	t.Cleanup(stop)
	readyz := fmt.Sprintf("http://127.0.0.1:%d/readyz", healthPort)
	eventually(t, "the manager is ready", func() (bool, string) {
		select {
		case err := <-done:
			done <- err
			t.Fatalf("manager exited early: %v", err)
		default:
		}
		resp, err := http.Get(readyz)
		if err != nil {
			return false, err.Error()
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, resp.Status
	})
	return stop
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
