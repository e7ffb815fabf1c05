package match

import "testing"

func labeled(op string, newLabels, oldLabels map[string]string) Target {
	return with(pod, func(t *Target) { t.Operation, t.Labels, t.OldLabels = op, newLabels, oldLabels })
}

var (
	web = map[string]string{"app": "web"}
	db  = map[string]string{"app": "db"}
)

func TestLabelSelector(t *testing.T) {
	runDecideCases(t, []decideCase{
		{name: "absent selector matches", match: `{}`, target: labeled("", nil, nil), want: true},
		{name: "empty selector matches an object without labels", match: `labelSelector: {}`,
			target: labeled("", nil, nil), want: true},
		{name: "matchLabels match", match: `labelSelector: {matchLabels: {app: web}}`, target: pod, want: true},
		{name: "matchLabels miss", match: `labelSelector: {matchLabels: {app: db}}`, target: pod, want: false},
		{name: "In", match: `labelSelector: {matchExpressions: [{key: app, operator: In, values: [db, web]}]}`,
			target: pod, want: true},
		{name: "NotIn", match: `labelSelector: {matchExpressions: [{key: app, operator: NotIn, values: [web]}]}`,
			target: pod, want: false},
		{name: "NotIn matches a missing label",
			match:  `labelSelector: {matchExpressions: [{key: tier, operator: NotIn, values: [web]}]}`,
			target: pod, want: true},
		{name: "Exists", match: `labelSelector: {matchExpressions: [{key: app, operator: Exists}]}`, target: pod, want: true},
		{name: "DoesNotExist", match: `labelSelector: {matchExpressions: [{key: app, operator: DoesNotExist}]}`,
			target: pod, want: false},
		{name: "matchLabels and matchExpressions are ANDed",
			match:  `labelSelector: {matchLabels: {app: web}, matchExpressions: [{key: tier, operator: Exists}]}`,
			target: pod, want: false},
		{name: "labelSelector applies to cluster-scoped objects", match: `labelSelector: {matchLabels: {app: db}}`,
			target: clusterRole, want: false},
		{name: "labelSelector ignores the namespace's labels", match: `labelSelector: {matchLabels: {env: prod}}`,
			target: pod, want: false},
		{name: "audit uses the object's labels", match: `labelSelector: {matchLabels: {app: web}}`,
			target: labeled("", web, db), want: true},
		{name: "CREATE ignores OldLabels", match: `labelSelector: {matchLabels: {app: web}}`,
			target: labeled(OperationCreate, db, web), want: false},
		{name: "UPDATE matches on the new labels", match: `labelSelector: {matchLabels: {app: web}}`,
			target: labeled(OperationUpdate, web, db), want: true},
		{name: "UPDATE matches on the old labels", match: `labelSelector: {matchLabels: {app: web}}`,
			target: labeled(OperationUpdate, db, web), want: true},
		{name: "UPDATE with neither", match: `labelSelector: {matchLabels: {app: cache}}`,
			target: labeled(OperationUpdate, db, web), want: false},
		// Removing a label to escape a constraint does not escape it.
		{name: "UPDATE removing the selected label", match: `labelSelector: {matchLabels: {app: web}}`,
			target: labeled(OperationUpdate, nil, web), want: true},
		{name: "DELETE uses the old labels", match: `labelSelector: {matchLabels: {app: web}}`,
			target: labeled(OperationDelete, db, web), want: true},
		{name: "DELETE ignores the new labels", match: `labelSelector: {matchLabels: {app: db}}`,
			target: labeled(OperationDelete, db, web), want: false},
		// Callers that copy oldObject into object on DELETE fill only Labels.
		{name: "DELETE without OldLabels uses Labels", match: `labelSelector: {matchLabels: {app: web}}`,
			target: labeled(OperationDelete, web, nil), want: true},
	})
}

func TestNamespaceSelector(t *testing.T) {
	unknown := with(pod, func(t *Target) { t.HaveNamespace, t.NamespaceLabels = false, nil })
	nsUpdate := with(namespace, func(t *Target) {
		t.Operation, t.Labels, t.OldLabels = OperationUpdate, map[string]string{"env": "dev"}, map[string]string{"env": "prod"}
	})
	runDecideCases(t, []decideCase{
		{name: "namespace labels match", match: `namespaceSelector: {matchLabels: {env: prod}}`, target: pod, want: true},
		{name: "namespace labels miss", match: `namespaceSelector: {matchLabels: {env: dev}}`, target: pod, want: false},
		{name: "object labels are not namespace labels", match: `namespaceSelector: {matchLabels: {app: web}}`,
			target: pod, want: false},
		{name: "namespace without labels", match: `namespaceSelector: {matchExpressions: [{key: env, operator: DoesNotExist}]}`,
			target: with(pod, func(t *Target) { t.NamespaceLabels = nil }), want: true},
		{name: "unknown namespace is an error", match: `namespaceSelector: {matchLabels: {env: prod}}`,
			target: unknown, wantErr: ErrNamespaceUnknown},
		{name: "unknown namespace on UPDATE is an error", match: `namespaceSelector: {matchLabels: {env: prod}}`,
			target: with(unknown, func(t *Target) { t.Operation = OperationUpdate }), wantErr: ErrNamespaceUnknown},
		{name: "unknown namespace with another criterion failing", match: "namespaceSelector: {matchLabels: {env: prod}}\nkinds: [{kinds: [Service]}]",
			target: unknown, want: false},
		{name: "unknown namespace with an empty selector", match: `namespaceSelector: {}`, target: unknown, want: true},
		{name: "unknown namespace without a selector", match: `{}`, target: unknown, want: true},
		{name: "Namespace object uses its own labels", match: `namespaceSelector: {matchLabels: {env: dev}}`,
			target: namespace, want: true},
		{name: "Namespace object miss", match: `namespaceSelector: {matchLabels: {env: prod}}`,
			target: namespace, want: false},
		{name: "Namespace object ignores NamespaceLabels", match: `namespaceSelector: {matchLabels: {env: prod}}`,
			target: with(namespace, func(t *Target) { t.NamespaceLabels, t.HaveNamespace = map[string]string{"env": "prod"}, true }),
			want:   false},
		{name: "Namespace object UPDATE matches on old labels", match: `namespaceSelector: {matchLabels: {env: prod}}`,
			target: nsUpdate, want: true},
		// Each version of the Namespace is judged whole: neither the new
		// nor the old version satisfies both selectors.
		{name: "Namespace object UPDATE judges each version whole",
			match:  "labelSelector: {matchLabels: {env: dev}}\nnamespaceSelector: {matchLabels: {env: prod}}",
			target: nsUpdate, want: false},
		{name: "Namespace object DELETE uses old labels", match: `namespaceSelector: {matchLabels: {env: prod}}`,
			target: with(nsUpdate, func(t *Target) { t.Operation = OperationDelete }), want: true},
		{name: "cluster-scoped object matches without a namespace", match: `namespaceSelector: {matchLabels: {env: prod}}`,
			target: clusterRole, want: true},
		{name: "Cluster scope with a selector", match: "namespaceSelector: {matchLabels: {env: prod}}\nscope: Cluster",
			target: clusterRole, want: true},
	})
}
