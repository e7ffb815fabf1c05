package manager

import (
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
)

func TestPprofServedOnLoopbackWhenEnabled(t *testing.T) {
	cfg := env.Require(t).Config
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	opts := &Options{Namespace: "gatekeeper-system", PodName: "pprof", MetricsAddr: "0", HealthAddr: "0",
		EnablePprof: true, PprofPort: port}
	mgr, err := newManager(cfg, opts, func(o *ctrl.Options) { o.Controller.SkipNameValidation = ptr.To(true) })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("manager: %v", err)
		}
	})

	url := "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) + "/debug/pprof/"
	var body string
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, waitTimeout, true, func(ctx context.Context) (bool, error) {
		resp, err := http.Get(url)
		if err != nil {
			return false, nil
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		body = string(raw)
		return resp.StatusCode == http.StatusOK, nil
	})
	if err != nil {
		t.Fatalf("GET %s: %v (last body %q)", url, err, body)
	}
	for _, profile := range []string{"heap", "goroutine", "profile"} {
		if !strings.Contains(body, profile) {
			t.Errorf("pprof index does not list %q:\n%s", profile, body)
		}
	}
}
