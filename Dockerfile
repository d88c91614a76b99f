# syntax=docker/dockerfile:1
# Multi-stage: build wheels with compilers in one stage, run as a non-root user in a slim one.
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
    MEDIA_ROOT=/var/lib/sawt/media DATA_DIR=/var/lib/sawt
RUN groupadd --system --gid 10001 sawt \
    && useradd --system --uid 10001 --gid sawt --home-dir /var/lib/sawt --create-home sawt
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --find-links /wheels sawt
WORKDIR /app
COPY http http
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s CMD python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2)" || exit 1
# SIGTERM drains sockets (server:shutdown) and exits within SHUTDOWN_GRACE seconds.
STOPSIGNAL SIGTERM
CMD ["python", "-m", "server", "serve", "--host", "0.0.0.0", "--port", "8080"]
