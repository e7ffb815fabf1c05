package audit

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/portcullis-dev/portcullis/engine"
	"github.com/portcullis-dev/portcullis/engine/load"
)

// Benchmark size: the audit target is one run over 10,000 Pods in 100
// namespaces against 19 PSP constraints in at most 30 s and 200 MiB RSS.
const (
	benchNamespaces     = 100
	benchPodsPerNS      = 100
	benchConstraints    = 19
	benchPSPLibraryPath = "../library/pod-security-policy"
)

// BenchmarkAuditPSP seeds the test control plane with the Pods and the PSP
// library's templates and sample constraints (round robin over templates,
// 19 in all), then measures one full audit run per iteration. It reports the
// process's peak RSS, which includes the seeding clients.
func BenchmarkAuditPSP(b *testing.B) {
	cfg := rest.CopyConfig(env.Require(b).Config)
	cfg.QPS, cfg.Burst = 2000, 4000
	e := engine.New(engine.Options{})
	dyn := dynamicFor(b, cfg)
	n := seedPSPConstraints(b, cfg, e)
	seedPods(b, cfg)
	a := &Auditor{
		Engine:  e,
		Source:  apiSource(b, cfg),
		Dynamic: dyn,
		Clock:   clock.RealClock{},
		Options: Options{ViolationsLimit: DefaultViolationsLimit, ChunkSize: DefaultChunkSize},
	}
	ctx := ctrl.LoggerInto(context.Background(), logr.Discard())
	runtime.GC()
	cpuBefore := cpuSeconds()
	var s *Summary
	for b.Loop() {
		var err error
		if s, err = a.RunOnce(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric((cpuSeconds()-cpuBefore)/float64(b.N), "cpu-s/op")
	var total int64
	for _, v := range s.ViolationsByAction {
		total += v
	}
	b.ReportMetric(float64(n), "constraints")
	b.ReportMetric(float64(s.Reviewed), "objects")
	b.ReportMetric(float64(total), "violations")
	b.ReportMetric(peakRSSMiB(), "peak-RSS-MiB")
}

// cpuSeconds is the process's CPU time so far, user plus system, all
// threads: on a shared machine it says more than wall time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return -1
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// peakRSSMiB is the process's peak resident set size (Linux reports KiB).
func peakRSSMiB() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return -1
	}
	return float64(ru.Maxrss) / 1024
}

// seedPSPConstraints installs every PSP template and 19 sample constraints,
// taking samples round robin across templates. It returns the count.
func seedPSPConstraints(b *testing.B, cfg *rest.Config, e *engine.Engine) int {
	dirs, err := filepath.Glob(filepath.Join(benchPSPLibraryPath, "*", "template.yaml"))
	if err != nil || len(dirs) == 0 {
		b.Fatalf("no PSP templates under %s: %v", benchPSPLibraryPath, err)
	}
	var samples [][]string
	for _, path := range dirs {
		installTemplateObject(b, cfg, e, readObject(b, path))
		s, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "samples", "*", "constraint.yaml"))
		slices.Sort(s)
		samples = append(samples, s)
	}
	dyn := dynamicFor(b, cfg)
	n := 0
	for round := 0; n < benchConstraints; round++ {
		added := false
		for _, s := range samples {
			if round < len(s) && n < benchConstraints {
				installConstraintObject(b, dyn, e, readObject(b, s[round]))
				n++
				added = true
			}
		}
		if !added {
			b.Fatalf("only %d sample constraints, want %d", n, benchConstraints)
		}
	}
	return n
}

func readObject(b *testing.B, path string) *unstructured.Unstructured {
	docs, err := load.ReadFile(path)
	if err != nil || len(docs) != 1 {
		b.Fatalf("read %s: %d documents, %v", path, len(docs), err)
	}
	return &unstructured.Unstructured{Object: docs[0].Object}
}

// seedPods creates the namespaces and Pods once; every tenth Pod is
// privileged and runs as root with a host path, the rest are plain.
func seedPods(b *testing.B, cfg *rest.Config) {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, benchNamespaces)
	limit := make(chan struct{}, 8)
	for i := range benchNamespaces {
		wg.Go(func() {
			limit <- struct{}{}
			defer func() { <-limit }()
			if err := seedNamespace(ctx, cs, fmt.Sprintf("bench-%03d", i)); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}

func seedNamespace(ctx context.Context, cs kubernetes.Interface, ns string) error {
	_, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create namespace %s: %w", ns, err)
	}
	// The ServiceAccount admission plugin wants the default account.
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}}
	if _, err := cs.CoreV1().ServiceAccounts(ns).Create(ctx, sa, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create service account in %s: %w", ns, err)
	}
	existing, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	for i := len(existing.Items); i < benchPodsPerNS; i++ {
		if _, err := cs.CoreV1().Pods(ns).Create(ctx, benchPod(i), metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create pod in %s: %w", ns, err)
		}
	}
	return nil
}

func benchPod(i int) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("pod-%03d", i), Labels: map[string]string{"app": "bench"}},
		Spec: corev1.PodSpec{
			AutomountServiceAccountToken: new(bool),
			Containers: []corev1.Container{{
				Name:  "main",
				Image: "registry.example.com/app:1.0",
				Ports: []corev1.ContainerPort{{ContainerPort: 8080}},
			}},
		},
	}
	if i%10 == 0 {
		privileged, root := true, int64(0)
		p.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{Privileged: &privileged, RunAsUser: &root}
		p.Spec.HostNetwork = true
		p.Spec.Volumes = []corev1.Volume{{Name: "host", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/var/log"}}}}
	}
	return p
}
