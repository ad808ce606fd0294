"""The org import page: upload → dry-run preview → confirm → result.

The uploaded file is kept server-side between preview and confirm (a file with a random name
under ``MEDIA_ROOT/imports``, named in the session with its SHA-256), and the confirm step
validates it again: the preview is never trusted.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from ims.access.permissions import user_can_any_site, user_sites

from .importer import COLUMNS, REQUIRED_COLUMNS, org_import, template_csv

SESSION_KEY = "org_import_pending"
PENDING_MAX_AGE = 24 * 3600
ACTION_PREVIEW = "preview"
ACTION_CONFIRM = "confirm"
ACTION_CONFIRM_VALID = "confirm_valid"


def _pending_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def _pending_path(token: str) -> Path | None:
    if not token or not token.replace("-", "").replace("_", "").isalnum():
        return None
    return _pending_dir() / f"{token}.csv"


def _sweep_stale() -> None:
    """Uploads previewed but never confirmed are removed after a day."""
    cutoff = time.time() - PENDING_MAX_AGE
    for path in _pending_dir().glob("*.csv"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            pass


class OrgImportView(TemplateView):
    template_name = "org/import.html"
    permission = "org.add_person"

    @classmethod
    def user_may_open(cls, user, **url_kwargs) -> bool:
        return user_can_any_site(user, cls.permission)

    def dispatch(self, request, *args, **kwargs):
        if not user_can_any_site(request.user, self.permission):
            raise PermissionDenied(_("You may not import people: you may not add people at any site."))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        if request.GET.get("download") == "template":
            response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = 'attachment; filename="org-import-template.csv"'
            return response
        return self.render_to_response(self.get_context_data())

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action", ACTION_PREVIEW)
        if action in (ACTION_CONFIRM, ACTION_CONFIRM_VALID):
            return self.confirm(request, only_valid_rows=action == ACTION_CONFIRM_VALID)
        return self.preview(request)

    def preview(self, request):
        upload = request.FILES.get("file")
        if upload is None:
            return self.render_to_response(
                self.get_context_data(form_error=_("Choose a CSV file to preview.")), status=400
            )
        limit = settings.IMS_ORG_IMPORT_MAX_BYTES
        if upload.size > limit:
            message = _("The file is %(size)s bytes; the limit is %(limit)s bytes.") % {
                "size": f"{upload.size:,}",
                "limit": f"{limit:,}",
            }
            return self.render_to_response(self.get_context_data(form_error=message), status=400)
        content = upload.read()
        report = org_import(actor=request.user, content=content, dry_run=True, source="web")
        self._discard_pending(request)
        if report.file_error or report.valid_rows == 0:
            return self.render_to_response(self.get_context_data(report=report, filename=upload.name), status=400)
        _pending_dir().mkdir(parents=True, exist_ok=True)
        _sweep_stale()
        token = secrets.token_urlsafe(24)
        _pending_path(token).write_bytes(content)
        request.session[SESSION_KEY] = {
            "token": token,
            "sha256": report.sha256,
            "filename": upload.name[:200],
            "size": len(content),
        }
        return self.render_to_response(self.get_context_data(report=report, filename=upload.name, token=token))

    def confirm(self, request, *, only_valid_rows: bool):
        pending = request.session.get(SESSION_KEY) or {}
        token = request.POST.get("token", "")
        path = _pending_path(pending.get("token", ""))
        if not pending or token != pending.get("token") or path is None or not path.is_file():
            return self.render_to_response(
                self.get_context_data(form_error=_("This preview has expired or was replaced. Upload the file again.")),
                status=400,
            )
        content = path.read_bytes()
        if hashlib.sha256(content).hexdigest() != pending.get("sha256"):
            self._discard_pending(request)
            return self.render_to_response(
                self.get_context_data(form_error=_("The stored upload changed since the preview. Upload it again.")),
                status=400,
            )
        report = org_import(
            actor=request.user, content=content, dry_run=False, only_valid_rows=only_valid_rows, source="web"
        )
        self._discard_pending(request)
        # Not applied when the organisation changed since the preview: the fresh errors are shown.
        return self.render_to_response(
            self.get_context_data(report=report, filename=pending.get("filename")),
            status=200 if report.applied else 400,
        )

    def _discard_pending(self, request) -> None:
        pending = request.session.pop(SESSION_KEY, None)
        if pending and (path := _pending_path(pending.get("token", ""))) is not None:
            path.unlink(missing_ok=True)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report = kwargs.get("report")
        context.update(
            {
                "title": _("Import people and memberships"),
                "columns": COLUMNS,
                "required_columns": REQUIRED_COLUMNS,
                "max_bytes": settings.IMS_ORG_IMPORT_MAX_BYTES,
                "allowed_sites": user_sites(self.request.user, self.permission).order_by("code"),
                "is_result": bool(report and not report.dry_run),
                "errors_shown": report.errors[:1000] if report else [],
            }
        )
        return context
