# Build a static binary, then ship it alone in a non-root image.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o /out/incidentbot ./cmd/incidentbot

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/incidentbot /incidentbot
USER nonroot:nonroot
EXPOSE 8080
ENTRYPOINT ["/incidentbot"]
