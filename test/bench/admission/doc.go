// Package admission measures pod creates through a real kube-apiserver with
// no webhook, with Portcullis's webhook and with upstream Gatekeeper's, each
// run out of cluster and registered by URL.
package admission
