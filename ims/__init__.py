"""IMS Portal: the project package and the shared kernel (org, access, web, audit, esign, …).

The kernel never imports a domain app; apps register what they need in ``AppConfig.ready()``.
"""

from .celery import app as celery_app

__all__ = ("celery_app",)
