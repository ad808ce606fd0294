# syntax=docker/dockerfile:1
# The IMS Portal image: one image for web (gunicorn), worker and beat (Celery) and the migrate job.
# Front-end assets come from the pinned npm packages (package-lock.json) and are served by the app
# itself through WhiteNoise: nothing is fetched from a CDN, at build time or in the browser.

# --- Stage 1: front-end assets (the same files as `make static`) ------------------------------------
FROM node:22-bookworm-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
RUN VENDOR=static/vendor \
 && mkdir -p $VENDOR/bootstrap $VENDOR/bootstrap-icons $VENDOR/htmx \
 && cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/css/bootstrap.min.css.map $VENDOR/bootstrap/ \
 && cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js node_modules/bootstrap/dist/js/bootstrap.bundle.min.js.map $VENDOR/bootstrap/ \
 && cp -r node_modules/bootstrap-icons/font/bootstrap-icons.min.css node_modules/bootstrap-icons/font/fonts $VENDOR/bootstrap-icons/ \
 && cp node_modules/htmx.org/dist/htmx.min.js $VENDOR/htmx/ \
 && mkdir -p $VENDOR/bpmn-js \
 && cp node_modules/bpmn-js/dist/bpmn-modeler.production.min.js node_modules/bpmn-js/dist/bpmn-navigated-viewer.production.min.js $VENDOR/bpmn-js/ \
 && cp -r node_modules/bpmn-js/dist/assets/diagram-js.css node_modules/bpmn-js/dist/assets/bpmn-js.css node_modules/bpmn-js/dist/assets/bpmn-font $VENDOR/bpmn-js/

# --- Stage 2: the application ---------------------------------------------------------------------------
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=ims.settings \
    MEDIA_ROOT=/var/lib/ims/media

# WeasyPrint renders PDFs with Pango and HarfBuzz; fonts for the evidence packs.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system ims \
 && useradd --system --gid ims --home-dir /var/lib/ims --shell /usr/sbin/nologin ims

WORKDIR /app
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY . .
COPY --from=assets /build/static/vendor static/vendor

# collectstatic only reads settings: a throw-away key keeps the real one out of the image.
RUN DJANGO_SECRET_KEY=collectstatic-at-build-time-only DJANGO_DEBUG=0 python manage.py collectstatic --noinput \
 && mkdir -p /var/lib/ims/media /var/lib/ims/beat /var/lib/ims/anchor \
 && chown -R ims:ims /var/lib/ims

# The code stays owned by root (read-only for the app); only /var/lib/ims is writable.
USER ims
EXPOSE 8000
CMD ["gunicorn", "ims.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
