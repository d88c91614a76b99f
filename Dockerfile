# syntax=docker/dockerfile:1
# Multi-stage: the web app built with Node in one stage, wheels built with compilers in another,
# run as a non-root user in a slim one that holds only the wheels' install and the built app.

# The web app (web/ -> dist/, served at `/`): the npm lock file's exact packages, then the
# same build as scripts/build_web.sh. Sources are copied after `npm ci` so an edit to the app
# reuses the cached install. The built files are the same on every platform: built once, on
# the builder's own.
FROM --platform=$BUILDPLATFORM node:20-bookworm-slim AS web
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/index.html web/tsconfig.json web/vite.config.ts ./
COPY web/src src
RUN npm run build

FROM python:3.11-slim-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# every dependency at the version and hash in requirements.lock (the whole set, dev extra
# included); the runtime stage installs only what the package needs from these wheels
COPY requirements.lock ./
RUN pip wheel --no-cache-dir --require-hashes --wheel-dir /wheels -r requirements.lock
COPY pyproject.toml README.md ./
COPY server server
COPY rooms rooms
COPY media media
COPY handlers handlers
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim-bookworm AS runtime
ENV PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 APP_ENV=production \
    MEDIA_ROOT=/var/lib/sawt/media DATA_DIR=/var/lib/sawt WEB_DIST=/app/web/dist
RUN groupadd --system --gid 10001 sawt \
    && useradd --system --uid 10001 --gid sawt --home-dir /var/lib/sawt --create-home sawt
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --find-links /wheels sawt
WORKDIR /app
COPY http http
# the built app only (no node in this image); WEB_DIST above points the server at it
COPY --from=web /web/dist web/dist
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2)" || exit 1
# SIGTERM drains sockets (server:shutdown) and exits within SHUTDOWN_GRACE seconds.
STOPSIGNAL SIGTERM
CMD ["python", "-m", "server", "serve", "--host", "0.0.0.0", "--port", "8080"]
