# The preview/published-app image: Node 24, workerd, Miniflare and libs/runtime, plus the tools
# apps are built and type-checked with.
# Built by infra/build-runtime-image.sh (`npm run runner:image`) from a laid-out context with the
# `prebuilt` target; NODE_IMAGE is the imported kiln/node:24 when no registry is reachable.
ARG NODE_IMAGE=kiln/node:24

FROM ${NODE_IMAGE} AS prebuilt
# The app tools (Vite, React, TypeScript; infra/runtime/tools) at the root, where resolution from
# /app walks up to: apps build and type-check in the container with no npm. Their own layer, first,
# so a change to the runtime does not copy them again.
COPY node_modules /node_modules/
# Shared libraries those tools' native addons need beyond node's own.
COPY libs /
COPY kiln /opt/kiln/
# Non-root: the sandbox runner also forces this user, but an image that runs as root by default
# would be unsafe in any other runner.
USER 10001:10001
WORKDIR /app
# CLOUDFLARE_CF_FETCH_ENABLED=false: Miniflare would otherwise fetch request.cf data from
# workers.cloudflare.com at start, which on an offline network waits ~3 s for a DNS timeout; its
# built-in fallback `cf` object is used instead.
ENV NODE_ENV=production \
    CLOUDFLARE_CF_FETCH_ENABLED=false \
    KILN_APP_DIR=/app \
    RUNTIME_HOST=0.0.0.0 \
    RUNTIME_PORT=8788 \
    RUNTIME_WATCH=true
EXPOSE 8788
ENTRYPOINT ["node", "/opt/kiln/entrypoint.mjs"]
