# Portcullis developer entry points. Run `make` (or `make help`) for the list.
#
# Everything here is plain `go` underneath; variables in CAPITALS can be
# overridden on the command line, e.g. `make test PKGS=./engine/...`.

SHELL := /usr/bin/env bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

GO        ?= go
# The release version lives in one place: the image tag of config/default.
VERSION    ?= $(shell sed -n 's/^ *newTag: *//p' config/default/kustomization.yaml)
IMG        ?= ghcr.io/portcullis-dev/portcullis:$(VERSION)
GO_LDFLAGS ?= -s -w -X github.com/portcullis-dev/portcullis/cmd/portcullis/app.version=$(VERSION)
PKGS      ?= ./...
BIN_DIR   ?= bin
DEV_DIR   ?= .dev

# Extra flags for `go test` in `make test`, e.g. TEST_FLAGS=-v or -run=TestX.
TEST_FLAGS ?=

# Benchmarks: pattern and flags for `make bench`.
BENCH       ?= .
BENCH_FLAGS ?= -benchmem

# Fuzzing: every `func FuzzXxx` in a _test.go file runs for FUZZTIME during
# `make fuzz` (and so `make test`). Set FUZZ_TARGETS to a space-separated list
# of PKGDIR:FuzzName (e.g. ./engine:FuzzParse) to choose them, or FUZZ=0 to skip.
FUZZ         ?= 1
FUZZTIME     ?= 10s
# Cap the minimisation of each new interesting input, which otherwise takes
# up to a minute and would eat the whole short budget.
FUZZMINIMIZETIME ?= 2s
FUZZ_TARGETS ?=

# controller-tools v0.21.x is the release built against Kubernetes 1.36.
CONTROLLER_TOOLS_VERSION ?= v0.21.0
CONTROLLER_GEN ?= $(GO) run sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_TOOLS_VERSION)

# Local control-plane tool (builds etcd/kube-apiserver/kubectl, runs them).
CONTROLPLANE := $(BIN_DIR)/portcullis-controlplane
# `make run` runs RUN_CMD against the cluster with KUBECONFIG set: by default
# the dev tool, which installs the CRDs, runs the manager with its webhook,
# loads the pod-security library and prints commands to try. RUN_CMD= (empty)
# only keeps the cluster up. RUN_FLAGS go to the control-plane tool (e.g.
# RUN_FLAGS="-local -port 6443").
DEV_TOOL  := $(BIN_DIR)/portcullis-dev
RUN_CMD   ?= $(DEV_TOOL) -state-dir $(DEV_DIR) -portcullis $(BIN_DIR)/portcullis
RUN_FLAGS ?=

.PHONY: help
help: ## Show this list of targets.
	@echo "Usage: make <target> [VAR=value ...]"
	@echo
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  %-18s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

##@ Build

.PHONY: build
build: ## Build the static portcullis binary into bin/portcullis (the image builds the same).
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(GO_LDFLAGS)" -o $(BIN_DIR)/portcullis ./cmd/portcullis

.PHONY: docker-build
docker-build: ## Build the image $(IMG) with the same flags as build.
	docker build --build-arg VERSION=$(VERSION) --build-arg GO_LDFLAGS="$(GO_LDFLAGS)" -t $(IMG) .

.PHONY: deploy-yaml
deploy-yaml: controlplane ## Regenerate deploy/gatekeeper.yaml from config/default (run after changing config/).
	{ cat config/default/header.txt; "$$($(CONTROLPLANE) bin-dir)/kubectl" kustomize --load-restrictor=LoadRestrictionsNone config/default; } > deploy/gatekeeper.yaml

.PHONY: controlplane
controlplane: controlplane-tool ## Build (or reuse cached) etcd, kube-apiserver and kubectl for tests.
	@$(CONTROLPLANE) build >/dev/null

.PHONY: controlplane-tool
controlplane-tool: ## Build bin/portcullis-controlplane (the control-plane builder/runner).
	@$(GO) build -o $(CONTROLPLANE) ./test/controlplane/cmd/portcullis-controlplane

.PHONY: generate
generate: manifests ## Generate deepcopy code, then CRDs and RBAC (controller-gen).
	$(CONTROLLER_GEN) object paths=./apis/...

.PHONY: manifests
manifests: ## Generate CRDs into config/crd/bases and RBAC into config/rbac.
	$(CONTROLLER_GEN) crd:crdVersions=v1 paths=./apis/... output:crd:dir=config/crd/bases
	$(CONTROLLER_GEN) rbac:roleName=portcullis-manager-role paths=./controllers/... output:rbac:dir=config/rbac

##@ Check

.PHONY: fmt
fmt: ## Format all Go code of the product module.
	$(GO) fmt $(PKGS)

.PHONY: vet
vet: ## Run go vet on the product module.
	$(GO) vet $(PKGS)

.PHONY: test
test: controlplane ## Build control-plane binaries, vet, run all tests (the benchmark harness's too), then short fuzzing.
	$(GO) vet $(PKGS)
	$(GO) test $(TEST_FLAGS) $(PKGS)
	cd test/bench && $(GO) vet ./... && $(GO) test $(TEST_FLAGS) ./...
	@if [ "$(FUZZ)" != 0 ]; then $(MAKE) --no-print-directory fuzz; fi

.PHONY: fuzz
fuzz: ## Run each Fuzz* test for FUZZTIME (FUZZ_TARGETS=dir:FuzzName ... to choose).
	@targets="$(FUZZ_TARGETS)"; \
	if [ -z "$$targets" ]; then \
		targets=$$(grep -rEo --include='*_test.go' --exclude-dir=.git --exclude-dir=testdata --exclude-dir=$(DEV_DIR) \
			'^func Fuzz[A-Za-z0-9_]*' . | sed -E 's#^(.*)/[^/]*_test\.go:func (Fuzz[A-Za-z0-9_]*)$$#\1:\2#' | sort -u); \
	fi; \
	if [ -z "$$targets" ]; then echo "fuzz: no Fuzz* tests found"; exit 0; fi; \
	log=$$(mktemp); trap 'rm -f "$$log"' EXIT; \
	for target in $$targets; do \
		dir=$${target%%:*}; name=$${target##*:}; \
		echo "fuzz: $$dir $$name for $(FUZZTIME)"; \
		if ! $(GO) test -run='^$$' -fuzz="^$$name$$" -fuzztime=$(FUZZTIME) -fuzzminimizetime=$(FUZZMINIMIZETIME) "$$dir" 2>&1 | tee "$$log"; then \
			if grep -qx '    context deadline exceeded' "$$log" && ! grep -q 'Failing input written' "$$log"; then \
				echo "fuzz: $$name: Go's fuzz coordinator missed its own -fuzztime deadline and wrote no failing input (golang/go#75804, fixed in Go 1.27); replaying the corpus instead"; \
				$(GO) test -run="^$$name$$" "$$dir"; \
			else \
				exit 1; \
			fi; \
		fi; \
	done

.PHONY: bench
bench: ## Side-by-side benchmarks against upstream Gatekeeper; results in test/bench/results/.
	cd test/bench && $(GO) run ./cmd/sidebyside -out results

##@ Run

.PHONY: run
run: build controlplane dev-tool ## Local control plane in .dev/ (or your reachable cluster) with the manager and library, until Ctrl-C.
	$(CONTROLPLANE) run -state-dir $(DEV_DIR) $(RUN_FLAGS) $(if $(strip $(RUN_CMD)),-- $(RUN_CMD))

.PHONY: dev-tool
dev-tool: ## Build bin/portcullis-dev (what `make run` runs once the cluster is up).
	@$(GO) build -o $(DEV_TOOL) ./test/dev/cmd/portcullis-dev

.PHONY: stop
stop: controlplane-tool ## Stop control-plane processes a killed `make run` left behind.
	$(CONTROLPLANE) stop -state-dir $(DEV_DIR)

.PHONY: clean
clean: ## Remove bin/, dist/ and .dev/ (stopping leftovers first). Cached binaries stay.
	@if [ -x $(CONTROLPLANE) ] && [ -d $(DEV_DIR) ]; then $(CONTROLPLANE) stop -state-dir $(DEV_DIR); fi
	rm -rf $(BIN_DIR) dist $(DEV_DIR)
