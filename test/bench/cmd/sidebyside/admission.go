package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/portcullis-dev/portcullis/test/bench"
	"github.com/portcullis-dev/portcullis/test/bench/admission"
	"github.com/portcullis-dev/portcullis/test/controlplane"
)

// upstreamModuleDir is where go keeps the pinned Gatekeeper module, whose
// Helm chart CRDs the Gatekeeper run installs.
func upstreamModuleDir(ctx context.Context) (string, error) {
	out, err := goList(ctx, "upstream", "-m", "-f", "{{.Dir}}", "github.com/open-policy-agent/gatekeeper/v3")
	if err != nil {
		return "", err
	}
	return out, nil
}

// compareAdmission runs the baseline, Portcullis and Gatekeeper in turn,
// each against its own fresh control plane.
func compareAdmission(ctx context.Context, w *bench.Workload, o options) ([]admission.Row, error) {
	binDir, err := controlplane.DefaultBinDir(os.Getenv)
	if err != nil {
		return nil, err
	}
	p, err := bench.NewPortcullis(w)
	if err != nil {
		return nil, err
	}
	violated, err := p.ViolatedConstraints(ctx, w.Objects[bench.PrivilegedPod])
	if err != nil {
		return nil, err
	}
	systems, err := admissionSystems(ctx, strings.Split(o.systems, ","))
	if err != nil {
		return nil, err
	}
	opts := admission.Options{
		BinDir: binDir, Workload: w, Violated: violated, Concurrency: []int{1, 16, 64},
		Requests: func(c int) int { return max(o.creates, 10*c) }, Log: os.Stderr,
	}
	var rows []admission.Row
	for _, s := range systems {
		r, err := admission.Run(ctx, opts, s)
		if err != nil {
			return rows, fmt.Errorf("admission: %w", err)
		}
		rows = append(rows, r...)
	}
	return rows, nil
}

// admissionSystems builds the named systems ("none" is the baseline, a nil
// webhook; "allow-all" is this program serving a webhook without policy),
// building their binaries as needed.
func admissionSystems(ctx context.Context, names []string) ([]*admission.Webhook, error) {
	var out []*admission.Webhook
	for _, name := range names {
		switch name {
		case admission.Baseline:
			out = append(out, nil)
		case admission.AllowAll:
			self, err := os.Executable()
			if err != nil {
				return nil, err
			}
			w := admission.AllowAllWebhook(self)
			out = append(out, &w)
		case "portcullis":
			bin, err := bench.PortcullisCLI.Ensure(ctx, ".")
			if err != nil {
				return nil, err
			}
			w := admission.PortcullisWebhook(bin, filepath.Join("..", "..", "config", "crd", "bases"))
			out = append(out, &w)
		case "gatekeeper":
			bin, err := bench.GatekeeperManager.Ensure(ctx, ".")
			if err != nil {
				return nil, err
			}
			dir, err := upstreamModuleDir(ctx)
			if err != nil {
				return nil, err
			}
			w := admission.GatekeeperWebhook(bin, filepath.Join(dir, "manifest_staging", "charts", "gatekeeper", "crds"))
			out = append(out, &w)
		default:
			return nil, fmt.Errorf("unknown admission system %q", name)
		}
	}
	return out, nil
}
