package admission

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/portcullis-dev/portcullis/test/bench"
	"github.com/portcullis-dev/portcullis/test/controlplane"
)

// AuditRow is one system's audit of the seeded cluster.
type AuditRow struct {
	System string `json:"system"`
	Pods   int    `json:"pods"`
	// Duration is the audit's own report of its first run that started
	// after every constraint was created.
	Duration time.Duration `json:"duration"`
	// PeakRSS is VmHWM of the audit process after that run, in bytes.
	PeakRSS int64 `json:"peakRSSBytes"`
	// NewViolation is how long a violating Pod created after the first run
	// took to appear in its constraint's status.violations; zero if it
	// did not within the timeout.
	NewViolation time.Duration `json:"newViolation"`
}

// AuditSystem describes how to run one system's audit.
type AuditSystem struct {
	Webhook
	// FinishedMsg is the log message that ends a full audit run; its
	// "duration" field holds the run's length.
	FinishedMsg string
}

// PortcullisAudit runs `portcullis manager --operation audit`.
func PortcullisAudit(binary, crdDir string) AuditSystem {
	return AuditSystem{FinishedMsg: "audit run finished", Webhook: Webhook{
		Name: "portcullis", Binary: binary, CRDPaths: []string{crdDir},
		Args: func(_ int, _, kubeconfig string, spare []int) []string {
			return []string{"manager", "--operation", "audit", "--audit-interval", "10s",
				"--metrics-bind-address", "0", "--health-probe-bind-address", "127.0.0.1:" + strconv.Itoa(spare[0]),
				"--kubeconfig", kubeconfig}
		},
	}}
}

// GatekeeperAudit runs the Gatekeeper manager with the audit and generate
// operations.
func GatekeeperAudit(binary, crdDir string) AuditSystem {
	return AuditSystem{FinishedMsg: "auditing is complete", Webhook: Webhook{
		Name: "gatekeeper", Binary: binary, CRDPaths: []string{crdDir},
		Args: func(_ int, certDir, kubeconfig string, spare []int) []string {
			// Gatekeeper watches a client certificate in --cert-dir even
			// when it serves no webhook.
			return []string{"--operation=audit", "--operation=generate", "--audit-interval", "10", "--cert-dir", certDir,
				"--api-cache-dir", filepath.Join(filepath.Dir(certDir), apiCacheDir),
				"--health-addr", "127.0.0.1:" + strconv.Itoa(spare[0]),
				"--prometheus-port", strconv.Itoa(spare[1]), "--shutdown-delay", "0",
				"--disable-cert-rotation", "--kubeconfig", kubeconfig}
		},
	}}
}

// apiCacheDir is the state subdirectory Gatekeeper's audit keeps its list
// pages in (--api-cache-dir; it must exist).
const apiCacheDir = "audit-cache"

// AuditOptions configure the audit comparison.
type AuditOptions struct {
	Options
	Namespaces, PodsPerNamespace int
	// Timeout bounds each wait (first audit, new violation).
	Timeout time.Duration
}

// RunAudit seeds a fresh control plane with the workload's Pods (every
// tenth privileged), starts s's audit and measures its first full run.
func RunAudit(ctx context.Context, o AuditOptions, s AuditSystem) (*AuditRow, error) {
	state, err := os.MkdirTemp("", "portcullis-bench-audit-")
	if err != nil {
		return nil, fmt.Errorf("state dir: %w", err)
	}
	defer os.RemoveAll(state)
	o.logf("audit %s: starting control plane", s.Name)
	plane, err := controlplane.Start(ctx, controlplane.Options{BinDir: o.BinDir, CRDPaths: s.CRDPaths, StartTimeout: 3 * time.Minute})
	if err != nil {
		return nil, fmt.Errorf("audit %s: %w", s.Name, err)
	}
	defer plane.Stop()
	cfg := rest.CopyConfig(plane.Config)
	cfg.QPS, cfg.Burst = 10000, 10000
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("audit %s: client: %w", s.Name, err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("audit %s: client: %w", s.Name, err)
	}
	if err := createNamespaces(ctx, cs); err != nil {
		return nil, err
	}
	o.logf("audit %s: seeding %d Pods", s.Name, o.Namespaces*o.PodsPerNamespace)
	if err := seedPods(ctx, cs, o); err != nil {
		return nil, err
	}
	certDir := filepath.Join(state, "certs")
	if _, err := writeServingCert(certDir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(state, apiCacheDir), 0o755); err != nil {
		return nil, fmt.Errorf("audit %s: %w", s.Name, err)
	}
	proc, err := startProcess(s.Webhook, 0, certDir, plane.KubeconfigPath, state)
	if err != nil {
		return nil, err
	}
	defer proc.stop(ctx)
	if err := loadPolicies(ctx, dyn, o.Workload, s.Name == "gatekeeper", proc); err != nil {
		return nil, err
	}
	// A run already going while the constraints were added may have missed
	// some, so the first full run is the second one to finish from here.
	done, err := findLogDurations(proc.log, s.FinishedMsg)
	if err != nil {
		return nil, err
	}
	o.logf("audit %s: waiting for the first full audit run after loading (%d runs before)", s.Name, len(done))
	row := &AuditRow{System: s.Name, Pods: o.Namespaces * o.PodsPerNamespace}
	if row.Duration, err = waitLogDuration(ctx, proc, s.FinishedMsg, len(done)+2, o.Timeout); err != nil {
		return nil, fmt.Errorf("audit %s: %w", s.Name, err)
	}
	row.PeakRSS = peakRSS(proc.cmd.Process.Pid)
	o.logf("audit %s: first run %s, peak RSS %d MiB; timing a new violation", s.Name, row.Duration, row.PeakRSS>>20)
	row.NewViolation = timeNewViolation(ctx, cs, dyn, o)
	o.logf("audit %s: new violation in status after %s", s.Name, row.NewViolation)
	return row, nil
}

func seedNamespace(i int) string { return fmt.Sprintf("audit-%03d", i) }

// seedPods creates the namespaces and Pods, every tenth one privileged.
func seedPods(ctx context.Context, cs kubernetes.Interface, o AuditOptions) error {
	good, err := compliantPod(o.Workload)
	if err != nil {
		return err
	}
	var bad corev1.Pod
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Workload.Objects[bench.PrivilegedPod], &bad); err != nil {
		return fmt.Errorf("privileged pod: %w", err)
	}
	for i := range o.Namespaces {
		ns := seedNamespace(i)
		if err := createNamespace(ctx, cs, ns); err != nil {
			return err
		}
		good.Namespace, bad.Namespace = ns, ns
		for _, part := range []struct {
			pod    *corev1.Pod
			prefix string
			n      int
		}{{good, "ok", o.PodsPerNamespace - o.PodsPerNamespace/10}, {&bad, "bad", o.PodsPerNamespace / 10}} {
			if row := createPods(ctx, cs, part.pod, part.prefix, part.n, 32); row.Errors > 0 {
				return fmt.Errorf("seed %s: %d errors, first: %s", ns, row.Errors, row.FirstError)
			}
		}
	}
	return nil
}

// waitLogDuration waits until the process log has n lines with msg and
// returns the "duration" field of the n-th.
func waitLogDuration(ctx context.Context, p *process, msg string, n int, timeout time.Duration) (time.Duration, error) {
	var d time.Duration
	err := wait.PollUntilContextTimeout(ctx, time.Second, timeout, true, func(context.Context) (bool, error) {
		if err := p.exited(); err != nil {
			return false, err
		}
		found, err := findLogDurations(p.log, msg)
		if err != nil || len(found) < n {
			return false, err
		}
		d = found[n-1]
		return true, nil
	})
	return d, err
}

func findLogDurations(path, msg string) ([]time.Duration, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read log: %w", err)
	}
	defer f.Close()
	var out []time.Duration
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 1<<20), 1<<24)
	for s.Scan() {
		if !strings.Contains(s.Text(), msg) {
			continue
		}
		var line struct {
			Duration string `json:"duration"`
		}
		if json.Unmarshal(s.Bytes(), &line) != nil {
			continue
		}
		if d, err := time.ParseDuration(line.Duration); err == nil {
			out = append(out, d)
		}
	}
	return out, nil
}

// peakRSS reads VmHWM of pid, in bytes.
func peakRSS(pid int) int64 {
	raw, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// timeNewViolation creates a privileged Pod and waits until the
// privileged-container constraint's status lists it.
func timeNewViolation(ctx context.Context, cs kubernetes.Interface, dyn dynamic.Interface, o AuditOptions) time.Duration {
	var pod corev1.Pod
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Workload.Objects[bench.PrivilegedPod], &pod); err != nil {
		return 0
	}
	pod.Name, pod.Namespace = "zz-new-violation", seedNamespace(0)
	start := time.Now()
	if _, err := cs.CoreV1().Pods(pod.Namespace).Create(ctx, &pod, metav1.CreateOptions{}); err != nil {
		return 0
	}
	gvr := schema.GroupVersionResource{Group: "constraints.gatekeeper.sh", Version: "v1beta1", Resource: "k8spspprivilegedcontainer"}
	err := wait.PollUntilContextTimeout(ctx, time.Second, o.Timeout, true, func(ctx context.Context) (bool, error) {
		list, err := dyn.Resource(gvr).List(ctx, metav1.ListOptions{})
		if err != nil || len(list.Items) == 0 {
			return false, nil
		}
		vs, _, _ := unstructuredSlice(list.Items[0].Object, "status", "violations")
		for _, v := range vs {
			m, _ := v.(map[string]any)
			if m["name"] == pod.Name && m["namespace"] == pod.Namespace {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		return 0
	}
	return time.Since(start)
}
