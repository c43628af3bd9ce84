#!/usr/bin/env bash
# The main job: build examples/hello into an image with our frontend on the local engine, run it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# `engine.sh up` prints only the exports on stdout; a failed `up` stops the demo here.
exports=$(bash test/env/engine.sh up)
eval "$exports"
image=$(bash docker/build-image.sh)
docker buildx build --network host --build-arg installer=pip \
  -f examples/hello/imagespec.yaml -t imagespec-example/hello:latest --load examples/hello
docker run --rm --network none imagespec-example/hello:latest sh -c 'python main.py && jq --version && acme-cli'
echo "built imagespec-example/hello:latest with $image"
