package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/portcullis-dev/portcullis/test/envtest"
)

// Names the restart test uses.
const (
	restartNamespace  = "restart"
	restartConstraint = "restart-pods-need-owner"
	restartRule       = "pods in this namespace need an owner label"
	// deniedPrefix starts the API server's message for a webhook denial.
	deniedPrefix = `admission webhook "validation.gatekeeper.sh" denied the request: `
	// callFailed is in the API server's message when calling the webhook
	// failed and failurePolicy Fail refused the request.
	callFailed = `failed calling webhook "validation.gatekeeper.sh"`
)

// TestManagerRestartUnderLoad restarts the manager while violating pods keep
// being created, with the policy webhook switched to failurePolicy: Fail. No
// pod may be admitted at any point: not while the old process drains, not
// while nothing listens, and not while the new process listens but has not
// loaded its policies yet.
func TestManagerRestartUnderLoad(t *testing.T) {
	// A control plane of its own: TestJourneys ends by uninstalling, which
	// leaves gatekeeper-system Terminating for good (no namespace controller
	// runs), so the shared one cannot be installed into again. Start skips
	// without the binaries and fails under CI=true, as Require does.
	e := envtest.Start(t)
	k := kube{kubectl: e.KubectlPath(), kubeconfig: e.KubeconfigPath()}
	k.must(t, "", "apply", "-f", deployPath(t))

	binary := buildBinary(t)
	saKubeconfig := serviceAccountKubeconfig(t, k, e.Config)
	certDir, caPEM := servingCert(t)
	port, healthPort := freePort(t), freePort(t)
	args := managerArgs(t, saKubeconfig, certDir, port, healthPort)
	first := startManager(t, binary, args, healthPort)

	// failurePolicy Fail first, then the URL: once a request reaches the
	// manager, the API server has the later version, so Fail is in force
	// (with the shipped Ignore an unreachable webhook admits everything).
	failClosed(t, k)
	pointWebhooksAt(t, k, fmt.Sprintf("https://127.0.0.1:%d", port), caPEM)
	eventually(t, "namespace "+restartNamespace+" is created", func() (bool, string) {
		out, err := k.run("", "create", "namespace", restartNamespace)
		return err == nil, out
	})
	installTemplate(t, k, filepath.Join(repoRoot(t), "library", "general", "required-labels", "template.yaml"), "k8srequiredlabels")
	applyConstraint(t, k, restartConstraintYAML(), "k8srequiredlabels", restartConstraint)

	cfg := rest.CopyConfig(e.Config)
	cfg.QPS, cfg.Burst = 1000, 1000
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Server-side dry runs go through the webhook but store nothing, so
	// waiting for the policy cannot itself create a pod.
	eventually(t, "a violating pod is denied by "+restartConstraint, func() (bool, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_, err := cs.CoreV1().Pods(restartNamespace).Create(ctx, violatingPod("probe"),
			metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		return err != nil && err.Error() == wantDenial("probe"), fmt.Sprint(err)
	})

	l := startLoad(cs, 2)
	t.Cleanup(l.stop) // before the managers and the control plane stop
	l.waitFor(t, "the policy denies pods under load", func(o attempt) bool { return o.kind == outcomeDenied })

	sigterm := time.Now()
	first.stop(t)
	exited := time.Now()
	t.Logf("first manager stopped in %s", exited.Sub(sigterm).Round(time.Millisecond))
	l.waitFor(t, "requests fail while no manager runs", func(o attempt) bool {
		return o.kind == outcomeFailed && o.start.After(exited)
	})

	restarted := time.Now()
	startManager(t, binary, args, healthPort)
	ready := time.Now()
	t.Logf("second manager ready %s after start", ready.Sub(restarted).Round(time.Millisecond))
	l.waitFor(t, "the new manager denies by policy once ready", func(o attempt) bool {
		return o.kind == outcomeDenied && o.start.After(ready)
	})
	l.stop()

	got := l.results()
	t.Log(timeline(got, sigterm, exited, restarted, ready))
	for _, o := range got {
		switch {
		case o.kind == outcomeCreated:
			t.Errorf("violating pod %s was created (request %s after SIGTERM to the first manager, %s after starting the second)",
				o.name, o.start.Sub(sigterm).Round(time.Millisecond), o.start.Sub(restarted).Round(time.Millisecond))
		case o.kind == outcomeDenied && o.msg != wantDenial(o.name):
			t.Errorf("pod %s denied with %q, want %q", o.name, o.msg, wantDenial(o.name))
		case o.kind != outcomeDenied && o.end.Before(sigterm):
			// Not the property under test, but worth seeing: the
			// running manager should only deny.
			t.Logf("before SIGTERM, pod %s: %s: %s", o.name, o.kind, o.msg)
		}
	}
	if n := countAttempts(got, func(o attempt) bool { return o.kind == outcomeFailed && o.start.After(sigterm) }); n == 0 {
		t.Error("no request failed at the webhook after the first manager stopped: the downtime was not exercised")
	}
	if n := countAttempts(got, func(o attempt) bool { return o.kind == outcomeDenied && o.start.After(ready) }); n == 0 {
		t.Error("no policy denial after the second manager became ready")
	}

	pods, err := cs.CoreV1().Pods(restartNamespace).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pods.Items {
		t.Errorf("pod %s/%s exists after the restart", p.Namespace, p.Name)
	}
}

// failClosed switches the policy webhook to failurePolicy: Fail, the one
// patch the install docs give for it.
func failClosed(t *testing.T, k kube) {
	t.Helper()
	patch, err := json.Marshal([]map[string]any{
		{"op": "test", "path": "/webhooks/0/name", "value": "validation.gatekeeper.sh"},
		{"op": "replace", "path": "/webhooks/0/failurePolicy", "value": "Fail"},
	})
	if err != nil {
		t.Fatal(err)
	}
	k.must(t, "", "patch", "validatingwebhookconfiguration", webhookConfig, "--type=json", "-p", string(patch))
}

// restartConstraintYAML requires an owner label on Pods in the restart
// namespace, denying, with a fixed rule text.
func restartConstraintYAML() string {
	return fmt.Sprintf(`apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sRequiredLabels
metadata:
  name: %s
spec:
  enforcementAction: deny
  match:
    kinds:
      - apiGroups: [""]
        kinds: ["Pod"]
    namespaces: [%q]
  parameters:
    message: %q
    labels:
      - key: owner
`, restartConstraint, restartNamespace, restartRule)
}

// violatingPod is an unlabelled Pod in the restart namespace.
func violatingPod(name string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: restartNamespace},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx:1.27"}}},
	}
}

// wantDenial is the whole error the API server returns for violatingPod(name).
func wantDenial(name string) string {
	return fmt.Sprintf(`%s[%s] Pod %s/%s: does not set metadata.labels["owner"]; %s`,
		deniedPrefix, restartConstraint, restartNamespace, name, restartRule)
}

// outcome classifies one create.
type outcome string

const (
	outcomeCreated outcome = "created"
	outcomeDenied  outcome = "denied by policy"
	outcomeFailed  outcome = "webhook call failed"
	outcomeOther   outcome = "other error"
)

// attempt is one create of a violating pod.
type attempt struct {
	name       string
	start, end time.Time
	kind       outcome
	msg        string
}

// classify turns a create's error into an outcome.
func classify(err error) outcome {
	switch {
	case err == nil:
		return outcomeCreated
	case strings.HasPrefix(err.Error(), deniedPrefix):
		return outcomeDenied
	case strings.Contains(err.Error(), callFailed):
		return outcomeFailed
	default:
		return outcomeOther
	}
}

// podLoad keeps creating violating pods from a few goroutines until stopped.
type podLoad struct {
	done chan struct{}
	once sync.Once
	wg   sync.WaitGroup
	mu   sync.Mutex
	all  []attempt
}

func startLoad(cs kubernetes.Interface, workers int) *podLoad {
	l := &podLoad{done: make(chan struct{})}
	for w := range workers {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for i := 0; ; i++ {
				select {
				case <-l.done:
					return
				case <-time.After(20 * time.Millisecond): // flowing, not flooding two cores
				}
				name := fmt.Sprintf("load-%d-%d", w, i)
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				start := time.Now()
				_, err := cs.CoreV1().Pods(restartNamespace).Create(ctx, violatingPod(name), metav1.CreateOptions{})
				cancel()
				o := attempt{name: name, start: start, end: time.Now(), kind: classify(err)}
				if err != nil {
					o.msg = err.Error()
				}
				l.mu.Lock()
				l.all = append(l.all, o)
				l.mu.Unlock()
			}
		}()
	}
	return l
}

// stop ends the load and waits for requests in flight.
func (l *podLoad) stop() {
	l.once.Do(func() { close(l.done) })
	l.wg.Wait()
}

// results are the attempts so far, by start time.
func (l *podLoad) results() []attempt {
	l.mu.Lock()
	out := append([]attempt(nil), l.all...)
	l.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].start.Before(out[j].start) })
	return out
}

// waitFor waits until some recorded attempt satisfies match.
func (l *podLoad) waitFor(t *testing.T, what string, match func(attempt) bool) {
	t.Helper()
	eventually(t, what, func() (bool, string) {
		got := l.results()
		if countAttempts(got, match) > 0 {
			return true, ""
		}
		if len(got) == 0 {
			return false, "no attempts yet"
		}
		last := got[len(got)-1]
		return false, fmt.Sprintf("%d attempts; last %s: %s %s", len(got), last.name, last.kind, last.msg)
	})
}

func countAttempts(all []attempt, match func(attempt) bool) int {
	n := 0
	for _, o := range all {
		if match(o) {
			n++
		}
	}
	return n
}

// timeline summarises the attempts per phase of the restart, with one sample
// message per kind of webhook failure.
func timeline(all []attempt, sigterm, exited, restarted, ready time.Time) string {
	phases := []struct {
		name     string
		from, to time.Time
	}{
		{"before SIGTERM", time.Time{}, sigterm},
		{"first manager shutting down", sigterm, exited},
		{"no manager", exited, restarted},
		{"second manager starting", restarted, ready},
		{"second manager ready", ready, time.Now().Add(time.Hour)},
	}
	var b strings.Builder
	b.WriteString("attempts by phase (by request start):\n")
	samples := map[string]string{}
	for _, p := range phases {
		counts := map[outcome]int{}
		for _, o := range all {
			if !o.start.Before(p.from) && o.start.Before(p.to) {
				counts[o.kind]++
				if o.kind == outcomeFailed || o.kind == outcomeOther {
					samples[failureClass(o.msg)] = o.msg
				}
			}
		}
		fmt.Fprintf(&b, "  %-28s created=%d denied=%d webhook-failed=%d other=%d\n", p.name,
			counts[outcomeCreated], counts[outcomeDenied], counts[outcomeFailed], counts[outcomeOther])
	}
	classes := make([]string, 0, len(samples))
	for c := range samples {
		classes = append(classes, c)
	}
	sort.Strings(classes)
	for _, c := range classes {
		fmt.Fprintf(&b, "  sample %s: %s\n", c, samples[c])
	}
	return b.String()
}

// failureClass groups failure messages for the timeline.
func failureClass(msg string) string {
	switch {
	case strings.Contains(msg, "connection refused"):
		return "connection refused"
	// The API server words a 503 from the webhook (still loading policies)
	// as the generic 503 text.
	case strings.Contains(msg, "currently unable to handle the request"), strings.Contains(msg, "still loading"):
		return "not ready (503)"
	case strings.Contains(msg, "deadline") || strings.Contains(msg, "timeout"):
		return "timeout"
	case strings.Contains(msg, callFailed):
		return "other webhook failure"
	default:
		return "other"
	}
}
