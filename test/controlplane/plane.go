package controlplane

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"k8s.io/client-go/rest"
	crenvtest "sigs.k8s.io/controller-runtime/pkg/envtest"
)

// ErrPortInUse means the requested API server port is taken.
var ErrPortInUse = errors.New("port already in use")

// Options configure a control plane started by Start.
type Options struct {
	// BinDir holds etcd, kube-apiserver and kubectl (see BinDir).
	BinDir string
	// StateDir keeps etcd data, certificates, logs, the pid file and the
	// admin kubeconfig. Empty means a temporary directory removed by Stop.
	// Whatever a previous run left there is stopped and wiped first.
	StateDir string
	// APIServerPort is the loopback port for the API server; 0 picks a free one.
	APIServerPort int
	// CRDPaths are files or directories of CRDs to install after start.
	CRDPaths []string
	// Log receives etcd and kube-apiserver output; nil discards it.
	Log io.Writer
	// StartTimeout bounds each process start and the /readyz wait; 0 means 90s.
	StartTimeout time.Duration
}

// Plane is a running etcd + kube-apiserver pair.
type Plane struct {
	// Config is an admin (system:masters) client config.
	Config *rest.Config
	// KubeconfigPath is an admin kubeconfig file for Config.
	KubeconfigPath string
	// KubectlPath is the kubectl binary matching the API server.
	KubectlPath string

	env       *crenvtest.Environment
	stateDir  string
	ownsState bool
}

// Start launches etcd and kube-apiserver on loopback with TLS, RBAC
// authorization and a service-account signing key, waits for /readyz,
// installs CRDs and writes an admin kubeconfig.
func Start(ctx context.Context, opts Options) (*Plane, error) {
	binDir, err := filepath.Abs(opts.BinDir)
	if err != nil {
		return nil, fmt.Errorf("resolve binary dir: %w", err)
	}
	opts.BinDir = binDir
	if err := checkPortFree(opts.APIServerPort); err != nil {
		return nil, err
	}
	if err := CheckPresent(opts.BinDir); err != nil {
		return nil, err
	}
	if opts.StartTimeout == 0 {
		opts.StartTimeout = 90 * time.Second
	}
	if opts.StateDir != "" {
		if opts.StateDir, err = filepath.Abs(opts.StateDir); err != nil {
			return nil, fmt.Errorf("resolve state dir: %w", err)
		}
	}
	p := &Plane{stateDir: opts.StateDir, KubectlPath: filepath.Join(opts.BinDir, Kubectl)}
	if err := p.prepareState(); err != nil {
		return nil, err
	}
	p.env = newEnvironment(opts, p.stateDir)
	cfg, err := p.env.Start()
	if err != nil {
		p.cleanup()
		return nil, fmt.Errorf("start control plane from %s: %w", opts.BinDir, err)
	}
	p.Config = cfg
	if err := p.finishStart(ctx, opts); err != nil {
		_ = p.Stop()
		return nil, err
	}
	return p, nil
}

// finishStart records the processes, waits for readiness and writes the kubeconfig.
func (p *Plane) finishStart(ctx context.Context, opts Options) error {
	binaries := []string{filepath.Join(opts.BinDir, Etcd), filepath.Join(opts.BinDir, KubeAPIServer)}
	if err := writePIDFile(p.pidFile(), childProcesses(binaries, p.stateDir)); err != nil {
		return err
	}
	if err := waitReady(ctx, p.Config, opts.StartTimeout); err != nil {
		return err
	}
	p.KubeconfigPath = filepath.Join(p.stateDir, "kubeconfig")
	if err := os.WriteFile(p.KubeconfigPath, p.env.KubeConfig, 0o600); err != nil {
		return fmt.Errorf("write kubeconfig: %w", err)
	}
	return nil
}

// newEnvironment configures envtest. envtest already sets RBAC authorization,
// TLS serving certs and the service-account issuer and key files; the
// directories, port and timeouts come from opts.
func newEnvironment(opts Options, stateDir string) *crenvtest.Environment {
	api := &crenvtest.APIServer{
		CertDir: filepath.Join(stateDir, "apiserver"),
		Out:     opts.Log, Err: opts.Log,
	}
	if opts.APIServerPort != 0 {
		api.SecureServing.ListenAddr = crenvtest.ListenAddr{Address: "127.0.0.1", Port: strconv.Itoa(opts.APIServerPort)}
	}
	etcd := &crenvtest.Etcd{DataDir: filepath.Join(stateDir, "etcd"), Out: opts.Log, Err: opts.Log}
	return &crenvtest.Environment{
		ControlPlane:             crenvtest.ControlPlane{APIServer: api, Etcd: etcd},
		BinaryAssetsDirectory:    opts.BinDir,
		CRDDirectoryPaths:        opts.CRDPaths,
		ControlPlaneStartTimeout: opts.StartTimeout,
		ControlPlaneStopTimeout:  30 * time.Second,
	}
}

// prepareState stops leftovers of an earlier run and empties the state dir.
func (p *Plane) prepareState() error {
	if p.stateDir == "" {
		dir, err := os.MkdirTemp("", tempStatePrefix+"*")
		if err != nil {
			return fmt.Errorf("create state dir: %w", explainFSError(err))
		}
		p.stateDir, p.ownsState = dir, true
	}
	if err := StopStale(p.stateDir); err != nil {
		return err
	}
	for _, sub := range []string{"apiserver", "etcd"} {
		if err := os.RemoveAll(filepath.Join(p.stateDir, sub)); err != nil {
			return fmt.Errorf("clear old state in %s: %w", p.stateDir, err)
		}
		if err := os.MkdirAll(filepath.Join(p.stateDir, sub), 0o700); err != nil {
			return fmt.Errorf("create state dir: %w", explainFSError(err))
		}
	}
	return nil
}

// Stop stops kube-apiserver then etcd and removes temporary state.
func (p *Plane) Stop() error {
	err := p.env.Stop()
	if err != nil {
		err = fmt.Errorf("stop control plane: %w", err)
	}
	if stale := StopStale(p.stateDir); stale != nil {
		err = errors.Join(err, stale)
	}
	p.cleanup()
	return err
}

func (p *Plane) cleanup() {
	_ = os.Remove(p.pidFile())
	if p.ownsState {
		_ = os.RemoveAll(p.stateDir)
	}
}

// StateDir is where this plane keeps its data, certificates and kubeconfig.
func (p *Plane) StateDir() string { return p.stateDir }

func (p *Plane) pidFile() string { return filepath.Join(p.stateDir, pidFileName) }

// checkPortFree fails with ErrPortInUse when port cannot be bound on loopback.
func checkPortFree(port int) error {
	if port == 0 {
		return nil
	}
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return fmt.Errorf("%w: API server port 127.0.0.1:%d (pick another port or stop what holds it, e.g. `ss -ltnp 'sport = :%d'`): %w",
			ErrPortInUse, port, port, err)
	}
	return l.Close()
}

// waitReady polls /readyz until the API server reports ready.
func waitReady(ctx context.Context, cfg *rest.Config, timeout time.Duration) error {
	client, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return fmt.Errorf("client for readyz: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	url := strings.TrimSuffix(cfg.Host, "/") + "/readyz"
	for {
		lastErr := getOK(ctx, client, url)
		if lastErr == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for %s: %w (last: %w)", url, ctx.Err(), lastErr)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func getOK(ctx context.Context, client *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %s", resp.Status)
	}
	return nil
}
