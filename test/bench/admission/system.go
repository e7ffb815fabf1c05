package admission

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Webhook is a system whose webhook server runs as a local process.
type Webhook struct {
	Name string
	// Binary is the server program.
	Binary string
	// CRDPaths are installed into the control plane before it starts.
	CRDPaths []string
	// Args builds the command line for a server on port with certificates
	// in certDir, using the admin kubeconfig, with a spare port for health
	// and metrics endpoints.
	Args func(port int, certDir, kubeconfig string, spare []int) []string
	// AllowsAll marks a webhook that holds no policy: nothing is loaded
	// into it, and it is ready once it admits the privileged Pod.
	AllowsAll bool
}

// Baseline is the name of the run without any webhook.
const Baseline = "none"

// PortcullisWebhook runs `portcullis manager` with only the webhook role.
func PortcullisWebhook(binary, crdDir string) Webhook {
	return Webhook{
		Name: "portcullis", Binary: binary, CRDPaths: []string{crdDir},
		Args: func(port int, certDir, kubeconfig string, spare []int) []string {
			return []string{"manager", "--operation", "webhook", "--disable-cert-rotation",
				"--cert-dir", certDir, "--host", "127.0.0.1", "--port", strconv.Itoa(port),
				"--metrics-bind-address", "0", "--health-probe-bind-address", "127.0.0.1:" + strconv.Itoa(spare[0]),
				"--kubeconfig", kubeconfig, "--log-level", "error"}
		},
	}
}

// GatekeeperWebhook runs upstream Gatekeeper's manager with the webhook
// operation plus generate, which creates the constraint CRDs (Portcullis's
// webhook role does that itself).
func GatekeeperWebhook(binary, crdDir string) Webhook {
	return Webhook{
		Name: "gatekeeper", Binary: binary, CRDPaths: []string{crdDir},
		Args: func(port int, certDir, kubeconfig string, spare []int) []string {
			return []string{"--operation=webhook", "--operation=generate", "--disable-cert-rotation",
				"--cert-dir", certDir, "--host", "127.0.0.1", "--port", strconv.Itoa(port),
				"--health-addr", "127.0.0.1:" + strconv.Itoa(spare[0]),
				"--prometheus-port", strconv.Itoa(spare[1]), "--shutdown-delay", "0",
				"--kubeconfig", kubeconfig, "--log-level", "ERROR"}
		},
	}
}

// process is a running webhook server.
type process struct {
	cmd  *exec.Cmd
	done chan error
	log  string
}

// startProcess runs the webhook server, logging into stateDir.
func startProcess(w Webhook, port int, certDir, kubeconfig, stateDir string) (*process, error) {
	spare := make([]int, 2)
	for i := range spare {
		p, err := freePort()
		if err != nil {
			return nil, err
		}
		spare[i] = p
	}
	logPath := filepath.Join(stateDir, w.Name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", w.Name, err)
	}
	cmd := exec.Command(w.Binary, w.Args(port, certDir, kubeconfig, spare)...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig, "POD_NAMESPACE=gatekeeper-system", "POD_NAME="+managerPodName(w.Name))
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", w.Name, err)
	}
	p := &process{cmd: cmd, done: make(chan error, 1), log: logPath}
	go func() { p.done <- cmd.Wait(); logFile.Close() }()
	return p, nil
}

// tail returns the last n lines of the process log, for error reports
// (the log lives in a state directory that is removed afterwards).
func (p *process) tail(n int) string {
	raw, err := os.ReadFile(p.log)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	return strings.Join(lines[max(len(lines)-n, 0):], "\n")
}

// exited reports the exit error if the process has already stopped.
func (p *process) exited() error {
	select {
	case err := <-p.done:
		p.done <- err
		return fmt.Errorf("%s exited (%v); log ends:\n%s", p.cmd.Path, err, p.tail(20))
	default:
		return nil
	}
}

// stop sends SIGTERM and kills the process if it has not exited in 15s.
func (p *process) stop(ctx context.Context) {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	case <-ctx.Done():
		_ = p.cmd.Process.Kill()
	}
}

var errNotReady = errors.New("webhook not enforcing the constraints yet")
