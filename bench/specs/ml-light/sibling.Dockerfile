# What Flyte's local builder writes for sibling.yaml (the light stand-in for bench/specs/ml), with pip in place of uv (no uv binary here)
# and without the docker/dockerfile syntax image (not reachable here).
FROM 127.0.0.1:5000/debian-python:3.11-bookworm
USER root
ARG VIRTUALENV=/opt/venv
ARG UV_PYTHON=$VIRTUALENV/bin/python
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy VIRTUALENV=$VIRTUALENV UV_PYTHON=$UV_PYTHON
RUN test -e "$UV_PYTHON" || python3.11 -m venv "$VIRTUALENV"
ENV PATH="$VIRTUALENV/bin:$PATH"
RUN --mount=type=cache,sharing=locked,mode=0777,target=/var/cache/apt,id=apt \
    apt-get update && apt-get install -y --no-install-recommends jq
RUN --mount=type=cache,sharing=locked,mode=0777,target=/root/.cache/pip,id=pip \
    "$UV_PYTHON" -m pip install --index-url http://127.0.0.1:5103/pypi/simple --extra-index-url http://127.0.0.1:5103/pypi-more/simple --find-links http://127.0.0.1:5103/wheels/ packaging click colorama
WORKDIR /app
COPY src .
ENV APP_MODE=bench PYTHONPATH=/app
ENV _F_IMG_ID=bench-ml-light-sibling
