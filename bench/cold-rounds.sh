#!/usr/bin/env bash
# Cold builds of bench/specs/ml by the three routes side by side, in rotating order, on a builder
# emptied before each one, each followed by three no-change rebuilds; prints one line per build:
#   cold|nochange ROUND ROUTE SECONDS
# The bench's single cold build per route is at the mercy of the machine's ±15% drift; this
# repeats it so the ratios can be read as medians of rounds. Needs the test engine
# (test/env/engine.sh up), the frontend image (docker/build-image.sh) and the package mirror
# (npx tsx bench/serve-mirror.ts). Pushes to the test registry; run it alone on the machine.
#   bench/cold-rounds.sh [ROUNDS]
set -euo pipefail
rounds=${1:-3}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source <(bash "$here/../test/env/engine.sh" env)
frontend=$IMAGESPEC_REGISTRY/imagespec-frontend:test
cd "$here/specs/ml"

build() { # ROUTE ROUND
  local args=(buildx build --progress=quiet --network host --provenance=false --output "type=image,name=$IMAGESPEC_REGISTRY/bench-cold/$1:$2,push=true")
  if [[ $1 == dockerfile ]]; then
    args+=(-f Dockerfile)
  else
    args+=(-f spec.yaml --build-arg "BUILDKIT_SYNTAX=$frontend" --build-arg installer=pip --build-arg "optimize=$([[ $1 == optimize-on ]] && echo true || echo false)")
  fi
  local start end
  start=$(date +%s.%N)
  docker "${args[@]}" . >/dev/null
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}

routes=(optimize-on optimize-off dockerfile)
for ((i = 0; i < rounds; i++)); do
  for ((k = 0; k < 3; k++)); do
    route=${routes[$(((i + k) % 3))]}
    docker image rm -f "$IMAGESPEC_REGISTRY/bench-cold/$route:$i" >/dev/null 2>&1 || true
    docker buildx prune -af >/dev/null
    echo "cold $i $route $(build "$route" "$i")"
    for _ in 1 2 3; do echo "nochange $i $route $(build "$route" "$i")"; done
  done
done
