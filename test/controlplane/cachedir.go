package controlplane

import (
	"errors"
	"fmt"
	"path/filepath"
)

// Environment variables that choose where binaries are cached.
const (
	// EnvCacheDir overrides the whole Portcullis cache root.
	EnvCacheDir = "PORTCULLIS_CACHE_DIR"
	// envXDGCache is the XDG base directory for user caches.
	envXDGCache = "XDG_CACHE_HOME"
	envHome     = "HOME"
)

// CacheRoot resolves the Portcullis cache root: $PORTCULLIS_CACHE_DIR if set,
// else $XDG_CACHE_HOME/portcullis, else $HOME/.cache/portcullis. getenv is
// usually os.Getenv; tests pass their own.
func CacheRoot(getenv func(string) string) (string, error) {
	if dir := getenv(EnvCacheDir); dir != "" {
		return filepath.Abs(dir)
	}
	if dir := getenv(envXDGCache); dir != "" {
		return filepath.Abs(filepath.Join(dir, "portcullis"))
	}
	if home := getenv(envHome); home != "" {
		return filepath.Join(home, ".cache", "portcullis"), nil
	}
	return "", errors.New("resolve cache dir: none of " + EnvCacheDir + ", " + envXDGCache + " or " + envHome + " is set")
}

// BinDir is the directory holding the control-plane binaries for versions v
// under the cache root, e.g. ~/.cache/portcullis/controlplane/k8s-v1.36.4-etcd-v3.6.16.
func BinDir(cacheRoot string, v Versions) string {
	return filepath.Join(cacheRoot, "controlplane", v.Key())
}

// DefaultBinDir resolves BinDir for the default versions from the environment.
func DefaultBinDir(getenv func(string) string) (string, error) {
	root, err := CacheRoot(getenv)
	if err != nil {
		return "", fmt.Errorf("control-plane binary dir: %w", err)
	}
	return BinDir(root, DefaultVersions), nil
}
