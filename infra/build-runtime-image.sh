#!/usr/bin/env bash
# Builds kiln/runtime (the image of every preview and published-app container) with no image
# registry reachable: the kiln/node:24 base that infra/build-images.sh imports, plus workerd,
# Miniflare and libs/runtime laid out from the repository's installed node_modules.
#
# Only what the runtime loads is shipped: the production closure of miniflare, jsonc-parser, pino
# and zod, the dist of @kiln/runtime and @kiln/config, and the files of @kiln/storage's gateway
# client (not its Postgres/Redis/S3 drivers). Miniflare's lazily loaded sharp is left out.
#
# Usage: bash infra/build-runtime-image.sh   (npm run runner:image)
# Environment:
#   KILN_IMAGE_TAG        tag of kiln/runtime (default: dev)
#   KILN_BASE_IMAGE       imported Node base image (default: kiln/node:24)
#   KILN_IMAGE_BUILD_DIR  scratch folder, kept between runs (default: ${TMPDIR:-/tmp}/kiln-image-build)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
TAG=${KILN_IMAGE_TAG:-dev}
BASE_IMAGE=${KILN_BASE_IMAGE:-kiln/node:24}
BUILD_DIR=${KILN_IMAGE_BUILD_DIR:-${TMPDIR:-/tmp}/kiln-image-build}
IMAGE=kiln/runtime:$TAG
NODE=$ROOT/node_modules/node/bin/node

log() { printf '\n==> %s\n' "$*" >&2; }
die() {
  printf 'build-runtime-image: %s\n' "$*" >&2
  exit 1
}

command -v docker >/dev/null || die "docker CLI not found"
docker info >/dev/null 2>&1 || die "the Docker engine is not reachable (docker info failed)"
[[ -x $NODE ]] || die "$NODE is missing: run npm ci in $ROOT first"

KILN_BASE_IMAGE=$BASE_IMAGE KILN_IMAGE_BUILD_DIR=$BUILD_DIR bash "$ROOT/infra/build-images.sh" base

log "building libs/runtime (tsc -b, incremental)"
(cd "$ROOT" && "$NODE" node_modules/typescript/bin/tsc -b libs/runtime)

ctx=$BUILD_DIR/context/runtime
log "laying out the runtime tree in $ctx"
rm -rf "$ctx"
mkdir -p "$ctx"
mapfile -t modules < <("$NODE" "$ROOT/infra/runtime/closure.mjs" "$ROOT" miniflare jsonc-parser pino zod)
[[ ${#modules[@]} -gt 0 ]] || die "the dependency closure is empty"
tar -C "$ROOT" --exclude='node_modules/sharp' --exclude='node_modules/@img' \
  --exclude='*.d.ts' --exclude='*.d.mts' --exclude='*.d.cts' -cf - "${modules[@]}" | tar -C "$ctx" -xf -

# Workspace packages as plain folders (the host has symlinks into libs/), each with its manifest
# so Node resolves their `exports` as on the host.
kiln=$ctx/node_modules/@kiln
mkdir -p "$kiln/runtime/dist" "$kiln/config/dist"
copy_js() { # <from dir> <to dir> <file>...
  local from=$1 to=$2 f
  shift 2
  for f in "$@"; do
    [[ -f $from/$f ]] || die "$from/$f is missing (was the library built?)"
    mkdir -p "$(dirname "$to/$f")"
    cp "$from/$f" "$to/$f"
  done
}
for lib in runtime config; do
  cp "$ROOT/libs/$lib/package.json" "$kiln/$lib/"
  mapfile -t files < <(cd "$ROOT/libs/$lib/dist" && ls -- *.js | grep -v -e '\.spec\.js$' -e '\.fixture\.js$')
  copy_js "$ROOT/libs/$lib/dist" "$kiln/$lib/dist" "${files[@]}"
done
mkdir -p "$kiln/storage"
cp "$ROOT/libs/storage/package.json" "$kiln/storage/"
# The modules of @kiln/storage that libs/runtime imports statically, and whatever they import relatively.
mapfile -t files < <("$NODE" "$ROOT/infra/runtime/relative-imports.mjs" "$ROOT/libs/storage/dist" \
  gateway/client.js gateway/direct-bindings-plugin.js do/do-store-config.js do/do-errors.js)
copy_js "$ROOT/libs/storage/dist" "$kiln/storage/dist" "${files[@]}"
cp "$ROOT/infra/runtime/entrypoint.mjs" "$ctx/"

# The runtime must load with exactly this tree: a missing file would otherwise only show when a
# preview starts.
log "checking that the laid-out runtime resolves all its imports"
# Every runtime module but main.js (which would start serving); the Durable Object sync's drivers
# are imported lazily, only when RUNTIME_DO_SYNC is on, and are not shipped.
(cd "$ctx" && "$NODE" --input-type=module -e "
  const { readdirSync } = await import('node:fs');
  const dir = './node_modules/@kiln/runtime/dist/';
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.js') && f !== 'main.js')) await import(dir + f);
  await import('miniflare');
  console.log('runtime tree loads');
") || die "the laid-out runtime does not load (see the error above)"

log "building image $IMAGE (target prebuilt, base $BASE_IMAGE)"
previous=$(docker image inspect -f '{{.Id}}' "$IMAGE" 2>/dev/null || true)
docker build -q -f "$ROOT/infra/runtime.Dockerfile" --target prebuilt \
  --build-arg NODE_IMAGE="$BASE_IMAGE" -t "$IMAGE" "$ctx" >/dev/null
if [[ -n $previous && $previous != "$(docker image inspect -f '{{.Id}}' "$IMAGE")" ]]; then
  docker image rm "$previous" >/dev/null 2>&1 || true
fi
docker image inspect -f '{{.Size}}' "$IMAGE" | awk -v i="$IMAGE" '{ printf "%-20s %7.1f MB\n", i, $1 / 1e6 }'
