import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ims.settings")
application = get_wsgi_application()

from ims.runtime.process import process_ready  # noqa: E402 - after Django's set-up

process_ready()
