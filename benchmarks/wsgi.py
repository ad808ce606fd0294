"""WSGI entry of the benchmark server (``benchmarks.api`` runs it under gunicorn, one worker)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.settings"
application = get_wsgi_application()

from ims.runtime.process import process_ready  # noqa: E402 - after Django's set-up

process_ready()
