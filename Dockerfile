# Portcullis manager image: a static binary on a distroless base.
# Build: docker build -t portcullis:dev .
FROM golang:1.26 AS build
WORKDIR /src
# Module downloads get their own layer, reused while go.mod/go.sum are unchanged.
COPY go.mod go.sum ./
RUN go mod download
# Only the product's source; test/ (control-plane tooling) and .dev/ stay out.
COPY apis/ apis/
COPY audit/ audit/
COPY cmd/ cmd/
COPY config/ config/
COPY controllers/ controllers/
COPY engine/ engine/
COPY library/ library/
COPY webhook/ webhook/
ARG TARGETOS=linux
ARG TARGETARCH=amd64
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags="-s -w" -o /out/portcullis ./cmd/portcullis

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/portcullis /portcullis
USER 65532:65532
ENTRYPOINT ["/portcullis"]
CMD ["manager"]
