package controlplane

import (
	"context"
	"os"
	"testing"
)

// BenchmarkStartStop measures a full control-plane start (etcd,
// kube-apiserver, /readyz, kubeconfig) and stop:
//
//	go test -run '^$' -bench StartStop -benchtime 3x ./test/controlplane
func BenchmarkStartStop(b *testing.B) {
	dir, err := DefaultBinDir(os.Getenv)
	if err == nil {
		err = CheckPresent(dir)
	}
	if err != nil {
		b.Skipf("%v; run `make controlplane`", err)
	}
	for b.Loop() {
		p, err := Start(context.Background(), Options{BinDir: dir})
		if err != nil {
			b.Fatal(err)
		}
		if err := p.Stop(); err != nil {
			b.Fatal(err)
		}
	}
}
