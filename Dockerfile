# Portcullis image: one static binary on distroless "static" (no shell, no
# libc), running as the image's non-root user 65532. The same image runs every
# role of the install (deploy/gatekeeper.yaml passes `manager --operation=...`).
#
# Build with `make docker-build`, which passes the same VERSION and linker
# flags `make build` uses; a bare `docker build .` gets the defaults below.
FROM golang:1.26 AS build
WORKDIR /src
# Module downloads get their own layer, reused while go.mod/go.sum are unchanged.
COPY go.mod go.sum ./
RUN go mod download
# Only the product's source; test/ (control-plane tooling) and .dev/ stay out.
COPY apis/ apis/
COPY audit/ audit/
COPY cmd/ cmd/
COPY controllers/ controllers/
COPY engine/ engine/
COPY library/ library/
COPY webhook/ webhook/
ARG TARGETOS=linux
ARG TARGETARCH=amd64
# VERSION is config/default's image tag; GO_LDFLAGS must match the Makefile's.
ARG VERSION=dev
ARG GO_LDFLAGS="-s -w -X github.com/portcullis-dev/portcullis/cmd/portcullis/app.version=${VERSION}"
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags="${GO_LDFLAGS}" -o /out/portcullis ./cmd/portcullis

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/portcullis /portcullis
USER 65532:65532
ENTRYPOINT ["/portcullis"]
CMD ["manager"]
