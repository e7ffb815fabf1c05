package engine

import "github.com/open-policy-agent/opa/v1/ast"

// commonStrings holds one shared term per string listed below: field names
// of the Kubernetes objects admission and audit see most (Pods and their
// controllers, Services, Namespaces, RBAC) and values those fields often
// hold. The table is built once and only read afterwards; Rego evaluation
// never modifies input terms, so sharing them between reviews is safe.
var commonStrings = func() map[string]*ast.Term {
	m := make(map[string]*ast.Term, len(commonStringList))
	for _, s := range commonStringList {
		m[s] = ast.StringTerm(s)
	}
	return m
}()

var commonStringList = []string{
	// Object metadata.
	"apiVersion", "kind", "metadata", "name", "namespace", "generateName", "labels", "annotations",
	"uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp",
	"deletionGracePeriodSeconds", "ownerReferences", "controller", "blockOwnerDeletion", "finalizers",
	"managedFields", "manager", "operation", "time", "fieldsType", "fieldsV1", "subresource",
	"spec", "status", "data", "stringData", "type", "items",
	// Pod spec and containers.
	"containers", "initContainers", "ephemeralContainers", "image", "imagePullPolicy", "command",
	"args", "workingDir", "env", "envFrom", "value", "valueFrom", "fieldRef", "fieldPath",
	"secretKeyRef", "configMapKeyRef", "resourceFieldRef", "key", "optional", "ports", "containerPort",
	"hostPort", "hostIP", "protocol", "resources", "limits", "requests", "claims", "cpu", "memory",
	"ephemeral-storage", "volumeMounts", "mountPath", "subPath", "readOnly", "mountPropagation",
	"volumeDevices", "devicePath", "securityContext", "privileged", "allowPrivilegeEscalation",
	"readOnlyRootFilesystem", "runAsUser", "runAsGroup", "runAsNonRoot", "capabilities", "add", "drop",
	"seccompProfile", "localhostProfile", "seLinuxOptions", "level", "role", "user", "procMount",
	"windowsOptions", "hostProcess", "runAsUserName", "gmsaCredentialSpecName", "appArmorProfile",
	"livenessProbe", "readinessProbe", "startupProbe", "lifecycle", "postStart", "preStop",
	"httpGet", "httpHeaders", "path", "port", "host", "scheme", "tcpSocket", "grpc", "exec",
	"initialDelaySeconds", "periodSeconds", "timeoutSeconds", "successThreshold", "failureThreshold",
	"terminationGracePeriodSeconds", "terminationMessagePath", "terminationMessagePolicy", "stdin",
	"stdinOnce", "tty", "restartPolicy", "resizePolicy", "resourceName", "targetContainerName",
	"volumes", "emptyDir", "medium", "sizeLimit", "configMap", "secret", "secretName", "defaultMode",
	"projected", "sources", "serviceAccountToken", "expirationSeconds", "audience", "downwardAPI",
	"hostPath", "persistentVolumeClaim", "claimName", "flexVolume", "driver", "csi", "nfs", "server",
	"ephemeral", "hostNetwork", "hostPID", "hostIPC", "hostUsers", "shareProcessNamespace",
	"fsGroup", "fsGroupChangePolicy", "supplementalGroups", "supplementalGroupsPolicy", "sysctls",
	"serviceAccountName", "serviceAccount", "automountServiceAccountToken", "nodeName",
	"nodeSelector", "affinity", "tolerations", "effect", "operator", "tolerationSeconds",
	"dnsPolicy", "dnsConfig", "schedulerName", "priority", "priorityClassName", "enableServiceLinks",
	"preemptionPolicy", "runtimeClassName", "overhead", "hostname", "subdomain", "imagePullSecrets",
	"topologySpreadConstraints", "readinessGates", "os", "securityContextConstraints",
	// Workloads, Services, Namespaces, RBAC.
	"template", "selector", "matchLabels", "matchExpressions", "values", "replicas", "strategy",
	"rollingUpdate", "maxSurge", "maxUnavailable", "revisionHistoryLimit", "progressDeadlineSeconds",
	"minReadySeconds", "serviceName", "podManagementPolicy", "updateStrategy",
	"volumeClaimTemplates", "backoffLimit", "completions", "parallelism", "jobTemplate", "schedule",
	"clusterIP", "clusterIPs", "externalIPs", "externalName", "loadBalancerIP", "nodePort",
	"targetPort", "sessionAffinity", "ipFamilies", "ipFamilyPolicy", "internalTrafficPolicy",
	"rules", "apiGroups", "verbs", "resourceNames", "nonResourceURLs", "subjects", "roleRef",
	"ingressClassName", "tls", "hosts", "http", "paths", "pathType", "backend", "service", "number",
	"phase", "conditions", "lastProbeTime", "lastTransitionTime", "reason", "message",
	"observedGeneration", "podIP", "podIPs", "ip", "hostIPs", "startTime", "qosClass",
	"containerStatuses", "initContainerStatuses", "ready", "restartCount", "started", "state",
	"lastState", "imageID", "containerID", "running", "startedAt",
	// Frequent values.
	"v1", "apps/v1", "batch/v1", "Pod", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job",
	"CronJob", "Service", "ConfigMap", "Secret", "Namespace", "ServiceAccount", "Always",
	"IfNotPresent", "Never", "OnFailure", "TCP", "UDP", "ClusterFirst", "File",
	"/dev/termination-log", "default-scheduler", "default", "RuntimeDefault", "Localhost",
	"Unconfined", "ALL", "Default", "Unmasked", "PreemptLowerPriority", "Running", "Pending",
	"Succeeded", "Failed", "True", "False", "Ready", "Initialized", "ContainersReady",
	"PodScheduled", "BestEffort", "Burstable", "Guaranteed", "NoSchedule", "NoExecute", "Exists",
	"Equal", "node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable", "Opaque",
	"kube-api-access", "kube-root-ca.crt", "ca.crt", "token", "FieldsV1", "Update", "Apply",
	"kube-controller-manager", "kubelet", "app", "app.kubernetes.io/name",
	"app.kubernetes.io/instance", "app.kubernetes.io/version", "app.kubernetes.io/component",
	"app.kubernetes.io/part-of", "app.kubernetes.io/managed-by", "kubernetes.io/metadata.name",
	"pod-template-hash", "controller-revision-hash", "ClusterIP", "NodePort", "LoadBalancer",
	"RollingUpdate", "OrderedReady", "Prefix", "ImplementationSpecific",
}
