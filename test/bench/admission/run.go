package admission

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/portcullis-dev/portcullis/test/bench"
	"github.com/portcullis-dev/portcullis/test/controlplane"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// Options configure a comparison run.
type Options struct {
	// BinDir holds etcd, kube-apiserver and kubectl.
	BinDir   string
	Workload *bench.Workload
	// Violated are the constraint names the privileged Pod violates; a
	// webhook is ready once its denial names them all.
	Violated    []string
	Concurrency []int
	// Requests returns how many creates to time at concurrency c.
	Requests func(c int) int
	Log      io.Writer
}

// Run starts a fresh control plane, serves w's webhook from a local
// process (none for a nil w), loads the workload and times pod creates at
// every concurrency.
func Run(ctx context.Context, o Options, w *Webhook) ([]Row, error) {
	name := Baseline
	var crds []string
	if w != nil {
		name, crds = w.Name, w.CRDPaths
	}
	state, err := os.MkdirTemp("", "portcullis-bench-admission-")
	if err != nil {
		return nil, fmt.Errorf("state dir: %w", err)
	}
	defer os.RemoveAll(state)
	o.logf("%s: starting control plane", name)
	plane, err := controlplane.Start(ctx, controlplane.Options{BinDir: o.BinDir, CRDPaths: crds, StartTimeout: 3 * time.Minute})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	defer plane.Stop()
	cfg := rest.CopyConfig(plane.Config)
	cfg.QPS, cfg.Burst = 10000, 10000
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: client: %w", name, err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: client: %w", name, err)
	}
	if err := createNamespaces(ctx, cs); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if w != nil {
		proc, err := serve(ctx, o, *w, plane.KubeconfigPath, state, cs, dyn)
		if proc != nil {
			defer proc.stop(ctx)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return measure(ctx, o, name, cs)
}

// serve starts the webhook process, loads the policies, registers the
// webhook and waits until it denies the privileged Pod for every expected
// constraint.
func serve(ctx context.Context, o Options, w Webhook, kubeconfig, state string, cs kubernetes.Interface, dyn dynamic.Interface) (*process, error) {
	certDir := filepath.Join(state, "certs")
	ca, err := writeServingCert(certDir)
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	o.logf("%s: starting webhook server on port %d", w.Name, port)
	proc, err := startProcess(w, port, certDir, kubeconfig, state)
	if err != nil {
		return nil, err
	}
	if w.AllowsAll {
		if err := registerWebhook(ctx, cs, port, ca); err != nil {
			return proc, err
		}
		o.logf("%s: waiting until the webhook answers", w.Name)
		return proc, waitAllowing(ctx, cs, o.Workload, proc)
	}
	o.logf("%s: loading %d templates and constraints", w.Name, len(o.Workload.Policies))
	if err := loadPolicies(ctx, dyn, o.Workload, w.Name == "gatekeeper", proc); err != nil {
		return proc, err
	}
	if err := registerWebhook(ctx, cs, port, ca); err != nil {
		return proc, err
	}
	o.logf("%s: waiting until the webhook enforces every constraint", w.Name)
	if err := waitEnforcing(ctx, cs, o.Workload, o.Violated, proc); err != nil {
		return proc, err
	}
	return proc, nil
}

// measure warms up, then times creates of the compliant Pod.
func measure(ctx context.Context, o Options, name string, cs kubernetes.Interface) ([]Row, error) {
	pod, err := compliantPod(o.Workload)
	if err != nil {
		return nil, err
	}
	createPods(ctx, cs, pod, "warmup", 40, 4)
	var rows []Row
	for _, c := range o.Concurrency {
		row := createPods(ctx, cs, pod, fmt.Sprintf("c%d", c), o.Requests(c), c)
		row.System = name
		o.logf("%s: concurrency %d: P50 %s P99 %s, %.0f creates/s, %d errors %s",
			name, c, row.P50, row.P99, row.PerSecond, row.Errors, row.FirstError)
		rows = append(rows, row)
	}
	return rows, nil
}

// compliantPod is the workload's compliant Pod, not mounting a token (no
// controller-manager runs to create one).
func compliantPod(w *bench.Workload) (*corev1.Pod, error) {
	var pod corev1.Pod
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(w.Objects[bench.CompliantPod], &pod); err != nil {
		return nil, fmt.Errorf("compliant pod: %w", err)
	}
	no := false
	pod.Spec.AutomountServiceAccountToken = &no
	pod.Namespace = bench.BenchNamespace
	return &pod, nil
}

func (o Options) logf(format string, args ...any) {
	if o.Log != nil {
		fmt.Fprintf(o.Log, "admission: "+format+"\n", args...)
	}
}
