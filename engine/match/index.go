package match

import (
	"cmp"
	"slices"
)

// Wildcard in spec.match.kinds, and in a GroupKind index key, means "any".
const Wildcard = "*"

// GroupKind is a kind-index key. Either part may be Wildcard: {"*", "Pod"}
// is the kind Pod in every group, {"apps", "*"} every kind of group apps, and
// {"*", "*"} every kind of every group. Group "" is the core group.
type GroupKind struct {
	Group string
	Kind  string
}

// IndexKeys lists, sorted and without duplicates, the keys under which a
// kind index should file m: an object of group g and kind k can only match m
// if one of LookupKeys(g, k) is among them. The result is a fresh slice.
func (m *Matcher) IndexKeys() []GroupKind {
	return slices.Clone(m.indexKeys)
}

// LookupKeys returns the four keys to probe in a kind index for an object of
// the given group and kind: exact, any group, any kind, and any of both.
func LookupKeys(group, kind string) [4]GroupKind {
	return [4]GroupKind{
		{Group: group, Kind: kind},
		{Group: Wildcard, Kind: kind},
		{Group: group, Kind: Wildcard},
		{Group: Wildcard, Kind: Wildcard},
	}
}

// indexKeys expands the kind rules into index keys.
func indexKeys(all bool, rules []kindRule) []GroupKind {
	if all {
		return []GroupKind{{Group: Wildcard, Kind: Wildcard}}
	}
	var keys []GroupKind
	for _, r := range rules {
		groups, kinds := r.groups, r.kinds
		if r.anyGroup {
			groups = []string{Wildcard}
		}
		if r.anyKind {
			kinds = []string{Wildcard}
		}
		for _, g := range groups {
			for _, k := range kinds {
				keys = append(keys, GroupKind{Group: g, Kind: k})
			}
		}
	}
	slices.SortFunc(keys, func(a, b GroupKind) int {
		return cmp.Or(cmp.Compare(a.Group, b.Group), cmp.Compare(a.Kind, b.Kind))
	})
	return slices.Compact(keys)
}
