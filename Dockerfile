# The imagespec frontend image: Node, the bundled frontend and (by default) uv.
# Production defaults: the official slim Node image and the official uv image, pinned by digest.
# Tests pass a local Node base and UV_IMAGE=none (no uv is reachable on the test machines).
ARG NODE_IMAGE=docker.io/library/node:20-bookworm-slim@sha256:2cf067cfed83d5ea958367df9f966191a942351a2df77d6f0193e162b5febfc0
# Where uv comes from: an image with the uv binary at /uv, or "none" for a frontend without uv.
# With uv inside, install steps mount it from this image, so no separate uv image is pulled.
ARG UV_IMAGE=ghcr.io/astral-sh/uv:0.8.13@sha256:4de5495181a281bc744845b9579acf7b221d6791f99bcc211b9ec13f417c2853
FROM scratch AS none
FROM ${UV_IMAGE} AS uv
FROM ${NODE_IMAGE}
COPY --from=uv / /imagespec/uv/
COPY dist/frontend.cjs dist/imagespec-build.cjs dist/imagespec-serve.mjs docker/boot.cjs /imagespec/
COPY dist/migrations /imagespec/migrations/
# The pip optimize's resolve steps run from this image (docker/resolver-pip.txt); may be empty.
COPY dist/pip/ /imagespec/pip/
# V8 code cache of the bundle, made by this image's own node (see docker/boot.cjs).
RUN --network=none ["node", "/imagespec/boot.cjs", "--write-v8-cache"]
LABEL moby.buildkit.frontend.network.none="true" \
      moby.buildkit.frontend.caps="moby.buildkit.frontend.subrequests,moby.buildkit.frontend.contexts" \
      org.opencontainers.image.title="imagespec-frontend" \
      org.opencontainers.image.description="BuildKit frontend that builds images from a Flyte ImageSpec"
# The frontend `imagespec-build` (the image's `build` command) uses when given no --frontend:
# the reference this image is published under (build-image.sh passes the tag it pushes).
ARG FRONTEND_IMAGE=""
ENV IMAGESPEC_FRONTEND_IMAGE=${FRONTEND_IMAGE}
ENTRYPOINT ["node", "/imagespec/boot.cjs"]
