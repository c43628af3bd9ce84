# The imagespec frontend image: Node and the bundled frontend, nothing else.
# Production default: the official slim Node image, pinned by digest. Tests pass a local base.
ARG NODE_IMAGE=docker.io/library/node:20-bookworm-slim@sha256:2cf067cfed83d5ea958367df9f966191a942351a2df77d6f0193e162b5febfc0
FROM ${NODE_IMAGE}
COPY dist/frontend.cjs docker/boot.cjs /imagespec/
# V8 code cache of the bundle, made by this image's own node (see docker/boot.cjs).
RUN --network=none ["node", "/imagespec/boot.cjs", "--write-v8-cache"]
LABEL moby.buildkit.frontend.network.none="true" \
      moby.buildkit.frontend.caps="moby.buildkit.frontend.subrequests,moby.buildkit.frontend.contexts" \
      org.opencontainers.image.title="imagespec-frontend" \
      org.opencontainers.image.description="BuildKit frontend that builds images from a Flyte ImageSpec"
ENTRYPOINT ["node", "/imagespec/boot.cjs"]
