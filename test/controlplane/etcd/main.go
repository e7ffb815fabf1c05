// Command etcd is the upstream etcd server, built from go.etcd.io/etcd/server/v3
// for Portcullis's local control plane and tests.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
