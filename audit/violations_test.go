package audit

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func pod(ns, name, msg string) Violation {
	return Violation{EnforcementAction: "deny", Version: "v1", Kind: "Pod", Namespace: ns, Name: name, Message: msg}
}

func TestKeeper(t *testing.T) {
	tests := []struct {
		name      string
		limit     int
		add       []Violation
		wantTotal int64
		want      []Violation
	}{
		{name: "none", limit: 3, wantTotal: 0, want: []Violation{}},
		{
			name:      "under the limit, sorted by namespace then name",
			limit:     3,
			add:       []Violation{pod("b", "x", "m"), pod("a", "y", "m")},
			wantTotal: 2,
			want:      []Violation{pod("a", "y", "m"), pod("b", "x", "m")},
		},
		{
			name:      "over the limit keeps the first in order, counts all",
			limit:     2,
			add:       []Violation{pod("c", "1", "m"), pod("a", "2", "m"), pod("b", "3", "m"), pod("a", "1", "m")},
			wantTotal: 4,
			want:      []Violation{pod("a", "1", "m"), pod("a", "2", "m")},
		},
		{
			name:  "same object, messages ordered",
			limit: 5,
			add:   []Violation{pod("a", "p", "z"), pod("a", "p", "b")},
			// Both messages of the same object are kept.
			wantTotal: 2,
			want:      []Violation{pod("a", "p", "b"), pod("a", "p", "z")},
		},
		{
			name:      "group sorts before kind",
			limit:     1,
			add:       []Violation{{Group: "apps", Kind: "Deployment", Name: "d"}, {Kind: "Pod", Name: "p"}},
			wantTotal: 2,
			want:      []Violation{{Kind: "Pod", Name: "p"}},
		},
		{
			name:      "limit zero counts only",
			limit:     0,
			add:       []Violation{pod("a", "1", "m")},
			wantTotal: 1,
			want:      []Violation{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k := newKeeper(tc.limit)
			for _, v := range tc.add {
				k.add(v)
			}
			total, got := k.result()
			if total != tc.wantTotal {
				t.Errorf("total = %d, want %d", total, tc.wantTotal)
			}
			if got == nil {
				got = []Violation{}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("kept (-want +got):\n%s", diff)
			}
		})
	}
}

// TestKeeperOrderIndependent checks that the kept set does not depend on the
// order violations arrive in, which is what keeps status from churning.
func TestKeeperOrderIndependent(t *testing.T) {
	var all []Violation
	for i := range 200 {
		all = append(all, pod(fmt.Sprintf("ns-%02d", i%17), fmt.Sprintf("pod-%03d", i), "m"))
	}
	first := keep(all, 20)
	for seed := range uint64(5) {
		shuffled := append([]Violation(nil), all...)
		r := rand.New(rand.NewPCG(seed, seed))
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		if diff := cmp.Diff(first, keep(shuffled, 20)); diff != "" {
			t.Fatalf("seed %d: kept set differs (-first +now):\n%s", seed, diff)
		}
	}
	if len(first) != 20 {
		t.Fatalf("kept %d, want 20", len(first))
	}
}

func keep(vs []Violation, limit int) []Violation {
	k := newKeeper(limit)
	for _, v := range vs {
		k.add(v)
	}
	_, out := k.result()
	return out
}

func TestTally(t *testing.T) {
	a := constraintRef{Kind: "K8sA", Name: "a"}
	b := constraintRef{Kind: "K8sB", Name: "b"}
	late := constraintRef{Kind: "K8sA", Name: "late"}
	tl := newTally(1, []constraintRef{b, a})
	tl.add(a, pod("x", "1", "m"))
	tl.add(a, Violation{EnforcementAction: "warn", Kind: "Pod", Name: "0"})
	tl.add(late, Violation{EnforcementAction: "dryrun", Kind: "Pod", Name: "2"})
	tl.reviewedOne(0)
	tl.reviewedOne(2)
	got := tl.results()
	want := []constraintResult{
		{Ref: a, Total: 2, Violations: []Violation{{EnforcementAction: "warn", Kind: "Pod", Name: "0"}}},
		// A constraint added during the run is reported.
		{Ref: late, Total: 1, Violations: []Violation{{EnforcementAction: "dryrun", Kind: "Pod", Name: "2"}}},
		// A constraint without violations is reported with zero.
		{Ref: b, Total: 0, Violations: nil},
	}
	if diff := cmp.Diff(want, got, cmp.Transformer("nilEmpty", func(v []Violation) []Violation {
		if len(v) == 0 {
			return nil
		}
		return v
	})); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	if tl.reviewed != 2 || tl.evalErrors != 2 {
		t.Errorf("reviewed=%d evalErrors=%d, want 2 and 2", tl.reviewed, tl.evalErrors)
	}
	if diff := cmp.Diff(map[string]int64{"deny": 1, "warn": 1, "dryrun": 1}, tl.byAction); diff != "" {
		t.Errorf("byAction (-want +got):\n%s", diff)
	}
}
