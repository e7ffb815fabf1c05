package engine

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/portcullis-dev/portcullis/engine/match"
)

func TestConstraintIndexCandidates(t *testing.T) {
	x := newConstraintIndex()
	add := func(kind, name string, kinds ...match.Kinds) {
		t.Helper()
		m, err := match.Compile(match.Match{Kinds: kinds})
		if err != nil {
			t.Fatal(err)
		}
		x.add(&constraintEntry{c: &Constraint{Kind: kind, Name: name}, keys: m.IndexKeys()})
	}
	add("K1", "pods", match.Kinds{APIGroups: []string{""}, Kinds: []string{"Pod"}})
	add("K1", "any-group-pods", match.Kinds{APIGroups: []string{"*"}, Kinds: []string{"Pod"}})
	add("K1", "apps", match.Kinds{APIGroups: []string{"apps"}, Kinds: []string{"*"}})
	add("K1", "everything")
	add("K0", "pods-twice", match.Kinds{APIGroups: []string{""}, Kinds: []string{"Pod"}},
		match.Kinds{APIGroups: []string{"*"}, Kinds: []string{"Pod", "Service"}})
	add("K2", "deployments", match.Kinds{APIGroups: []string{"apps"}, Kinds: []string{"Deployment"}})

	tests := []struct {
		group, kind string
		want        []string
	}{
		{"", "Pod", []string{"K0/pods-twice", "K1/any-group-pods", "K1/everything", "K1/pods"}},
		{"apps", "Deployment", []string{"K1/apps", "K1/everything", "K2/deployments"}},
		{"", "Service", []string{"K0/pods-twice", "K1/everything"}},
		{"batch", "Job", []string{"K1/everything"}},
	}
	for _, tc := range tests {
		t.Run(tc.group+"/"+tc.kind, func(t *testing.T) {
			var got []string
			for _, e := range x.candidates(tc.group, tc.kind) {
				got = append(got, e.c.Kind+"/"+e.c.Name)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("candidates (-want +got):\n%s", diff)
			}
		})
	}

	// Replacing a constraint moves it between buckets; removing a kind
	// empties them.
	add("K1", "pods", match.Kinds{APIGroups: []string{"batch"}, Kinds: []string{"Job"}})
	x.removeKind("K0")
	var got []string
	for _, e := range x.candidates("", "Pod") {
		got = append(got, e.c.Name)
	}
	if diff := cmp.Diff([]string{"any-group-pods", "everything"}, got); diff != "" {
		t.Errorf("after replace and removeKind (-want +got):\n%s", diff)
	}
	if n := len(x.buckets[match.GroupKind{Group: "", Kind: "Pod"}]); n != 0 {
		t.Errorf("bucket for core Pod still holds %d entries", n)
	}
}
