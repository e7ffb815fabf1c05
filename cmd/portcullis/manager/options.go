package manager

import (
	"flag"
	"os"

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
	fs.BoolVar(&o.LeaderElect, "leader-elect", o.LeaderElect, "elect a leader for leader-only work such as audit")
	fs.StringVar(&o.LogLevel, "log-level", o.LogLevel, "log level: debug, info or error")
	fs.BoolVar(&o.LogDevelopment, "log-development", o.LogDevelopment, "human-readable console logs")
	o.OperationOptions.AddFlags(fs)
	o.Webhook.AddFlags(fs)
	o.Audit.AddFlags(fs)
	o.Engine.AddFlags(fs)
	gofs := flag.NewFlagSet("controller-runtime", flag.ContinueOnError)
	ctrlconfig.RegisterFlags(gofs)
	fs.AddGoFlagSet(gofs)
}
