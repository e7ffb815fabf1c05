package webhook

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"sigs.k8s.io/yaml"

	"github.com/portcullis-dev/portcullis/engine"
	"github.com/portcullis-dev/portcullis/test/allowall"
)

// libraryPolicies are the 19 library constraints the load benchmark uses:
// every pod-security template with its first sample, plus allowed-repos.
func libraryPolicies(b *testing.B) *engine.Engine {
	b.Helper()
	e := engine.New(engine.Options{})
	dirs, err := filepath.Glob(filepath.Join("..", "library", "pod-security-policy", "*", "template.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	dirs = append(dirs, filepath.Join("..", "library", "general", "allowed-repos", "template.yaml"))
	for _, tf := range dirs {
		samples, _ := filepath.Glob(filepath.Join(filepath.Dir(tf), "samples", "*", "constraint.yaml"))
		if len(samples) == 0 {
			continue
		}
		slices.Sort(samples)
		tmpl, err := engine.ParseTemplate(readYAML(b, tf))
		if err != nil {
			b.Fatal(err)
		}
		if err := e.AddTemplate(tmpl); err != nil {
			b.Fatal(err)
		}
		c, err := engine.ParseConstraint(readYAML(b, samples[0]))
		if err != nil {
			b.Fatal(err)
		}
		if err := e.AddConstraint(c); err != nil {
			b.Fatal(err)
		}
	}
	return e
}

func readYAML(b *testing.B, path string) map[string]any {
	b.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(raw, &m); err != nil {
		b.Fatalf("%s: %v", path, err)
	}
	return m
}

// BenchmarkValidatorHTTP sends the privileged-Pod AdmissionReview to the
// validation handler over HTTPS on loopback, from 1, 16 and 64 concurrent
// clients, with the library's 19 constraints loaded. It reports
// reviews/s and the P50/P99 latency seen by the clients, and the P50/P99
// time spent inside the handler (what the webhook's own request duration
// metric records). The handler=allow-all rows run the same clients against
// a handler that only reads the review and allows it: the latency of the
// load generator, HTTP and TLS on this machine with no policy at all.
//
//	go test ./webhook -run xxx -bench ValidatorHTTP -benchtime 2000x
func BenchmarkValidatorHTTP(b *testing.B) {
	e := libraryPolicies(b)
	v := &Validator{
		Engine:   e,
		Policies: &PolicyValidator{Compiler: e},
		Ready:    func() bool { return true },
		Limiter:  make(chan struct{}, 64),
		Log:      logr.Discard(),
	}
	bodies := []struct{ name, body string }{
		{"privileged", podCreate},
		{"compliant", admissionReviewOf(b, filepath.Join("..", "library", "pod-security-policy", "bundles",
			"restricted", "samples", "example_allowed_restricted.yaml"))},
	}
	for _, pod := range bodies {
		for _, clients := range []int{1, 16, 64} {
			benchmarkLoad(b, fmt.Sprintf("pod=%s/clients=%d", pod.name, clients), v, []byte(pod.body), clients)
		}
	}
	for _, clients := range []int{1, 16, 64} {
		benchmarkLoad(b, fmt.Sprintf("handler=allow-all/clients=%d", clients), allowall.Handler, []byte(podCreate), clients)
	}
}

// timedHandler records how long each request spends in the handler.
type timedHandler struct {
	next http.Handler
	mu   sync.Mutex
	took []time.Duration
}

func (h *timedHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	h.next.ServeHTTP(w, r)
	d := time.Since(start)
	h.mu.Lock()
	h.took = append(h.took, d)
	h.mu.Unlock()
}

// reset drops the durations recorded so far.
func (h *timedHandler) reset() {
	h.mu.Lock()
	h.took = h.took[:0]
	h.mu.Unlock()
}

// sorted returns the recorded durations in ascending order.
func (h *timedHandler) sorted() []time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := slices.Clone(h.took)
	slices.Sort(out)
	return out
}

// admissionReviewOf wraps the object in path into a CREATE AdmissionReview.
func admissionReviewOf(b *testing.B, path string) string {
	obj := readYAML(b, path)
	meta, _ := obj["metadata"].(map[string]any)
	review := map[string]any{
		"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
		"request": map[string]any{
			"uid": "bench", "operation": "CREATE", "userInfo": map[string]any{"username": "bench"},
			"kind":      map[string]any{"group": "", "version": "v1", "kind": obj["kind"]},
			"resource":  map[string]any{"group": "", "version": "v1", "resource": "pods"},
			"namespace": meta["namespace"], "name": meta["name"], "object": obj,
		},
	}
	raw, err := json.Marshal(review)
	if err != nil {
		b.Fatal(err)
	}
	return string(raw)
}

// benchmarkLoad serves handler over HTTPS on loopback and posts body b.N
// times from the given number of clients. Each client first opens its
// keep-alive connection with one unmeasured request, as the API server
// keeps its connections to a webhook open: the TLS handshakes would
// otherwise be 16 of the slowest 1% of 2,000 requests.
func benchmarkLoad(b *testing.B, name string, handler http.Handler, body []byte, clients int) {
	b.Run(name, func(b *testing.B) {
		timed := &timedHandler{next: handler}
		srv := httptest.NewTLSServer(timed)
		defer srv.Close()
		tr := srv.Client().Transport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = clients
		client := &http.Client{Transport: tr}
		defer tr.CloseIdleConnections()
		post := func() bool {
			resp, err := client.Post(srv.URL+"/v1/admit?timeout=3s", "application/json", bytes.NewReader(body))
			if err != nil {
				return false
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return resp.StatusCode == http.StatusOK
		}
		var wg sync.WaitGroup
		for range clients {
			wg.Go(func() { post() })
		}
		wg.Wait()
		timed.reset()
		latencies := make([]time.Duration, b.N)
		var next, failed atomic.Int64
		b.ResetTimer()
		start := time.Now()
		for range clients {
			wg.Go(func() {
				for {
					i := next.Add(1) - 1
					if i >= int64(b.N) {
						return
					}
					t0 := time.Now()
					if !post() {
						failed.Add(1)
					}
					latencies[i] = time.Since(t0)
				}
			})
		}
		wg.Wait()
		elapsed := time.Since(start)
		b.StopTimer()
		if n := failed.Load(); n > 0 {
			b.Fatalf("%d of %d requests failed", n, b.N)
		}
		slices.Sort(latencies)
		inHandler := timed.sorted()
		b.ReportMetric(float64(b.N)/elapsed.Seconds(), "reviews/s")
		b.ReportMetric(millis(percentile(latencies, 50)), "p50-ms")
		b.ReportMetric(millis(percentile(latencies, 99)), "p99-ms")
		b.ReportMetric(millis(percentile(inHandler, 50)), "handler-p50-ms")
		b.ReportMetric(millis(percentile(inHandler, 99)), "handler-p99-ms")
	})
}

// percentile returns the p-th percentile of sorted durations.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[len(sorted)*p/100]
}

func millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
