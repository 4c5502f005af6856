# syntax=docker/dockerfile:1.7
# One image for every role of the shop: web (gunicorn), worker, beat and migrate, chosen by the
# command (see deploy/entrypoint.sh). Build: docker build -t emporium .

# --- 1. Front end: Vite builds frontend/dist; swagger-ui-dist is served from our static files.
FROM node:20-bookworm-slim AS frontend
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json vite.config.ts ./
COPY frontend ./frontend
RUN npm run build

# --- 2. Python packages from uv.lock, in a virtualenv that the runtime stage copies whole.
FROM python:3.11-slim-bookworm AS python-deps
COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT=/opt/venv
WORKDIR /app
COPY pyproject.toml uv.lock ./
# Only the locked production packages: no dev group, no editable project install.
RUN --mount=type=cache,target=/root/.cache/uv uv sync --frozen --no-dev --no-install-project

# --- 3. Runtime: slim Python, the virtualenv, the code, collected static files, a plain user.
FROM python:3.11-slim-bookworm AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=config.settings \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/app/media
# curl-less health check: Python's urllib is enough; tini forwards SIGTERM to the process
# and reaps zombies (gunicorn and Celery handle SIGTERM gracefully themselves).
RUN apt-get update \
    && apt-get install -y --no-install-recommends tini libpq5 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 emporium \
    && useradd --system --uid 10001 --gid emporium --home-dir /app --shell /usr/sbin/nologin emporium
WORKDIR /app
COPY --from=python-deps /opt/venv /opt/venv
COPY --chown=emporium:emporium . .
COPY --from=frontend --chown=emporium:emporium /app/frontend/dist ./frontend/dist
COPY --from=frontend --chown=emporium:emporium /app/node_modules/swagger-ui-dist ./node_modules/swagger-ui-dist
# Static files are part of the image (hashed and compressed for WhiteNoise), so every replica
# serves the same files and start-up does no work. The key is a throwaway for this step only.
RUN SECRET_KEY=collectstatic-only-not-a-secret DEBUG=0 python manage.py collectstatic --noinput -v0 \
    && mkdir -p /app/media && chown emporium:emporium /app/media \
    && chmod +x deploy/entrypoint.sh
USER emporium:emporium
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"]
ENTRYPOINT ["/usr/bin/tini", "--", "/app/deploy/entrypoint.sh"]
CMD ["web"]
