# The preview/published-app image: Node 24, workerd, Miniflare and libs/runtime, plus the tools
# apps are built and type-checked with. Two ways to build it; both end in the `base` settings.
#
#   With a registry (default target `registry`), from the repository root:
#     docker build -f infra/runtime.Dockerfile -t kiln/runtime:dev .
#   Offline (target `prebuilt`): infra/build-runtime-image.sh (`npm run runner:image`) lays the
#   tree out on the host and passes it as the context, with NODE_IMAGE=kiln/node:24 (imported).
#
# There is no `# syntax=` line on purpose: fetching a Dockerfile frontend needs a registry.
ARG NODE_IMAGE=node:24-bookworm-slim

# Runtime settings shared by both paths. No RUN: the offline base image has no shell.
FROM ${NODE_IMAGE} AS base
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

# Offline path, from the laid-out context. It sits before the build stage because the legacy
# builder runs every stage up to the target, and that one needs a registry.
FROM base AS prebuilt
# The app tools (Vite, React, TypeScript; infra/runtime/tools) at the root, where resolution from
# /app walks up to: apps build and type-check in the container with no npm. Their own layer, first,
# so a change to the runtime does not copy them again.
COPY node_modules /node_modules/
# Shared libraries those tools' native addons need beyond node's own.
COPY libs /
COPY kiln /opt/kiln/

# Registry path: the same layout, made inside a build stage from the repository.
FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY . .
RUN npm ci --no-audit --no-fund && bash infra/build-runtime-image.sh layout /out

FROM base AS registry
COPY --from=build /out/context/runtime/node_modules /node_modules/
COPY --from=build /out/context/runtime/libs /
COPY --from=build /out/context/runtime/kiln /opt/kiln/
