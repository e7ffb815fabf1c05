package manager

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/pflag"
	"go.uber.org/zap/zapcore"
)

func TestOptionsFromEnvAndFlags(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		args []string
		// want holds the fields this case checks.
		want Options
	}{
		{
			name: "defaults",
			env:  map[string]string{"POD_NAME": "p-1"},
			want: Options{Namespace: DefaultNamespace, PodName: "p-1", MetricsAddr: ":8888", HealthAddr: ":9090", LogLevel: "info"},
		},
		{
			name: "environment",
			env:  map[string]string{"POD_NAME": "p-2", "POD_NAMESPACE": "policy"},
			want: Options{Namespace: "policy", PodName: "p-2", MetricsAddr: ":8888", HealthAddr: ":9090", LogLevel: "info"},
		},
		{
			name: "flags win over environment",
			env:  map[string]string{"POD_NAME": "p-3", "POD_NAMESPACE": "policy"},
			args: []string{"--namespace=other", "--pod-name=p-flag", "--metrics-bind-address=0", "--health-probe-bind-address=:1", "--leader-elect", "--log-level=debug"},
			want: Options{Namespace: "other", PodName: "p-flag", MetricsAddr: "0", HealthAddr: ":1", LeaderElect: true, LogLevel: "debug"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := NewOptions(func(k string) string { return tc.env[k] })
			fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
			o.AddFlags(fs)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			got := Options{Namespace: o.Namespace, PodName: o.PodName, MetricsAddr: o.MetricsAddr, HealthAddr: o.HealthAddr, LeaderElect: o.LeaderElect, LogLevel: o.LogLevel}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
			if fs.Lookup("kubeconfig") == nil {
				t.Error("--kubeconfig not registered")
			}
		})
	}
}

func TestPprofFlags(t *testing.T) {
	cases := []struct {
		args    []string
		want    string
		wantErr string
	}{
		{args: nil, want: ""},
		{args: []string{"--pprof-port=7070"}, want: ""},
		{args: []string{"--enable-pprof"}, want: "127.0.0.1:6060"},
		{args: []string{"--enable-pprof", "--pprof-port=7070"}, want: "127.0.0.1:7070"},
		{args: []string{"--enable-pprof", "--pprof-port=0"}, wantErr: "--pprof-port 0"},
		{args: []string{"--enable-pprof", "--pprof-port=70000"}, wantErr: "--pprof-port 70000"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			o := NewOptions(func(string) string { return "" })
			fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
			o.AddFlags(fs)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			got, err := o.pprofAddr()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("pprofAddr() = %q, %v; want error containing %q", got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("pprofAddr() = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestLogLevelsIncludeGatekeepers(t *testing.T) {
	for name, want := range map[string]zapcore.Level{
		"debug": zapcore.DebugLevel, "info": zapcore.InfoLevel, "warn": zapcore.WarnLevel, "error": zapcore.ErrorLevel,
		"DEBUG": zapcore.DebugLevel, "INFO": zapcore.InfoLevel, "WARNING": zapcore.WarnLevel, "ERROR": zapcore.ErrorLevel,
		"warning": zapcore.WarnLevel,
	} {
		got, err := parseLevel(name)
		if err != nil || got != want {
			t.Errorf("parseLevel(%q) = %v, %v; want %v", name, got, err, want)
		}
	}
	if _, err := parseLevel("loud"); err == nil {
		t.Error(`parseLevel("loud") accepted`)
	}
}

func TestCommandRefusesBadLogLevel(t *testing.T) {
	cmd := NewCommand()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs([]string{"--log-level=loud"})
	err := cmd.Execute()
	if err == nil || !strings.Contains(err.Error(), "log level") {
		t.Fatalf("Execute = %v, want a log level error", err)
	}
}
