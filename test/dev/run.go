package dev

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"sigs.k8s.io/yaml"

	"github.com/portcullis-dev/portcullis/test/certs"
)

// Options say where everything is. Paths may be relative to the working
// directory.
type Options struct {
	// Kubeconfig reaches the cluster.
	Kubeconfig string
	// Kubectl is the kubectl binary.
	Kubectl string
	// Portcullis is the portcullis binary; its manager subcommand runs.
	Portcullis string
	// RepoDir is the repository root, with config/ and library/.
	RepoDir string
	// StateDir holds certificates and the manager's log.
	StateDir string
	// Library is the template folder to install, relative to RepoDir, with
	// the first sample constraint of each template; empty installs none.
	Library string
	// ManagerArgs are extra flags for the manager.
	ManagerArgs []string
	// Stdout gets progress and the commands to try.
	Stdout io.Writer
}

// Run sets everything up, then waits until ctx ends or the manager exits,
// and removes the webhook registration on the way out so the cluster keeps
// accepting requests without the manager.
func Run(ctx context.Context, o Options) error {
	k := kubectl{bin: o.Kubectl, kubeconfig: o.Kubeconfig}
	server, err := k.output(ctx, "", "config", "view", "--minify", "-o", "jsonpath={.clusters[0].cluster.server}")
	if err != nil {
		return err
	}
	local := isLoopback(server)

	o.step("installing CRDs and the gatekeeper-system namespace")
	if _, err := k.output(ctx, "", "apply", "-f", o.repo("config", "crd", "bases")); err != nil {
		return err
	}
	if _, err := k.output(ctx, "", "apply", "-k", o.repo("config", "namespace")); err != nil {
		return err
	}
	certDir := filepath.Join(o.StateDir, "certs")
	caPEM, err := certs.WriteServing(certDir)
	if err != nil {
		return err
	}
	ports, err := freePorts(3)
	if err != nil {
		return err
	}
	o.step("starting the manager (log: %s)", filepath.Join(o.StateDir, "manager.log"))
	mgr, err := startManager(ctx, o, certDir, ports)
	if err != nil {
		return err
	}
	defer mgr.stop()
	if err := mgr.waitReady(ctx, 2*time.Minute); err != nil {
		return err
	}
	if local {
		o.step("registering the webhooks at https://127.0.0.1:%d", ports[0])
		if err := registerWebhooks(ctx, k, o.repo("config", "webhook", "manifests.yaml"), ports[0], caPEM); err != nil {
			return err
		}
		defer unregisterWebhooks(k)
	} else {
		o.step("cluster %s is not local, so its API server cannot call this process: "+
			"admission is not wired; install deploy/gatekeeper.yaml for that (audit and status run)", server)
	}
	if o.Library != "" {
		n, err := loadLibrary(ctx, k, o.repo(o.Library))
		if err != nil {
			return err
		}
		o.step("loaded %s: %d templates with their sample constraints", o.Library, n)
	}
	o.tryThis()
	select {
	case <-ctx.Done():
		return nil
	case err := <-mgr.exited:
		return fmt.Errorf("manager exited: %w (log: %s)", err, mgr.logPath)
	}
}

func (o Options) repo(parts ...string) string {
	return filepath.Join(append([]string{o.RepoDir}, parts...)...)
}

func (o Options) step(format string, args ...any) {
	fmt.Fprintf(o.Stdout, "portcullis: "+format+"\n", args...)
}

func (o Options) tryThis() {
	k := fmt.Sprintf("%s --kubeconfig %s", o.Kubectl, o.Kubeconfig)
	fmt.Fprintf(o.Stdout, `
Portcullis is running. Try:

  %[1]s run web --image=nginx --privileged
      refused: each broken constraint says why, as [constraint-name] message
  %[1]s get constraints
      every constraint with its ENFORCEMENT-ACTION and TOTAL-VIOLATIONS (audit runs every minute)
  %[2]s verify library/...
      the library's test suites, offline, as in CI

Press Ctrl-C to stop.
`, k, o.Portcullis)
}

// isLoopback reports whether the API server at server is on this machine,
// so that it can call a webhook served here by URL.
func isLoopback(server string) bool {
	u, err := url.Parse(server)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// freePorts returns n loopback ports that were free a moment ago.
func freePorts(n int) ([]int, error) {
	var ports []int
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			_ = l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free port: %w", err)
		}
		listeners = append(listeners, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// manager is the running manager process.
type manager struct {
	cmd       *exec.Cmd
	logPath   string
	readyURL  string
	exited    chan error
	logHandle *os.File
}

// startManager runs `portcullis manager`; ports are webhook, health, metrics.
func startManager(ctx context.Context, o Options, certDir string, ports []int) (*manager, error) {
	logPath := filepath.Join(o.StateDir, "manager.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("create manager log: %w", err)
	}
	args := append([]string{"manager",
		"--kubeconfig", o.Kubeconfig,
		"--disable-cert-rotation", "--cert-dir", certDir,
		"--host", "127.0.0.1", "--port", strconv.Itoa(ports[0]),
		"--health-probe-bind-address", fmt.Sprintf("127.0.0.1:%d", ports[1]),
		"--metrics-bind-address", fmt.Sprintf("127.0.0.1:%d", ports[2]),
		"--exempt-namespace", "gatekeeper-system",
		"--log-development",
	}, o.ManagerArgs...)
	cmd := exec.CommandContext(ctx, o.Portcullis, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 15 * time.Second
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start manager: %w", err)
	}
	m := &manager{cmd: cmd, logPath: logPath, logHandle: logFile, exited: make(chan error, 1),
		readyURL: fmt.Sprintf("http://127.0.0.1:%d/readyz", ports[1])}
	go func() { m.exited <- cmd.Wait() }()
	return m, nil
}

// waitReady polls /readyz until the manager has loaded everything.
func (m *manager) waitReady(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		resp, err := http.Get(m.readyURL) //nolint:noctx // a short poll on loopback
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case err := <-m.exited:
			m.exited <- err
			return fmt.Errorf("manager exited before it was ready: %v (log: %s)", err, m.logPath)
		case <-ctx.Done():
			return fmt.Errorf("manager not ready after %s (log: %s)", timeout, m.logPath)
		case <-tick.C:
		}
	}
}

func (m *manager) stop() {
	if m.cmd.Process != nil {
		_ = m.cmd.Process.Signal(os.Interrupt)
	}
	select {
	case <-m.exited:
	case <-time.After(20 * time.Second):
		_ = m.cmd.Process.Kill()
	}
	m.logHandle.Close()
}

// registerWebhooks applies the shipped webhook configuration with each
// webhook pointed at this machine instead of the in-cluster Service.
func registerWebhooks(ctx context.Context, k kubectl, manifest string, port int, caPEM []byte) error {
	raw, err := os.ReadFile(manifest)
	if err != nil {
		return fmt.Errorf("read webhook configuration: %w", err)
	}
	vwc := &admissionregistrationv1.ValidatingWebhookConfiguration{}
	if err := yaml.UnmarshalStrict(raw, vwc); err != nil {
		return fmt.Errorf("decode %s: %w", manifest, err)
	}
	for i := range vwc.Webhooks {
		cc := &vwc.Webhooks[i].ClientConfig
		if cc.Service == nil || cc.Service.Path == nil {
			return fmt.Errorf("%s: webhook %s has no service path", manifest, vwc.Webhooks[i].Name)
		}
		u := fmt.Sprintf("https://127.0.0.1:%d%s", port, *cc.Service.Path)
		*cc = admissionregistrationv1.WebhookClientConfig{URL: &u, CABundle: caPEM}
	}
	out, err := yaml.Marshal(vwc)
	if err != nil {
		return err
	}
	_, err = k.output(ctx, string(out), "apply", "-f", "-")
	return err
}

func unregisterWebhooks(k kubectl) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, _ = k.output(ctx, "", "delete", "validatingwebhookconfiguration",
		"gatekeeper-validating-webhook-configuration", "--ignore-not-found")
}

// loadLibrary applies the library's templates, then the first sample
// constraint of each, retrying while the constraint CRDs are created.
func loadLibrary(ctx context.Context, k kubectl, dir string) (int, error) {
	if _, err := k.output(ctx, "", "apply", "-k", dir); err != nil {
		return 0, err
	}
	samples, err := sampleConstraints(dir)
	if err != nil {
		return 0, err
	}
	deadline := time.Now().Add(2 * time.Minute)
	for _, s := range samples {
		for {
			_, err := k.output(ctx, "", "apply", "-f", s)
			if err == nil {
				break
			}
			if time.Now().After(deadline) || ctx.Err() != nil {
				return 0, fmt.Errorf("apply sample constraint %s: %w", s, err)
			}
			time.Sleep(500 * time.Millisecond)
		}
	}
	return len(samples), nil
}

// sampleConstraints lists, per template folder below dir, the first
// samples/*/constraint.yaml.
func sampleConstraints(dir string) ([]string, error) {
	templates, err := filepath.Glob(filepath.Join(dir, "*", "template.yaml"))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, t := range templates {
		matches, err := filepath.Glob(filepath.Join(filepath.Dir(t), "samples", "*", "constraint.yaml"))
		if err != nil {
			return nil, err
		}
		sort.Strings(matches)
		if len(matches) > 0 {
			out = append(out, matches[0])
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no sample constraints under %s", dir)
	}
	return out, nil
}

// kubectl runs the project's kubectl against one kubeconfig.
type kubectl struct {
	bin, kubeconfig string
}

func (k kubectl) output(ctx context.Context, stdin string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, k.bin, append([]string{"--kubeconfig", k.kubeconfig}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return out.String(), fmt.Errorf("kubectl %s: %s", strings.Join(args, " "), strings.TrimSpace(out.String()))
		}
		return out.String(), fmt.Errorf("kubectl %s: %w", strings.Join(args, " "), err)
	}
	return out.String(), nil
}
