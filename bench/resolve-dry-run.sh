#!/bin/sh
# Resolves the ml spec's heaviest packages against the bench mirror the way the optimize resolve
# step does (pip install --dry-run --report), isolated from this machine's pip configuration.
#   bench/resolve-dry-run.sh MIRROR_URL PIP [CACHE_DIR]
# PIP: "system" (python3 -m pip) or a pip wheel file, which Python runs as pip. Without
# CACHE_DIR nothing is cached (--no-cache-dir): a resolve on a fresh builder. With it, pip keeps
# its HTTP cache there as for an https index (pip caches nothing from a plain-http index unless
# it is a --trusted-host), like a builder's warm pip cache mount.
# Pair it with the mirror served with and without metadata (bench/serve-mirror.ts [--no-metadata]).
set -eu
url=$1 pip=$2 cache=${3:-}
case $pip in
  system) run="python3 -m pip" ;;
  *.whl) run="python3 $pip/pip" ;;
  *) echo "PIP: system or a pip wheel, not $pip" >&2; exit 2 ;;
esac
if [ -n "$cache" ]; then cacheopt="--cache-dir $cache --trusted-host 127.0.0.1"; else cacheopt=--no-cache-dir; fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# shellcheck disable=SC2086 # $run and $cacheopt are word lists
env -u PIP_FIND_LINKS -u PIP_CERT -u PIP_DEFAULT_TIMEOUT -u PIP_INDEX_URL -u PIP_EXTRA_INDEX_URL PIP_CONFIG_FILE=/dev/null \
  $run install --dry-run --ignore-installed --quiet --disable-pip-version-check $cacheopt --report "$out/report.json" \
  --index-url "$url/pypi/simple" --extra-index-url "$url/pypi-more/simple" --find-links "$url/wheels/" \
  torch==2.13.0+cpu numpy pandas
