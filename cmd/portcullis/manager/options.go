package manager

import (
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"

	"github.com/spf13/pflag"
	ctrlconfig "sigs.k8s.io/controller-runtime/pkg/client/config"
)

// DefaultNamespace is the namespace Gatekeeper-compatible installs use.
const DefaultNamespace = "gatekeeper-system"

// Options configure the manager. Fields are set by AddFlags; tests set them
// directly.
type Options struct {
	// Namespace holds the Config object and the leader-election lease.
	Namespace string
	// PodName identifies this pod in status.byPod.
	PodName string
	// MetricsAddr is the metrics bind address; "0" turns metrics off.
	MetricsAddr string
	// HealthAddr serves /healthz and /readyz; "0" turns them off.
	HealthAddr string
	// EnablePprof serves Go's profiles (net/http/pprof) on
	// 127.0.0.1:PprofPort, reachable with kubectl port-forward only.
	EnablePprof bool
	// PprofPort is the profiles' port when EnablePprof is set.
	PprofPort int
	// LeaderElect turns on leader election for leader-only work.
	LeaderElect bool
	// LogLevel is debug, info or error.
	LogLevel string
	// LogDevelopment switches to human-readable console logs.
	LogDevelopment bool

	// OperationOptions choose the roles this process runs.
	OperationOptions
	// Webhook configures the admission webhooks.
	Webhook WebhookOptions
	// Audit configures the audit of existing objects.
	Audit AuditOptions
	// Engine configures the policy engine.
	Engine EngineOptions
}

// NewOptions returns the defaults, taking namespace and pod name from
// POD_NAMESPACE and POD_NAME when set.
func NewOptions(getenv func(string) string) *Options {
	o := &Options{
		Namespace:   DefaultNamespace,
		PodName:     getenv("POD_NAME"),
		MetricsAddr: ":8888",
		HealthAddr:  ":9090",
		PprofPort:   6060,
		LogLevel:    "info",
	}
	if ns := getenv("POD_NAMESPACE"); ns != "" {
		o.Namespace = ns
	}
	if o.PodName == "" {
		o.PodName, _ = os.Hostname()
	}
	return o
}

// AddFlags binds the options to fs, plus controller-runtime's --kubeconfig.
func (o *Options) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.Namespace, "namespace", o.Namespace, "namespace of the Config object and the leader-election lease (env POD_NAMESPACE)")
	fs.StringVar(&o.PodName, "pod-name", o.PodName, "name of this pod, reported in status.byPod (env POD_NAME)")
	fs.StringVar(&o.MetricsAddr, "metrics-bind-address", o.MetricsAddr, `metrics bind address; "0" disables`)
	fs.StringVar(&o.HealthAddr, "health-probe-bind-address", o.HealthAddr, `bind address of /healthz and /readyz; "0" disables`)
	fs.BoolVar(&o.EnablePprof, "enable-pprof", o.EnablePprof, "serve Go's profiles (/debug/pprof/) on 127.0.0.1:--pprof-port")
	fs.IntVar(&o.PprofPort, "pprof-port", o.PprofPort, "port of the profiles when --enable-pprof is set")
	fs.BoolVar(&o.LeaderElect, "leader-elect", o.LeaderElect, "elect a leader for leader-only work such as audit")
	fs.StringVar(&o.LogLevel, "log-level", o.LogLevel, "log level: debug, info, warn or error (any case; WARNING as in Gatekeeper)")
	fs.BoolVar(&o.LogDevelopment, "log-development", o.LogDevelopment, "human-readable console logs")
	o.OperationOptions.AddFlags(fs)
	o.Webhook.AddFlags(fs)
	o.Audit.AddFlags(fs)
	o.Engine.AddFlags(fs)
	gofs := flag.NewFlagSet("controller-runtime", flag.ContinueOnError)
	ctrlconfig.RegisterFlags(gofs)
	fs.AddGoFlagSet(gofs)
}

// pprofAddr is where the manager serves profiles: "" when they are off.
// Only loopback: a heap profile holds whatever the process holds, so it is
// reached through kubectl port-forward, never the pod network.
func (o *Options) pprofAddr() (string, error) {
	if !o.EnablePprof {
		return "", nil
	}
	if o.PprofPort < 1 || o.PprofPort > 65535 {
		return "", fmt.Errorf("--pprof-port %d: want a port from 1 to 65535", o.PprofPort)
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(o.PprofPort)), nil
}
