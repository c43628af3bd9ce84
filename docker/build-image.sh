#!/usr/bin/env bash
# Bundles the frontend and builds its image with the engine from test/env/engine.sh.
#   docker/build-image.sh [TAG]     default tag: 127.0.0.1:5000/imagespec-frontend:test (pushed)
# NODE_IMAGE overrides the Node base (tests use the local one from the registry); UV_IMAGE names
# the image uv is taken from ("none", the default here: no uv is reachable on the test machines).
# The pip wheel optimize resolves with (docker/resolver-pip.txt) comes from pip's configured index;
# RESOLVER_PIP=none builds an image without it (resolve steps then use the venv's pip).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
TAG=${1:-127.0.0.1:5000/imagespec-frontend:test}
NODE_IMAGE=${NODE_IMAGE:-127.0.0.1:5000/node-base:20}
UV_IMAGE=${UV_IMAGE:-none}
if [[ -z ${DOCKER_HOST:-} ]]; then
  # shellcheck disable=SC1090
  source <(bash test/env/engine.sh env)
fi
node scripts/build.mjs
rm -rf dist/pip && mkdir -p dist/pip
if [[ ${RESOLVER_PIP:-} != none ]]; then
  # One try per index: an unreachable default index (PyPI here) must not cost pip's retries.
  python3 -m pip download --quiet --retries 0 --no-deps --only-binary=:all: --require-hashes \
    -r docker/resolver-pip.txt -d dist/pip/download ||
    { echo "build-image.sh: pip could not download docker/resolver-pip.txt from its configured index; RESOLVER_PIP=none builds the image without it" >&2; exit 1; }
  mv dist/pip/download/pip-*.whl dist/pip/pip.whl
  rmdir dist/pip/download
fi
docker buildx build --quiet --provenance=false --build-arg "NODE_IMAGE=$NODE_IMAGE" --build-arg "UV_IMAGE=$UV_IMAGE" --build-arg "FRONTEND_IMAGE=$TAG" -t "$TAG" --push . >/dev/null
echo "$TAG"
