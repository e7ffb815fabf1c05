package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

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
	portcullisBin, err := bench.PortcullisCLI.Ensure(ctx, ".")
	if err != nil {
		return nil, err
	}
	gkBin, err := bench.GatekeeperManager.Ensure(ctx, ".")
	if err != nil {
		return nil, err
	}
	gkDir, err := upstreamModuleDir(ctx)
	if err != nil {
		return nil, err
	}
	systems := []*admission.Webhook{
		nil,
		ptr(admission.PortcullisWebhook(portcullisBin, filepath.Join("..", "..", "config", "crd", "bases"))),
		ptr(admission.GatekeeperWebhook(gkBin, filepath.Join(gkDir, "manifest_staging", "charts", "gatekeeper", "crds"))),
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

func ptr[T any](v T) *T { return &v }
