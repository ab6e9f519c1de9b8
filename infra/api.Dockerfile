# Kiln API image. Two ways to build it; both end in the `base` settings below.
#
#   With a registry (default target `runtime`), from the repository root:
#     docker build -f infra/api.Dockerfile -t kiln/api:dev .
#   Offline (target `prebuilt`): `bash infra/build-images.sh` builds on the host and passes the
#   laid-out runtime tree as the context, with NODE_IMAGE set to its imported base image.
#
# There is no `# syntax=` line on purpose: fetching a Dockerfile frontend needs a registry.
ARG NODE_IMAGE=node:24-bookworm-slim

# Runtime settings shared by both paths. No RUN: the offline base image has no shell.
FROM ${NODE_IMAGE} AS base
WORKDIR /app
ENV NODE_ENV=production \
    API_HOST=0.0.0.0 \
    API_PORT=4000
# Numeric, so it works whether or not the base image has a passwd entry for it; the app files
# stay owned by root, so the process cannot rewrite its own code.
USER 10001:10001
EXPOSE 4000
# node's fetch: the images carry no curl or wget.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.API_PORT || 4000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "apps/api/dist/main.js"]

# Offline path. It sits before the build stages because the legacy builder runs every stage
# up to the target, and those need a registry.
FROM base AS prebuilt
COPY . /app/

# Registry path. Only the npm manifests reach this stage, so the `npm ci` layer below is
# reused until a package.json or the lockfile changes.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN find . -type f ! -name package.json ! -name package-lock.json ! -name .npmrc -delete \
 && find . -mindepth 1 -type d -empty -delete

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY --from=manifests /src/ ./
RUN npm ci --no-audit --no-fund
COPY . .
# Runs `nx run @kiln/api:build`, then copies dist + the production dependency closure to /out.
RUN bash infra/build-images.sh stage api /src /out

FROM base AS runtime
COPY --from=build /out/ /app/
