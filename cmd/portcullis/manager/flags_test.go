package manager

import (
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/pflag"
)

func parseFlags(t *testing.T, args ...string) (*Options, error) {
	t.Helper()
	o := NewOptions(func(string) string { return "" })
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	o.AddFlags(fs)
	return o, fs.Parse(args)
}

func TestWebhookOperationAndEngineFlags(t *testing.T) {
	tests := []struct {
		name        string
		args        []string
		wantWebhook WebhookOptions
		wantEngine  EngineOptions
		wantOps     []string
	}{
		{
			name: "defaults",
			wantWebhook: WebhookOptions{Port: 8443, CertDir: "/certs", ServiceAccount: "gatekeeper-admin",
				MaxServingThreads: 64},
		},
		{
			name: "everything set",
			args: []string{"--port=9443", "--host=127.0.0.1", "--cert-dir=/tmp/c", "--disable-cert-rotation",
				"--exempt-namespace=kube-*", "--exempt-namespace=gatekeeper-system", "--service-account=sa",
				"--max-serving-threads=8", "--log-denies",
				"--allowed-builtin=http.send", "--strict-builtin-errors", "--review-parallelism=2", "--rego-evaluator=topdown",
				"--operation=webhook", "--operation=status"},
			wantWebhook: WebhookOptions{Port: 9443, Host: "127.0.0.1", CertDir: "/tmp/c", DisableCertRotation: true,
				ExemptNamespaces: []string{"kube-*", "gatekeeper-system"}, ServiceAccount: "sa",
				MaxServingThreads: 8, LogDenies: true},
			wantEngine: EngineOptions{AllowedBuiltins: []string{"http.send"}, StrictBuiltinErrors: true, Parallelism: 2, Evaluator: "topdown"},
			wantOps:    []string{"webhook", "status"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, err := parseFlags(t, tc.args...)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.wantWebhook, o.Webhook); diff != "" {
				t.Errorf("webhook options (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantEngine, o.Engine); diff != "" {
				t.Errorf("engine options (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantOps, o.Operations); diff != "" {
				t.Errorf("operations (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGatekeeperExemptAffixFlags(t *testing.T) {
	o, err := parseFlags(t, "--exempt-namespace-prefix=kube-", "--exempt-namespace=team-a",
		"--exempt-namespace-suffix=-system", "--exempt-namespace-prefix=ci-", "--exempt-namespace=*-sandbox")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"kube-*", "team-a", "*-system", "ci-*", "*-sandbox"}
	if diff := cmp.Diff(want, o.Webhook.ExemptNamespaces); diff != "" {
		t.Errorf("exempt namespaces (-want +got):\n%s", diff)
	}
	for _, arg := range []string{"--exempt-namespace-prefix=kube-*", "--exempt-namespace-suffix=", "--exempt-namespace-suffix=*x"} {
		if _, err := parseFlags(t, arg); err == nil || !strings.Contains(err.Error(), "without *") {
			t.Errorf("%s: error %v, want one asking for a plain prefix or suffix", arg, err)
		}
	}
}

func TestDisableOPABuiltinFlag(t *testing.T) {
	o, err := parseFlags(t, "--disable-opa-builtin=http.send", "--disable-opa-builtin={time.now_ns, opa.runtime}")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"http.send", "time.now_ns", "opa.runtime"}
	if diff := cmp.Diff(want, o.Engine.DisabledBuiltins); diff != "" {
		t.Errorf("disabled builtins (-want +got):\n%s", diff)
	}
	if _, err := parseFlags(t, "--disable-opa-builtin=http.sned"); err == nil || !strings.Contains(err.Error(), `"http.sned" is not a Rego builtin`) {
		t.Errorf("misspelt builtin: error %v", err)
	}
}

func TestServingThreads(t *testing.T) {
	cpus := runtime.GOMAXPROCS(0)
	for in, want := range map[int]int{-1: cpus, 0: cpus, 1: 1, 64: 64} {
		o := WebhookOptions{MaxServingThreads: in}
		if got := o.servingThreads(); got != want {
			t.Errorf("--max-serving-threads=%d: %d reviews at once, want %d", in, got, want)
		}
	}
}

func TestOperations(t *testing.T) {
	tests := []struct {
		name    string
		ops     []string
		wantErr string
		runs    map[string]bool
	}{
		{name: "none runs all", runs: map[string]bool{OperationWebhook: true, OperationAudit: true, OperationStatus: true}},
		{name: "audit only", ops: []string{"audit"}, runs: map[string]bool{OperationWebhook: false, OperationAudit: true, OperationStatus: false}},
		{name: "unknown", ops: []string{"mutation-webhook"}, wantErr: `--operation "mutation-webhook"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := OperationOptions{Operations: tc.ops}
			err := o.Validate()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Validate() = %v, want error containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for op, want := range tc.runs {
				if got := o.Runs(op); got != want {
					t.Errorf("Runs(%q) = %v, want %v", op, got, want)
				}
			}
		})
	}
}

func TestUnknownEvaluatorIsRefused(t *testing.T) {
	_, err := parseFlags(t, "--rego-evaluator=wasm")
	if err == nil || !strings.Contains(err.Error(), `unknown evaluator "wasm"`) {
		t.Fatalf("parse = %v, want an unknown evaluator error", err)
	}
}
