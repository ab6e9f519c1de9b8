#!/usr/bin/env bash
# Builds the kiln/api and kiln/web images with no image registry reachable.
#
# This script takes the offline path: the apps are built on the host in a scratch copy of the
# repository (so the checkout's own dist/.next folders, which a running dev server may be using,
# are left alone), each app's runtime tree is laid out in a folder, and that folder is the build
# context for the Dockerfile's `prebuilt` target. The base image is imported from the Node 24
# binary of the `node` npm package, because `FROM node:24-…` cannot be pulled.
# The registry path (`docker build -f infra/api.Dockerfile .`) calls `stage` below from the
# Dockerfile's build stage, so both paths build and lay out the apps with the same code.
#
# Usage:
#   bash infra/build-images.sh                                    base image + kiln/api + kiln/web
#   bash infra/build-images.sh stage <api|web> <workspace> <out>  build one app in <workspace>
#                                                                 and lay out its runtime tree
#   bash infra/build-images.sh base                               only the imported base image
#                                                                 (infra/build-runtime-image.sh uses it)
# Environment:
#   KILN_IMAGE_TAG        tag of kiln/api and kiln/web (default: dev)
#   KILN_BASE_IMAGE       imported Node base image (default: kiln/node:24)
#   KILN_IMAGE_BUILD_DIR  scratch folder, kept between runs (default: ${TMPDIR:-/tmp}/kiln-image-build)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
TAG=${KILN_IMAGE_TAG:-dev}
BASE_IMAGE=${KILN_BASE_IMAGE:-kiln/node:24}
BUILD_DIR=${KILN_IMAGE_BUILD_DIR:-${TMPDIR:-/tmp}/kiln-image-build}
APP_UID=10001
REPLACED_BASE=''

log() { printf '\n==> %s\n' "$*" >&2; }
die() {
  printf 'build-images: %s\n' "$*" >&2
  exit 1
}

# Type declarations, build info and compiled tests are never loaded by the running process.
DIST_EXCLUDES=(--exclude='*.d.ts' --exclude='*.d.ts.map' --exclude='*.tsbuildinfo' --exclude='*.spec.js' --exclude='*.spec.js.map')

build_app() {
  local app=$1 ws=$2
  (
    cd "$ws"
    # node_modules/.bin holds the pinned Node 24 (`node` package) ahead of any system node.
    export PATH="$ws/node_modules/.bin:$PATH" NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
    case $app in
      api) nx run @kiln/api:build --output-style=stream ;;
      # The Nx cache key ignores KILN_WEB_STANDALONE, so a cached non-standalone .next could
      # be restored; always build.
      web) KILN_WEB_STANDALONE=1 nx run @kiln/web:build --output-style=stream --skip-nx-cache ;;
    esac
  )
}

# The API runs from its dist plus the production dependency closure npm reports, keeping the
# node_modules layout (and the @kiln/* workspace symlinks) so Node resolves exactly as on the host.
layout_api() {
  local ws=$1 out=$2 list rel parent
  list=$(cd "$ws" && PATH="$ws/node_modules/.bin:$PATH" npm ls --workspace @kiln/api --omit=dev --all --parseable) ||
    die "npm ls reports missing or invalid production dependencies of @kiln/api"
  local -A kept=()
  local -a paths=() workspaces=()
  while IFS= read -r rel; do
    [[ -z $rel ]] && continue
    # A package nested inside one already taken travels with it.
    parent=$rel
    while [[ $parent == */node_modules/* ]]; do
      parent=${parent%/node_modules/*}
      [[ -n ${kept[$parent]:-} ]] && continue 2
    done
    kept[$rel]=1
    paths+=("$rel")
    if [[ -L $ws/$rel ]]; then workspaces+=("$(realpath --relative-to="$ws" "$ws/$rel")"); fi
  done < <(printf '%s\n' "$list" | sed -n "s|^$ws/||p" | LC_ALL=C sort)
  [[ ${#workspaces[@]} -gt 0 ]] || die "npm ls listed no workspace packages for @kiln/api"

  rm -rf "$out"
  mkdir -p "$out"
  tar -C "$ws" -cf - "${paths[@]}" | tar -C "$out" -xf -
  local w
  for w in "${workspaces[@]}"; do
    [[ -d $ws/$w/dist ]] || die "$w/dist is missing: the workspace package was not built"
    tar -C "$ws" "${DIST_EXCLUDES[@]}" -cf - "$w/package.json" "$w/dist" | tar -C "$out" -xf -
  done
}

layout_web() {
  local ws=$1 out=$2 app=$1/apps/web
  [[ -f $app/.next/standalone/apps/web/server.js ]] ||
    die "no standalone server in $app/.next (the build must run with KILN_WEB_STANDALONE=1)"
  rm -rf "$out"
  mkdir -p "$out"
  cp -a "$app/.next/standalone/." "$out/"
  # The standalone server serves these but leaves copying them in to the deployer.
  cp -a "$app/.next/static" "$out/apps/web/.next/static"
  if [[ -d $app/public ]]; then cp -a "$app/public" "$out/apps/web/public"; fi
}

stage() {
  [[ $# -eq 3 ]] || die "usage: $0 stage <api|web> <workspace> <out>"
  local app=$1 ws
  ws=$(cd "$2" && pwd -P)
  case $app in
    api | web) ;;
    *) die "unknown app '$app' (expected api or web)" ;;
  esac
  build_app "$app" "$ws"
  "layout_$app" "$ws" "$3"
}

# A copy of the build context the Dockerfiles' registry path would see, with the repository's
# installed node_modules instead of a fresh `npm ci` (which needs the npm registry).
prepare_workspace() {
  local ws=$1 line
  local -a excludes=()
  while IFS= read -r line; do
    [[ -z $line || $line == \#* || $line == !* ]] && continue
    excludes+=("--exclude=${line#\*\*/}")
  done <"$ROOT/.dockerignore"

  mkdir -p "$ws"
  # Sources are copied fresh each run; node_modules and the Nx cache are kept because they are slow to recreate.
  find "$ws" -mindepth 1 -maxdepth 1 ! -name node_modules ! -name .nx -exec rm -rf {} +
  tar -C "$ROOT" "${excludes[@]}" -cf - . | tar -C "$ws" -xf -

  if [[ -f $ROOT/node_modules/.package-lock.json ]]; then
    if ! cmp -s "$ROOT/node_modules/.package-lock.json" "$ws/node_modules/.package-lock.json"; then
      log "copying the repository's node_modules into $ws"
      rm -rf "$ws/node_modules"
      cp -a --reflink=auto "$ROOT/node_modules" "$ws/node_modules"
    fi
  else
    log "no node_modules in the repository: installing into $ws"
    (cd "$ws" && npm ci --no-audit --no-fund)
  fi
}

# Re-running must not pile up untagged copies; one still used by another image stays.
remove_if_replaced() {
  local image=$1 previous=$2
  if [[ -n $previous && $previous != "$(docker image inspect -f '{{.Id}}' "$image")" ]]; then
    docker image rm "$previous" >/dev/null 2>&1 || true
  fi
}

ensure_base_image() {
  local node_bin=$1 version rootfs lib
  [[ -x $node_bin ]] || die "$node_bin is missing (the \`node\` npm package provides it)"
  version=$("$node_bin" --version)
  # Bump the revision when the recipe below changes, so existing base images are replaced.
  local recipe="$version-r1"
  if [[ $(docker image inspect -f '{{index .Config.Labels "org.kiln.base-recipe"}}' "$BASE_IMAGE" 2>/dev/null) == "$recipe" ]]; then
    log "base image $BASE_IMAGE ($recipe) already present"
    return
  fi
  log "importing base image $BASE_IMAGE from node $version"
  rootfs=$BUILD_DIR/base-rootfs
  rm -rf "$rootfs"
  mkdir -p "$rootfs/usr/local/bin" "$rootfs/etc/ssl/certs" "$rootfs/tmp"
  chmod 1777 "$rootfs/tmp"
  cp -L "$node_bin" "$rootfs/usr/local/bin/node"
  # The loader and every library node links against, at the absolute paths the binary expects.
  while IFS= read -r lib; do
    cp -L --parents "$lib" "$rootfs"
  done < <(ldd "$node_bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')
  local -a ca_env=()
  if [[ -f /etc/ssl/certs/ca-certificates.crt ]]; then
    cp -L /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/"
    # Node trusts only its built-in roots unless told otherwise; adding the host's bundle lets
    # outbound TLS through a site's own authority (e.g. an intercepting proxy) work as on the host.
    ca_env=(--change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt')
  else
    log "warning: /etc/ssl/certs/ca-certificates.crt not found; the base image has no CA bundle"
  fi
  printf 'root:x:0:0:root:/root:/usr/sbin/nologin\nkiln:x:%s:%s:kiln:/nonexistent:/usr/sbin/nologin\n' "$APP_UID" "$APP_UID" >"$rootfs/etc/passwd"
  printf 'root:x:0:\nkiln:x:%s:\n' "$APP_UID" >"$rootfs/etc/group"
  printf 'hosts: files dns\n' >"$rootfs/etc/nsswitch.conf"
  REPLACED_BASE=$(docker image inspect -f '{{.Id}}' "$BASE_IMAGE" 2>/dev/null || true)
  # Owned by root whoever runs the script, so the app user cannot change the runtime.
  tar --numeric-owner --owner=0 --group=0 -C "$rootfs" -cf - . |
    docker import \
      --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
      "${ca_env[@]}" \
      --change "LABEL org.kiln.base-recipe=$recipe" \
      --change 'CMD ["node"]' \
      - "$BASE_IMAGE" >/dev/null
  docker run --rm --network none --user "$APP_UID:$APP_UID" "$BASE_IMAGE" node -e 'console.log(`base image runs node ${process.version}`)'
}

main() {
  [[ $# -eq 0 ]] || die "unexpected arguments: $* (see the header of $0)"
  command -v docker >/dev/null || die "docker CLI not found"
  docker info >/dev/null 2>&1 || die "the Docker engine is not reachable (docker info failed)"
  local ws=$BUILD_DIR/workspace app image previous
  log "preparing the build workspace $ws"
  prepare_workspace "$ws"
  ensure_base_image "$ws/node_modules/node/bin/node"
  for app in api web; do
    log "building and laying out $app"
    stage "$app" "$ws" "$BUILD_DIR/context/$app"
    log "building image kiln/$app:$TAG (target prebuilt, base $BASE_IMAGE)"
    previous=$(docker image inspect -f '{{.Id}}' "kiln/$app:$TAG" 2>/dev/null || true)
    docker build -f "$ROOT/infra/$app.Dockerfile" --target prebuilt \
      --build-arg NODE_IMAGE="$BASE_IMAGE" -t "kiln/$app:$TAG" "$BUILD_DIR/context/$app"
    remove_if_replaced "kiln/$app:$TAG" "$previous"
  done
  # Only now are the app images that were built on a replaced base gone.
  remove_if_replaced "$BASE_IMAGE" "$REPLACED_BASE"
  log "image sizes"
  for image in "$BASE_IMAGE" "kiln/api:$TAG" "kiln/web:$TAG"; do
    docker image inspect -f '{{.Size}}' "$image" | awk -v i="$image" '{ printf "%-16s %7.1f MB\n", i, $1 / 1e6 }'
  done
}

if [[ ${1:-} == stage ]]; then
  shift
  stage "$@"
elif [[ ${1:-} == base ]]; then
  docker info >/dev/null 2>&1 || die "the Docker engine is not reachable (docker info failed)"
  mkdir -p "$BUILD_DIR"
  ensure_base_image "$ROOT/node_modules/node/bin/node"
  remove_if_replaced "$BASE_IMAGE" "$REPLACED_BASE"
else
  main "$@"
fi
