"""API policy classes named in settings (kept apart from ``ims.web.api`` to avoid an import cycle with DRF)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, permissions
from rest_framework.pagination import PageNumberPagination

from ims.access.permissions import user_can, user_can_any_site

SAFE_METHODS = permissions.SAFE_METHODS


def model_perm(model, action: str) -> str:
    opts = model._meta
    return f"{opts.app_label}.{action}_{opts.model_name}"


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100

    def paginate_queryset(self, queryset, request, view=None):
        raw = request.query_params.get(self.page_query_param)
        if raw is not None and raw not in self.last_page_strings and (not raw.isdigit() or int(raw) < 1):
            # A page that is not a page number is a bad request, not a page past the end.
            raise exceptions.ValidationError({self.page_query_param: ["A page number is a whole number from 1."]})
        try:
            return super().paginate_queryset(queryset, request, view)
        except exceptions.NotFound:
            raise exceptions.NotFound(
                {"detail": "That page is past the end of the list.", "code": "page_out_of_range"}
            ) from None


class ScopedPermission(permissions.BasePermission):
    """Authenticated, token scope respected, model permission at some site, object permission per row."""

    message = "You do not have permission to perform this action."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not user or not user.is_authenticated or not user.is_active:
            return False
        if getattr(user, "external_inspector", False):
            self._inspector_check(request, view)
        token = getattr(request, "auth", None)
        if request.method not in SAFE_METHODS and getattr(token, "read_only", False):
            self.message = "This API token is read-only."
            return False
        queryset = getattr(view, "queryset", None)
        if queryset is None or request.method in SAFE_METHODS:
            return True
        if request.method == "POST" and getattr(view, "action", None) == "create":
            allowed = user_can_any_site(user, model_perm(queryset.model, "add"))
            if not allowed:
                self.message = f"You may not add {queryset.model._meta.verbose_name_plural}."
            return allowed
        return True

    @staticmethod
    def _inspector_check(request, view) -> None:
        """An external inspector (also with a token): 404 with no grant in force, 405 for a write."""
        from ims.access.middleware import inspector_api_check

        inspector_api_check(request, request.user)

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in SAFE_METHODS:
            return True
        action_name = getattr(view, "action", None)
        needed = "delete" if action_name == "deactivate" else "change"
        allowed = user_can(request.user, needed, obj)
        if not allowed:
            self.message = f"You may view this {obj._meta.verbose_name} but not {needed} it."
        return allowed


def exception_handler(exc, context):
    """Map service errors to clear API answers: ValidationError → 400, PermissionDenied → 403."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found.")
    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    _errors_as_json(context.get("request"))
    return response


def _errors_as_json(request) -> None:
    """A download (PDF, BPMN, SVG, …) asked for with ``?format=`` or ``Accept`` that fails answers JSON and says
    so: its content type is the error's, not the file's the client hoped for."""
    renderer = getattr(request, "accepted_renderer", None)
    if renderer is None:
        return
    media_type = renderer.media_type or ""
    if "json" in media_type or "html" in media_type:
        return
    from rest_framework.renderers import JSONRenderer

    request.accepted_renderer, request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
