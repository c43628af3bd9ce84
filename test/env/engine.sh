#!/usr/bin/env bash
# Test environment for imagespec-frontend: a Docker engine with a recent embedded BuildKit,
# a local registry, debootstrapped base images and two local PEP 503 package indexes.
#
#   engine.sh up       start (or reuse) everything; idempotent; prints the exports to use
#   engine.sh down     stop exactly the processes this script started
#   engine.sh db       start (or reuse) only the PostgreSQL cluster; prints its DATABASE_URL export
#   engine.sh status   say what is running
#   engine.sh env      print the exports (DOCKER_HOST, DOCKER_CONFIG, index URLs, DATABASE_URL,
#                      IMAGESPEC_COSIGN and IMAGESPEC_NOTATION: the signing tools from Debian sid)
#
# State lives in $IMAGESPEC_ENV_DIR (default ~/.cache/imagespec-env), outside the repo, so a
# second `up` reuses installed packages, base images and wheels.
set -euo pipefail

STATE=${IMAGESPEC_ENV_DIR:-$HOME/.cache/imagespec-env}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PREFIX=$STATE/engine
PIDS=$STATE/pids
REGISTRY_ADDR=127.0.0.1:5000
INDEX_PORT=${IMAGESPEC_INDEX_PORT:-5101}
EXTRA_INDEX_PORT=${IMAGESPEC_EXTRA_INDEX_PORT:-5102}
MIRROR=${IMAGESPEC_DEBIAN_MIRROR:-}
PG_PORT=${IMAGESPEC_PG_PORT:-5433}
PG_BIN=${IMAGESPEC_PG_BIN:-/usr/lib/postgresql/15/bin}
ARM64=${IMAGESPEC_ARM64:-1}
mkdir -p "$STATE" "$PIDS"

log() { printf '[engine] %s\n' "$*" >&2; }
die() { printf '[engine] error: %s\n' "$*" >&2; exit 1; }

debian_mirror() {
  if [[ -n $MIRROR ]]; then echo "$MIRROR"; return; fi
  local m
  m=$(grep -hE '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null \
      | grep -m1 -oE 'https?://[^ ]*/debian/?$|https?://[^ ]*/debian ' | tr -d ' ' || true)
  echo "${m:-http://deb.debian.org/debian}"
}

alive() { [[ -f $PIDS/$1 ]] && kill -0 "$(cat "$PIDS/$1")" 2>/dev/null; }

# Starts a background process and records its pid under a name; `down` stops only these.
start_bg() {
  local name=$1; shift
  if alive "$name"; then return 0; fi
  # The daemon gets no file descriptor of ours beyond 0-2: one inherited from `flock LOCK engine.sh up`
  # would hold that lock for as long as the daemon runs.
  (
    for fd in /proc/$BASHPID/fd/*; do
      fd=${fd##*/}
      if ((fd > 2)); then eval "exec $fd>&-"; fi
    done
    exec nohup "$@" >"$STATE/$name.log" 2>&1 </dev/null
  ) &
  echo $! >"$PIDS/$name"
}

# The last lines a daemon wrote, so that a failure on a machine nobody can log into says why.
show_log() {
  local file=$STATE/$1.log
  [[ -s $file ]] || return 0
  printf '[engine] last lines of %s:\n' "$file" >&2
  tail -n 25 "$file" | sed 's/^/[engine]   /' >&2
}

# Waits until the check passes; gives up early, with the daemon's log, when the daemon has exited.
wait_for() {
  local what=$1 tries=$2; shift 2
  for ((i = 0; i < tries; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    if [[ -f $PIDS/$what ]] && ! alive "$what"; then
      show_log "$what"
      die "$what exited before it answered"
    fi
    sleep 0.5
  done
  show_log "$what"
  die "$what did not answer within $((tries / 2)) s (logs in $STATE)"
}

apt_once=
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  [[ $(id -u) -eq 0 ]] || die "need root to install: ${missing[*]}"
  if [[ -z $apt_once ]]; then apt-get update -qq; apt_once=1; fi
  log "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# ---- PostgreSQL (the build service's database) ----------------------------------------------

# A private cluster under $STATE/postgres on 127.0.0.1:$PG_PORT, trust auth on the loopback only.
# PostgreSQL refuses to run as root, and $STATE sits under root's home, which no other user may
# enter: so initdb and postgres run as root mapped to an unprivileged uid in a user namespace
# (`unshare --map-user`). The files stay root's and no system directory changes its permissions.
as_pg_user() { unshare --user --map-user=1000 --map-group=1000 "$@"; }

pg_ok() { "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; }

ensure_postgres() {
  [[ -x $PG_BIN/initdb ]] || apt_install postgresql
  [[ -x $PG_BIN/initdb ]] || die "no PostgreSQL server binaries in $PG_BIN (set IMAGESPEC_PG_BIN)"
  local root=$STATE/postgres
  if [[ ! -f $root/data/PG_VERSION ]]; then
    rm -rf "$root/data"
    mkdir -p "$root"
    log "initdb $root/data"
    as_pg_user "$PG_BIN/initdb" -D "$root/data" -U imagespec --auth=trust -E UTF8 --no-instructions >"$STATE/initdb.log" 2>&1 || die "initdb failed (see $STATE/initdb.log)"
  fi
  if ! pg_ok; then
    start_bg postgres unshare --user --map-user=1000 --map-group=1000 "$PG_BIN/postgres" -D "$root/data" -p "$PG_PORT" -k "$root" -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off
    wait_for postgres 60 pg_ok
  fi
  "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U imagespec -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'imagespec'" | grep -q 1 \
    || "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U imagespec imagespec
}

# ---- Docker engine -------------------------------------------------------------------------

docker_env_file=$STATE/env.sh

buildx_ok() {
  local v
  v=$(docker buildx version 2>/dev/null | grep -oE 'v?[0-9]+\.[0-9]+' | head -1 | tr -d v) || return 1
  [[ -n $v ]] || return 1
  local major=${v%%.*} minor=${v#*.}
  ((major > 0 || minor >= 17))
}

engine_ok() {
  local v
  v=$(docker version --format '{{.Server.Version}}' 2>/dev/null) || return 1
  [[ ${v%%.*} -ge 25 ]] && buildx_ok
}

install_engine() {
  [[ -x $PREFIX/root/usr/sbin/dockerd && -x $PREFIX/root/usr/libexec/docker/cli-plugins/docker-buildx ]] && return 0
  [[ $(id -u) -eq 0 ]] || die "no usable Docker engine and not root: cannot install one"
  apt_install runc ca-certificates iptables
  local apt=$PREFIX/apt
  mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$PREFIX/debs"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $(debian_mirror) sid main" >"$apt/sources.list"
  local opts=(-o Dir::Etc::SourceList="$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache")
  log "fetching docker.io, containerd, docker-cli, docker-buildx from Debian sid"
  apt-get "${opts[@]}" update -qq
  (cd "$PREFIX/debs" && apt-get "${opts[@]}" download docker.io/sid containerd/sid docker-cli/sid docker-buildx/sid)
  rm -rf "$PREFIX/root"; mkdir -p "$PREFIX/root"
  for d in "$PREFIX"/debs/*.deb; do dpkg -x "$d" "$PREFIX/root"; done
}

start_engine() {
  local root=$PREFIX/root run=$STATE/run
  mkdir -p "$run" "$STATE/docker-config/cli-plugins" "$STATE/containerd" "$STATE/docker"
  ln -sf "$root/usr/libexec/docker/cli-plugins/docker-buildx" "$STATE/docker-config/cli-plugins/docker-buildx"
  export PATH=$root/usr/bin:$root/usr/sbin:$PATH
  # The containerd image store can hold and push multi-platform images (the classic one cannot).
  echo '{"features": {"containerd-snapshotter": true}}' >"$STATE/daemon.json"
  start_bg containerd "$root/usr/bin/containerd" --root "$STATE/containerd/root" --state "$run/containerd" \
    --address "$run/containerd.sock"
  # A socket file is not an answer: dockerd gives a silent containerd a minute before it fails.
  wait_for containerd 60 "$root/usr/bin/ctr" --address "$run/containerd.sock" version
  start_bg dockerd "$root/usr/sbin/dockerd" --containerd "$run/containerd.sock" --data-root "$STATE/docker" \
    --exec-root "$run/docker-exec" --pidfile "$run/dockerd.pid" --host "unix://$run/docker.sock" \
    --config-file "$STATE/daemon.json" --bridge none --iptables=false --ip6tables=false
  export DOCKER_HOST=unix://$run/docker.sock DOCKER_CONFIG=$STATE/docker-config
  wait_for dockerd 240 docker version
}

ensure_engine() {
  if [[ -z ${IMAGESPEC_OWN_ENGINE:-} ]] && engine_ok; then
    log "using the Docker engine at ${DOCKER_HOST:-default socket}"
    cat >"$docker_env_file" <<ENV
export DOCKER_HOST=${DOCKER_HOST:-unix:///var/run/docker.sock}
${DOCKER_CONFIG:+export DOCKER_CONFIG=$DOCKER_CONFIG}
ENV
    return
  fi
  install_engine
  start_engine
  cat >"$docker_env_file" <<ENV
export DOCKER_HOST=$DOCKER_HOST
export DOCKER_CONFIG=$DOCKER_CONFIG
export PATH=$PREFIX/root/usr/bin:\$PATH
ENV
  log "engine up: $(docker version --format 'docker {{.Server.Version}}') / $(docker buildx version)"
}

# ---- Signing tools (cosign, notation) for the build service -------------------------------

# Both are statically linked Go programs packaged in Debian sid; like the engine they are
# downloaded with a private apt configuration and unpacked, never installed system-wide.
SIGNERS=$STATE/signers

signers_ok() { [[ -x $SIGNERS/root/usr/bin/cosign && -x $SIGNERS/root/usr/bin/notation ]]; }

ensure_signers() {
  signers_ok && return 0
  local apt=$SIGNERS/apt
  mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$SIGNERS/debs"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $(debian_mirror) sid main" >"$apt/sources.list"
  local opts=(-o Dir::Etc::SourceList="$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache" -o Dir::State::Status=/dev/null)
  log "fetching cosign and notation from Debian sid"
  apt-get "${opts[@]}" update -qq
  rm -f "$SIGNERS"/debs/*.deb
  (cd "$SIGNERS/debs" && apt-get "${opts[@]}" download cosign/sid notation/sid)
  rm -rf "$SIGNERS/root"; mkdir -p "$SIGNERS/root"
  for d in "$SIGNERS"/debs/*.deb; do dpkg -x "$d" "$SIGNERS/root"; done
  signers_ok || die "cosign or notation missing after unpacking $SIGNERS/debs"
  log "cosign $("$SIGNERS/root/usr/bin/cosign" version 2>&1 | grep -m1 -i gitversion | awk '{print $2}'), notation $("$SIGNERS/root/usr/bin/notation" version 2>&1 | grep -m1 -i version | awk '{print $2}')"
}

# ---- Registry ------------------------------------------------------------------------------

registry_ok() { curl -fsS "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1; }

ensure_registry() {
  if registry_ok; then return; fi
  apt_install docker-registry curl
  mkdir -p "$STATE/registry"
  cat >"$STATE/registry.yml" <<YML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $STATE/registry
  delete:
    enabled: true
http:
  addr: $REGISTRY_ADDR
YML
  start_bg registry /usr/bin/docker-registry serve "$STATE/registry.yml"
  wait_for registry 60 registry_ok
}

in_registry() { # repo tag
  curl -fs -o /dev/null -H 'Accept: application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json' \
    "http://$REGISTRY_ADDR/v2/$1/manifests/$2"
}

# ---- Base images ---------------------------------------------------------------------------

debootstrap_image() { # suite arch tag include
  local suite=$1 arch=$2 ref=$3 include=$4
  if in_registry "${ref%:*}" "${ref##*:}"; then return; fi
  apt_install debootstrap
  local dir=$STATE/rootfs/$suite-$arch
  if [[ ! -f $dir/.done ]]; then
    log "debootstrap $suite/$arch (this takes a minute or more)"
    rm -rf "$dir"; mkdir -p "$dir"
    debootstrap --arch="$arch" --variant=minbase --include="$include" "$suite" "$dir" "$(debian_mirror)" \
      >"$STATE/debootstrap-$suite-$arch.log" 2>&1 || die "debootstrap $suite/$arch failed (see $STATE/debootstrap-$suite-$arch.log)"
    rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
    touch "$dir/.done"
  fi
  tar -C "$dir" --exclude=./.done -c . | docker import --platform "linux/$arch" \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' -c 'CMD ["python3"]' - "$REGISTRY_ADDR/$ref" >/dev/null
  docker push -q "$REGISTRY_ADDR/$ref" >/dev/null
  log "pushed $REGISTRY_ADDR/$ref"
}

# A minimal Node image: this machine's own node binary and the shared libraries it links.
node_base_image() {
  local ref=node-base:20
  if in_registry node-base 20; then return; fi
  local node dir=$STATE/rootfs/node-base
  node=$(command -v node) || die "node not found"
  rm -rf "$dir"; mkdir -p "$dir/usr/local/bin" "$dir/tmp"
  cp "$(readlink -f "$node")" "$dir/usr/local/bin/node"
  ldd "$node" | grep -oE '/[^ ]+' | while read -r lib; do
    mkdir -p "$dir$(dirname "$lib")"; cp -L "$lib" "$dir$lib"
  done
  mkdir -p "$dir/etc"; echo 'root:x:0:0:root:/root:/sbin/nologin' >"$dir/etc/passwd"
  tar -C "$dir" -c . | docker import -c 'ENV PATH=/usr/local/bin:/usr/bin:/bin' - "$REGISTRY_ADDR/$ref" >/dev/null
  docker push -q "$REGISTRY_ADDR/$ref" >/dev/null
  log "pushed $REGISTRY_ADDR/$ref"
}

ensure_qemu() {
  [[ $ARM64 == 1 ]] || return 0
  if [[ ! -e /proc/sys/fs/binfmt_misc/register ]]; then
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null || true
  fi
  apt_install qemu-user-static binfmt-support
  if [[ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]]; then
    update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || true
  fi
  [[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]] || die "qemu-aarch64 binfmt handler is not registered"
}

ensure_base_images() {
  debootstrap_image bookworm amd64 debian-python:3.11-bookworm-amd64 python3,python3-venv,ca-certificates
  debootstrap_image trixie amd64 debian-python:3.13-trixie python3,python3-venv,ca-certificates
  node_base_image
  if [[ $ARM64 == 1 ]]; then
    ensure_qemu
    debootstrap_image bookworm arm64 debian-python:3.11-bookworm-arm64 python3,python3-venv,ca-certificates
    if ! in_registry debian-python 3.11-bookworm; then
      docker buildx imagetools create -t "$REGISTRY_ADDR/debian-python:3.11-bookworm" \
        "$REGISTRY_ADDR/debian-python:3.11-bookworm-amd64" "$REGISTRY_ADDR/debian-python:3.11-bookworm-arm64" >/dev/null
      log "pushed $REGISTRY_ADDR/debian-python:3.11-bookworm (amd64+arm64)"
    fi
  elif ! in_registry debian-python 3.11-bookworm; then
    docker buildx imagetools create -t "$REGISTRY_ADDR/debian-python:3.11-bookworm" \
      "$REGISTRY_ADDR/debian-python:3.11-bookworm-amd64" >/dev/null
  fi
}

# ---- Package indexes -----------------------------------------------------------------------

# Served by index_server.py (PEP 691 JSON by Accept), not by an older plain http.server.
index_current() {
  local page
  page=$(curl -fsS -H 'Accept: application/vnd.pypi.simple.v1+json' "http://127.0.0.1:$1/simple/" 2>/dev/null) && [[ $page == *'"api-version"'* ]]
}

# index_server.py serves each tree as PyPI does: PEP 503 pages, PEP 691 JSON chosen by the Accept
# header, PEP 658 .metadata files beside the wheels. An index left running by an older engine.sh
# (plain http.server, no JSON) is one of ours: it is stopped and started again.
start_index() {
  local name=$1 dir=$2 port=$3
  index_current "$port" && return 0
  if alive "$name"; then
    kill "$(cat "$PIDS/$name")" 2>/dev/null || true
    for _ in $(seq 20); do alive "$name" || break; sleep 0.25; done
  fi
  start_bg "$name" python3 "$HERE/index_server.py" "$dir" "$port" --bind 127.0.0.1
}

ensure_indexes() {
  local root=$STATE/indexes
  if [[ ! -f $root/.done || $HERE/wheels.py -nt $root/.done ]]; then
    rm -rf "$root"
    python3 "$HERE/wheels.py" indexes "$root"
    touch "$root/.done"
  fi
  start_index index "$root/main" "$INDEX_PORT"
  start_index extra-index "$root/extra" "$EXTRA_INDEX_PORT"
  wait_for index 40 index_current "$INDEX_PORT"
  wait_for extra-index 40 index_current "$EXTRA_INDEX_PORT"
}

write_env() {
  cat >>"$docker_env_file" <<ENV
export IMAGESPEC_REGISTRY=$REGISTRY_ADDR
export IMAGESPEC_INDEX_URL=http://127.0.0.1:$INDEX_PORT/simple
export IMAGESPEC_EXTRA_INDEX_URL=http://127.0.0.1:$EXTRA_INDEX_PORT/simple
export IMAGESPEC_ENV_DIR=$STATE
export DATABASE_URL=postgres://imagespec@127.0.0.1:$PG_PORT/imagespec
export IMAGESPEC_COSIGN=$SIGNERS/root/usr/bin/cosign
export IMAGESPEC_NOTATION=$SIGNERS/root/usr/bin/notation
ENV
}

cmd_up() {
  # Only the exports go to stdout (callers source them); whatever the tools print goes to stderr.
  {
    ensure_engine
    ensure_registry
    ensure_base_images
    ensure_indexes
    ensure_postgres
    ensure_signers
    write_env
  } >&2
  cat "$docker_env_file"
}

cmd_down() {
  local order=(postgres extra-index index registry dockerd containerd)
  for name in "${order[@]}"; do
    [[ -f $PIDS/$name ]] || continue
    local pid; pid=$(cat "$PIDS/$name")
    if kill -0 "$pid" 2>/dev/null; then
      # PostgreSQL's fast shutdown is SIGINT (SIGTERM waits for every client to leave).
      if [[ $name == postgres ]]; then kill -INT "$pid" 2>/dev/null || true; else kill "$pid" 2>/dev/null || true; fi
      for ((i = 0; i < 60; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
      log "stopped $name ($pid)"
    fi
    rm -f "$PIDS/$name"
  done
}

cmd_status() {
  for name in containerd dockerd registry index extra-index postgres; do
    if alive "$name"; then echo "$name: running (pid $(cat "$PIDS/$name"))"; else echo "$name: not started by this script"; fi
  done
  registry_ok && echo "registry: answering at $REGISTRY_ADDR" || echo "registry: not answering"
  pg_ok && echo "postgres: answering at 127.0.0.1:$PG_PORT" || echo "postgres: not answering"
}

case ${1:-} in
  up) cmd_up ;;
  db) ensure_postgres >&2; echo "export DATABASE_URL=postgres://imagespec@127.0.0.1:$PG_PORT/imagespec" ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) [[ -f $docker_env_file ]] && cat "$docker_env_file" || die "not up" ;;
  *) echo "usage: $0 up|down|status|env" >&2; exit 2 ;;
esac
