# Build a static binary, then ship it alone in a non-root image.
#   docker build --build-arg VERSION=$(git describe --tags --always) --build-arg COMMIT=$(git rev-parse HEAD) -t incidentbot .
FROM golang:1.26-bookworm AS build
ARG VERSION=devel
ARG COMMIT=unknown
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath \
    -ldflags="-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" \
    -o /out/incidentbot ./cmd/incidentbot

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/incidentbot /incidentbot
USER nonroot:nonroot
# On the terminal, logs go to ./incidentbot.log: a directory nonroot owns.
WORKDIR /home/nonroot
# The listener (/metrics, /healthz, /readyz) runs in every mode, the
# terminal included, so the health check below has something to ask.
ENV INCIDENTBOT_ADDR=:8080
EXPOSE 8080
# No shell or curl in distroless: the binary asks its own /readyz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 CMD ["/incidentbot", "healthcheck"]
ENTRYPOINT ["/incidentbot"]
