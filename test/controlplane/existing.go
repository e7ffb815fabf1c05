package controlplane

import (
	"context"
	"fmt"
	"time"

	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// Existing describes a reachable cluster found through the usual kubeconfig
// rules ($KUBECONFIG, else ~/.kube/config).
type Existing struct {
	Config  *rest.Config
	Context string
	Version string
}

// FindExisting loads the default kubeconfig and asks the cluster for its
// version within timeout. It errors when there is no kubeconfig or the
// cluster does not answer.
func FindExisting(ctx context.Context, timeout time.Duration) (*Existing, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	loader := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{})
	raw, err := loader.RawConfig()
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig: %w", err)
	}
	cfg, err := loader.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	probe := rest.CopyConfig(cfg)
	probe.Timeout = timeout
	dc, err := discovery.NewDiscoveryClientForConfig(probe)
	if err != nil {
		return nil, fmt.Errorf("client for %s: %w", cfg.Host, err)
	}
	version, err := dc.ServerVersion()
	if err != nil {
		return nil, fmt.Errorf("reach cluster %s: %w", cfg.Host, err)
	}
	return &Existing{Config: cfg, Context: raw.CurrentContext, Version: version.GitVersion}, nil
}
