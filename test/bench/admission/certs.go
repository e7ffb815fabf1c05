package admission

import (
	"fmt"
	"net"

	"github.com/portcullis-dev/portcullis/test/certs"
)

// writeServingCert writes a self-signed tls.crt/tls.key (and ca.crt) for
// 127.0.0.1 into dir and returns the certificate PEM, which doubles as the
// caBundle.
func writeServingCert(dir string) ([]byte, error) {
	return certs.WriteServing(dir)
}

// freePort asks the kernel for an unused loopback port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
