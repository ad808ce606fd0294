"""Error pages: plain language, no stack traces; API paths answer JSON."""

from __future__ import annotations

import logging
import uuid

from django.http import JsonResponse
from django.shortcuts import render

logger = logging.getLogger("ims.errors")


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request, exception=None):
    if _is_api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return render(request, "errors/404.html", status=404)


def permission_denied(request, exception=None):
    message = str(exception) if exception and str(exception) else "You do not have permission to do this."
    if _is_api(request):
        return JsonResponse({"detail": message}, status=403)
    return render(request, "errors/403.html", {"message": message}, status=403)


def server_error(request):
    incident = uuid.uuid4().hex[:12]
    logger.error("server error, incident %s on %s", incident, request.path)
    if _is_api(request):
        return JsonResponse({"detail": "Server error.", "incident": incident}, status=500)
    return render(request, "errors/500.html", {"incident": incident}, status=500)
