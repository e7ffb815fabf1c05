package bench

import (
	"context"
	"testing"
)

// BenchmarkReviewPortcullis and BenchmarkReviewGatekeeper time one admission
// review of each workload Pod against all TemplateCount constraints; run
// them in one `go test -bench` to compare.
func BenchmarkReviewPortcullis(b *testing.B) {
	w := loadWorkload(b)
	p, err := NewPortcullis(w)
	if err != nil {
		b.Fatal(err)
	}
	benchReviews(b, w, p)
}

func BenchmarkReviewGatekeeper(b *testing.B) {
	w := loadWorkload(b)
	g, err := NewGatekeeper(context.Background(), w)
	if err != nil {
		b.Fatal(err)
	}
	benchReviews(b, w, g)
}

func benchReviews(b *testing.B, w *Workload, r Reviewer) {
	for _, name := range []string{PrivilegedPod, CompliantPod} {
		req := request(b, w, name)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := r.Review(context.Background(), req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
