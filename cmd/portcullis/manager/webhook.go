package manager

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/open-policy-agent/cert-controller/pkg/rotator"
	"github.com/spf13/pflag"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
	crwebhook "sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/portcullis-dev/portcullis/engine/match"
	"github.com/portcullis-dev/portcullis/webhook"
)

// Names the shipped manifests use for the webhook's objects.
const (
	WebhookConfigurationName = "gatekeeper-validating-webhook-configuration"
	webhookServiceName       = "gatekeeper-webhook-service"
	webhookSecretName        = "gatekeeper-webhook-server-cert"
	processWebhook           = "webhook"
)

// WebhookOptions configure the admission webhooks.
type WebhookOptions struct {
	// Port serves the webhooks over HTTPS.
	Port int
	// Host is the address to listen on; empty means all.
	Host string
	// CertDir holds tls.crt and tls.key.
	CertDir string
	// DisableCertRotation reads certificates from CertDir as they are,
	// instead of generating and rotating them in the Secret.
	DisableCertRotation bool
	// ExemptNamespaces are never reviewed; the only namespaces that may
	// carry the ignore label. Globs: prefix*, *suffix, *contains*.
	ExemptNamespaces []string
	// ServiceAccount is the manager's own service account name in the
	// manager's namespace; its requests are always allowed.
	ServiceAccount string
	// MaxServingThreads bounds concurrent reviews.
	MaxServingThreads int
	// LogDenies logs each refused request.
	LogDenies bool
}

// AddFlags binds the webhook options to fs.
func (o *WebhookOptions) AddFlags(fs *pflag.FlagSet) {
	fs.IntVar(&o.Port, "port", 8443, "port of the HTTPS webhook server")
	fs.StringVar(&o.Host, "host", "", "address of the webhook server; empty listens on all")
	fs.StringVar(&o.CertDir, "cert-dir", "/certs", "directory with the webhook's tls.crt and tls.key")
	fs.BoolVar(&o.DisableCertRotation, "disable-cert-rotation", false,
		"use the certificates in --cert-dir as they are instead of generating and rotating them in the Secret "+webhookSecretName)
	// The three flags add to one list, in the order given.
	fs.Var(&exemptFlag{dst: &o.ExemptNamespaces, glob: "%s"}, "exempt-namespace",
		"namespace that is never reviewed and may carry the "+webhook.IgnoreLabel+" label; repeatable; prefix*, *suffix and *contains* globs")
	fs.Var(&exemptFlag{dst: &o.ExemptNamespaces, glob: "%s*", plain: true}, "exempt-namespace-prefix",
		"exempt every namespace starting with this (Gatekeeper's flag; the same as --exempt-namespace=PREFIX*); repeatable")
	fs.Var(&exemptFlag{dst: &o.ExemptNamespaces, glob: "*%s", plain: true}, "exempt-namespace-suffix",
		"exempt every namespace ending with this (Gatekeeper's flag; the same as --exempt-namespace=*SUFFIX); repeatable")
	fs.StringVar(&o.ServiceAccount, "service-account", "gatekeeper-admin", "the manager's own service account, whose requests are always allowed")
	fs.IntVar(&o.MaxServingThreads, "max-serving-threads", 64, "reviews evaluated at once, more wait until their deadline; 0 or less (Gatekeeper's -1) is one per CPU")
	fs.BoolVar(&o.LogDenies, "log-denies", false, "log every refused request with its messages")
}

// servingThreads is the bound on concurrent reviews: one per CPU for 0 or
// less, which is what Gatekeeper's default of -1 means.
func (o *WebhookOptions) servingThreads() int {
	if o.MaxServingThreads < 1 {
		return runtime.GOMAXPROCS(0)
	}
	return o.MaxServingThreads
}

// exemptFlag is --exempt-namespace, --exempt-namespace-prefix or
// --exempt-namespace-suffix: each value becomes a glob appended to the one
// list the three share.
type exemptFlag struct {
	dst  *[]string
	glob string // fmt pattern with one %s
	// plain refuses values with a * of their own (prefixes and suffixes).
	plain bool
	set   []string
}

func (f *exemptFlag) String() string { return "[" + strings.Join(f.set, ",") + "]" }

func (f *exemptFlag) Type() string { return "stringArray" }

func (f *exemptFlag) Set(v string) error {
	if f.plain && (v == "" || strings.Contains(v, "*")) {
		return fmt.Errorf("%q: want a plain namespace prefix or suffix, without *", v)
	}
	f.set = append(f.set, v)
	*f.dst = append(*f.dst, fmt.Sprintf(f.glob, v))
	return nil
}

// setupWebhook serves validation.gatekeeper.sh and the ignore-label guard.
// The server starts only once its certificates exist.
func setupWebhook(mgr ctrl.Manager, deps *Deps) error {
	if !deps.Options.Runs(OperationWebhook) {
		return nil
	}
	opts := deps.Options.Webhook
	exempt, err := match.ParseGlobs(opts.ExemptNamespaces)
	if err != nil {
		return fmt.Errorf("--exempt-namespace: %w", err)
	}
	certsReady, err := setupCerts(mgr, deps.Options)
	if err != nil {
		return err
	}
	m, err := webhook.NewMetrics(metrics.Registry)
	if err != nil {
		return fmt.Errorf("register webhook metrics: %w", err)
	}
	server := crwebhook.NewServer(crwebhook.Options{Host: opts.Host, Port: opts.Port, CertDir: opts.CertDir})
	isExempt := func(ns string) bool {
		return exempt.MatchesAny(ns) || deps.Excluder.IsExcluded(processWebhook, ns)
	}
	server.Register("/v1/admit", &webhook.Validator{
		Engine:         deps.Engine,
		Policies:       &webhook.PolicyValidator{Compiler: deps.Engine},
		Namespaces:     cacheNamespaces{reader: mgr.GetCache()},
		Ready:          deps.Tracker.Ready,
		Exempt:         isExempt,
		ServiceAccount: fmt.Sprintf("system:serviceaccount:%s:%s", deps.Options.Namespace, opts.ServiceAccount),
		Limiter:        make(chan struct{}, opts.servingThreads()),
		LogDenies:      opts.LogDenies,
		Metrics:        m,
		Log:            mgr.GetLogger().WithName("webhook"),
	})
	server.Register("/v1/admitlabel", &webhook.LabelGuard{Exempt: exempt.MatchesAny})
	if err := mgr.Add(&serveAfter{ready: certsReady, server: server}); err != nil {
		return fmt.Errorf("add webhook server: %w", err)
	}
	// Warm the Namespace informer now rather than on the first request.
	return mgr.Add(ctrlRunnable(func(ctx context.Context) error {
		_, err := mgr.GetCache().GetInformer(ctx, &corev1.Namespace{})
		return err
	}))
}

// setupCerts keeps the serving certificate in its Secret and the CA bundle
// in the webhook configuration, rotating before expiry. The returned channel
// closes once the certificates are on disk.
func setupCerts(mgr ctrl.Manager, o *Options) (<-chan struct{}, error) {
	ready := make(chan struct{})
	if o.Webhook.DisableCertRotation {
		close(ready)
		return ready, nil
	}
	err := rotator.AddRotator(mgr, &rotator.CertRotator{
		SecretKey:      types.NamespacedName{Namespace: o.Namespace, Name: webhookSecretName},
		CertDir:        filepath.Clean(o.Webhook.CertDir),
		CAName:         "portcullis-ca",
		CAOrganization: "portcullis",
		DNSName:        fmt.Sprintf("%s.%s.svc", webhookServiceName, o.Namespace),
		ExtraDNSNames: []string{
			webhookServiceName,
			fmt.Sprintf("%s.%s", webhookServiceName, o.Namespace),
			fmt.Sprintf("%s.%s.svc.cluster.local", webhookServiceName, o.Namespace),
		},
		IsReady:  ready,
		Webhooks: []rotator.WebhookInfo{{Name: WebhookConfigurationName, Type: rotator.Validating}},
	})
	if err != nil {
		return nil, fmt.Errorf("set up certificate rotation: %w", err)
	}
	return ready, nil
}

// serveAfter starts the webhook server once ready closes.
type serveAfter struct {
	ready  <-chan struct{}
	server crwebhook.Server
}

func (s *serveAfter) Start(ctx context.Context) error {
	select {
	case <-s.ready:
	case <-ctx.Done():
		return nil
	}
	return s.server.Start(ctx)
}

// NeedLeaderElection is false: every replica serves the webhook.
func (s *serveAfter) NeedLeaderElection() bool { return false }

// ctrlRunnable is a runnable every replica runs.
type ctrlRunnable func(ctx context.Context) error

func (f ctrlRunnable) Start(ctx context.Context) error { return f(ctx) }
func (f ctrlRunnable) NeedLeaderElection() bool        { return false }

// cacheNamespaces reads Namespaces from the manager's cache.
type cacheNamespaces struct{ reader client.Reader }

func (c cacheNamespaces) Namespace(ctx context.Context, name string) (*corev1.Namespace, error) {
	ns := &corev1.Namespace{}
	err := c.reader.Get(ctx, types.NamespacedName{Name: name}, ns)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return ns, nil
}
