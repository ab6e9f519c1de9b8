# The preview/published-app image: Node 24, workerd, Miniflare and libs/runtime.
# Built by infra/build-runtime-image.sh (`npm run runner:image`) from a laid-out context with the
# `prebuilt` target; NODE_IMAGE is the imported kiln/node:24 when no registry is reachable.
ARG NODE_IMAGE=kiln/node:24

FROM ${NODE_IMAGE} AS prebuilt
COPY . /opt/kiln/
# Non-root: the sandbox runner also forces this user, but an image that runs as root by default
# would be unsafe in any other runner.
USER 10001:10001
WORKDIR /app
ENV NODE_ENV=production \
    KILN_APP_DIR=/app \
    RUNTIME_HOST=0.0.0.0 \
    RUNTIME_PORT=8788 \
    RUNTIME_WATCH=true
EXPOSE 8788
ENTRYPOINT ["node", "/opt/kiln/entrypoint.mjs"]
