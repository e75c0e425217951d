# syntax=docker/dockerfile:1
#
# julia-chatops: one binary, `chatops`, on Debian slim.
#   docker build -t julia-chatops .
#   docker run --rm -p 3000:3000 --env-file .env julia-chatops
# Railway builds this file (railway.toml: builder = "DOCKERFILE").

# ---- build -------------------------------------------------------------------------------
FROM rust:1-bookworm AS builder
WORKDIR /src
# The whole workspace is copied (see .dockerignore): cargo needs every member's manifest, and
# the SQL migrations are compiled into the binary (sqlx::migrate!). No BuildKit cache mounts:
# Railway only accepts them with service-specific ids.
COPY . .
RUN cargo build --release --locked -p chatops \
    && install -m 0755 target/release/chatops /usr/local/bin/chatops \
    && rm -rf target

# ---- run ---------------------------------------------------------------------------------
FROM debian:bookworm-slim AS runtime
# ca-certificates: the system trust store, for HTTPS to slack.com, Railway and Evolution (reqwest
# with rustls also bundles webpki roots; keeping the system store costs little). No init
# process needed: the binary is PID 1 and stops gracefully on SIGTERM itself.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 chatops \
    && useradd --system --uid 10001 --gid chatops --home-dir /app --shell /usr/sbin/nologin chatops \
    && mkdir -p /app/data \
    && chown -R chatops:chatops /app
COPY --from=builder /usr/local/bin/chatops /usr/local/bin/chatops

WORKDIR /app
USER chatops:chatops
# Defaults; Railway injects PORT. The default store is SQLite at ./data/chatops.db (i.e.
# /app/data, lost on redeploy unless a volume is mounted there; with a Railway volume also set
# RAILWAY_RUN_UID=0, since volumes are mounted root-owned). For several replicas use
# DATABASE_URL=postgres://… instead.
ENV BIND_ADDR=0.0.0.0 \
    PORT=3000 \
    LOG_FORMAT=json
EXPOSE 3000

# Liveness without curl: bash's /dev/tcp, HTTP/1.0 so the server closes the connection.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${PORT:-3000} && printf 'GET /health HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 200 '"]

ENTRYPOINT ["chatops"]
CMD ["serve"]
