# syntax=docker/dockerfile:1
# Build the one static binary, then ship it alone on a small base image.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/sangathan ./cmd/sangathan

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/sangathan /usr/local/bin/sangathan
ENV SANGATHAN_ADDR=:8080 SANGATHAN_DATA_DIR=/data SANGATHAN_LOG_FORMAT=json
# Set at run time: SANGATHAN_DATABASE_URL (the server's own role), SANGATHAN_MIGRATE_DATABASE_URL
# (the schema owner that migrates and grants), SANGATHAN_METRICS_ADDR (e.g. :9090); see the README.
VOLUME /data
EXPOSE 8080 9090
USER nonroot
ENTRYPOINT ["/usr/local/bin/sangathan"]
CMD ["serve"]
