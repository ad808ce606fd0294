"""Per-request audit context: who (session user; bearer tokens add themselves), channel, request id, client IP."""

from __future__ import annotations

import uuid

from .context import audit_context


def _channel(path: str) -> str:
    if path.startswith("/api/"):
        return "api"
    if path.startswith("/admin/"):
        return "admin"
    return "web"


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = uuid.uuid4().hex
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        with audit_context(
            replace=True,
            actor=user if signed_in else None,
            actor_label=None if signed_in else "anonymous",
            channel=_channel(request.path),
            request_id=request.request_id,
            # REMOTE_ADDR only: X-Forwarded-For is trusted solely behind a configured proxy.
            client_ip=request.META.get("REMOTE_ADDR") or None,
            # The reason for change of any write, creates included (the body field is read by the API parsers).
            reason=request.headers.get("X-Change-Reason", "").strip()[:500] or None,
        ):
            response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response
