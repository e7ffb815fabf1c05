package controllers

import (
	"testing"

	configv1alpha1 "github.com/portcullis-dev/portcullis/apis/config/v1alpha1"
)

func TestNamespaceExcluder(t *testing.T) {
	entries := []configv1alpha1.MatchEntry{
		{ExcludedNamespaces: []string{"kube-*", "*-system"}, Processes: []string{"*"}},
		{ExcludedNamespaces: []string{"audit-only", "*tmp*"}, Processes: []string{"audit"}},
		{ExcludedNamespaces: []string{"nosync"}, Processes: []string{"sync"}},
	}
	cases := []struct {
		process, namespace string
		want               bool
	}{
		{"webhook", "kube-system", true},
		{"sync", "gatekeeper-system", true},
		{"audit", "default", false},
		{"audit", "audit-only", true},
		{"webhook", "audit-only", false},
		{"audit", "my-tmp-ns", true},
		{"sync", "nosync", true},
		{"webhook", "nosync", false},
		{"webhook", "kube", false}, // "kube-*" needs the dash
		{"webhook", "", false},     // cluster-scoped objects are never excluded
	}
	var e NamespaceExcluder
	if !e.Set(entries) {
		t.Error("first Set reported no change")
	}
	if e.Set(entries) {
		t.Error("Set with the same entries reported a change")
	}
	for _, tc := range cases {
		t.Run(tc.process+"/"+tc.namespace, func(t *testing.T) {
			if got := e.IsExcluded(tc.process, tc.namespace); got != tc.want {
				t.Errorf("IsExcluded(%q, %q) = %v, want %v", tc.process, tc.namespace, got, tc.want)
			}
		})
	}
}
