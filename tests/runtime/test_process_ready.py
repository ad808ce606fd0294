"""The web entry point leaves the start-up objects out of the garbage collector's generations."""

from __future__ import annotations

import gc
import importlib


def test_the_wsgi_application_freezes_what_start_up_made():
    gc.unfreeze()
    import ims.wsgi

    importlib.reload(ims.wsgi)
    try:
        assert gc.get_freeze_count() > 50_000  # Django, the apps, their models and every view module
        from django.urls import get_resolver

        assert get_resolver().url_patterns  # the URL configuration was imported before the freeze
    finally:
        gc.unfreeze()
