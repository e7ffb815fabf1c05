package admission

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/portcullis-dev/portcullis/test/allowall"
	"github.com/portcullis-dev/portcullis/test/bench"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
)

// AllowAllCommand is the first argument that makes the benchmark program
// serve ServeAllowAll instead of running benchmarks.
const AllowAllCommand = "allow-all-webhook"

// AllowAll is the name of the webhook that allows everything.
const AllowAll = "allow-all"

// AllowAllWebhook runs binary (a program that calls ServeAllowAll when its
// first argument is AllowAllCommand) as a webhook that allows every
// request without looking at it: the cost of calling any webhook at all
// on this machine, to read the other systems' added latency against.
func AllowAllWebhook(binary string) Webhook {
	return Webhook{
		Name: AllowAll, Binary: binary, AllowsAll: true,
		Args: func(port int, certDir, _ string, _ []int) []string {
			return []string{AllowAllCommand, strconv.Itoa(port), certDir}
		},
	}
}

// ServeAllowAll serves HTTPS on 127.0.0.1:port with tls.crt and tls.key
// from certDir, answering every AdmissionReview with allowed: true, until
// SIGTERM or SIGINT.
func ServeAllowAll(port, certDir string) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	srv := &http.Server{
		Addr:              "127.0.0.1:" + port,
		Handler:           allowall.Handler,
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	err := srv.ListenAndServeTLS(filepath.Join(certDir, "tls.crt"), filepath.Join(certDir, "tls.key"))
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// waitAllowing dry-runs the privileged Pod until the webhook, which the
// API server calls failing closed, admits it.
func waitAllowing(ctx context.Context, cs kubernetes.Interface, w *bench.Workload, proc *process) error {
	var pod corev1.Pod
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(w.Objects[bench.PrivilegedPod], &pod); err != nil {
		return fmt.Errorf("privileged pod: %w", err)
	}
	var last error
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		if err := proc.exited(); err != nil {
			return false, err
		}
		_, last = cs.CoreV1().Pods(pod.Namespace).Create(ctx, pod.DeepCopy(), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		return last == nil, nil
	})
	if err != nil {
		return fmt.Errorf("webhook not answering: %w (last answer: %v)", err, last)
	}
	return nil
}
