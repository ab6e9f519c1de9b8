#!/usr/bin/env bash
# Builds kiln/runtime (the image of every preview and published-app container) with no image
# registry reachable: the kiln/node:24 base that infra/build-images.sh imports, plus workerd,
# Miniflare and libs/runtime laid out from the repository's installed node_modules.
#
# Only what the runtime loads is shipped: the production closure of miniflare, jsonc-parser, pino
# and zod, the dist of @kiln/runtime and @kiln/config, and the files of @kiln/storage's gateway
# client (not its Postgres/Redis/S3 drivers). Miniflare's lazily loaded sharp is left out.
#
# Apps are built and type-checked inside their container with no npm at run time: the templates'
# tools (Vite, React, TypeScript, Workers types; infra/runtime/tools/package.json and its lock)
# are installed here with `npm ci` (the one step that needs the npm registry; skipped while the
# lock is unchanged) and shipped at /node_modules, where Node's and Vite's resolution from /app
# finds them. infra/runtime/tools/analyze.mjs is shipped as /opt/kiln/tools/analyze.mjs.
#
# Usage: bash infra/build-runtime-image.sh   (npm run runner:image)
#        bash infra/build-runtime-image.sh layout DIR
#          only lays out the image's tree in DIR/context/runtime, with no Docker engine: what the
#          registry path of infra/runtime.Dockerfile runs inside its build stage.
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

MODE=image
if [[ ${1:-} == layout ]]; then
  [[ -n ${2:-} ]] || die "usage: build-runtime-image.sh layout DIR"
  MODE=layout
  BUILD_DIR=$2
fi

[[ -x $NODE ]] || die "$NODE is missing: run npm ci in $ROOT first"
if [[ $MODE == image ]]; then
  command -v docker >/dev/null || die "docker CLI not found"
  docker info >/dev/null 2>&1 || die "the Docker engine is not reachable (docker info failed)"
  KILN_BASE_IMAGE=$BASE_IMAGE KILN_IMAGE_BUILD_DIR=$BUILD_DIR bash "$ROOT/infra/build-images.sh" base
fi

log "building libs/runtime (tsc -b, incremental)"
(cd "$ROOT" && "$NODE" node_modules/typescript/bin/tsc -b libs/runtime)

# The build context: kiln/ becomes /opt/kiln, node_modules/ becomes /node_modules.
context=$BUILD_DIR/context/runtime
ctx=$context/kiln
log "laying out the runtime tree in $ctx"
rm -rf "$context"
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
cp "$ROOT/infra/runtime/entrypoint.mjs" "$ROOT/infra/runtime/await-build.mjs" "$ctx/"
mkdir -p "$ctx/tools"
cp "$ROOT/infra/runtime/tools/analyze.mjs" "$ctx/tools/"

tools_src=$ROOT/infra/runtime/tools
tools=$BUILD_DIR/tools
# Bump r1 when the install steps below change, so a kept install is redone.
stamp=r1-$(cat "$tools_src/package.json" "$tools_src/package-lock.json" | sha256sum | cut -d' ' -f1)
if [[ $(cat "$tools/.stamp" 2>/dev/null) != "$stamp" ]]; then
  log "installing the app tools (npm ci, infra/runtime/tools/package-lock.json)"
  rm -rf "$tools"
  mkdir -p "$tools"
  cp "$tools_src/package.json" "$tools_src/package-lock.json" "$tools/"
  # No install scripts: every native part (rolldown, lightningcss) is a prebuilt platform package.
  npm ci --prefix "$tools" --ignore-scripts --prefer-offline --no-audit --no-fund --loglevel=error ||
    die "npm ci of the app tools failed (it needs the npm registry)"
  # Only the tsc command line is used: TypeScript's language-service bundle and its translated
  # messages are ~13 MB nobody loads.
  rm -rf "$tools/node_modules/typescript/lib/typescript.js" \
    "$tools"/node_modules/typescript/lib/{cs,de,es,fr,it,ja,ko,pl,pt-br,ru,tr,zh-cn,zh-tw}
  echo "$stamp" >"$tools/.stamp"
fi
cp -a "$tools/node_modules" "$context/node_modules"
# The tools' native addons (rolldown, lightningcss) link a library or two that node itself does
# not (librt), so the imported base lacks them: they go in at the same absolute paths, from the host
# the base was imported from.
mkdir -p "$context/libs"
mapfile -t addons < <(find "$context/node_modules" -name '*.node' -type f)
for addon in "${addons[@]}"; do
  ! ldd "$addon" | grep -q 'not found' || die "$addon links a library the host lacks: $(ldd "$addon")"
  while IFS= read -r lib; do
    [[ -e $context/libs/$lib ]] || cp -L --parents "$lib" "$context/libs"
  done < <(ldd "$addon" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | grep -vxF -f <(ldd "$NODE" | awk '$2 == "=>" { print $3 }'))
done

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
"$NODE" "$context/node_modules/typescript/bin/tsc" --version >/dev/null &&
  "$NODE" "$context/node_modules/vite/bin/vite.js" --version >/dev/null ||
  die "the app tools in $context/node_modules do not run"

if [[ $MODE == layout ]]; then
  log "laid out in $context"
  exit 0
fi

log "building image $IMAGE (target prebuilt, base $BASE_IMAGE)"
previous=$(docker image inspect -f '{{.Id}}' "$IMAGE" 2>/dev/null || true)
docker build -q -f "$ROOT/infra/runtime.Dockerfile" --target prebuilt \
  --build-arg NODE_IMAGE="$BASE_IMAGE" -t "$IMAGE" "$context" >/dev/null
if [[ -n $previous && $previous != "$(docker image inspect -f '{{.Id}}' "$IMAGE")" ]]; then
  docker image rm "$previous" >/dev/null 2>&1 || true
fi
docker image inspect -f '{{.Size}}' "$IMAGE" | awk -v i="$IMAGE" '{ printf "%-20s %7.1f MB\n", i, $1 / 1e6 }'
