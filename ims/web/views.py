"""Generic page views. They call ``restrict()`` once; an app's view only declares.

- ``ObjectListView``: table with sorting, filter form, search and pagination (≤ 100 a page), CSV export.
- ``ObjectDetailView``: 404 outside the user's sites.
- ``ObjectEditView``: create/update through a service; 403 when the user may see but not change.
- ``ObjectDeactivateView``: regulated records are deactivated, never deleted.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View
from django_tables2 import RequestConfig

from ims.access.permissions import user_can, user_can_any_site
from ims.audit.context import audit_context
from ims.web.concurrency import VERSION_FIELD, StaleEdit, guarded_edit, version_token
from ims.web.exports import SafeCsvWriter
from ims.web.input import REASON_FIELD
from ims.web.links import may_open
from ims.web.tables import CappedCountPaginator

REASON_REQUIRED = _("Give the reason for this change; it is kept in the audit trail.")


def reason_field() -> forms.CharField:
    return forms.CharField(
        label=_("Reason for change"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        error_messages={"required": REASON_REQUIRED},
        help_text=_("Why is this record changed? Shown in its history and in the audit trail."),
    )


MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 25


def model_perm(model: type[models.Model], action: str) -> str:
    opts = model._meta
    return f"{opts.app_label}.{action}_{opts.model_name}"


def apply_validation_error(form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: field errors on fields, the rest on top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class ScopedViewMixin:
    """Declares ``queryset``; ``get_queryset(action)`` always applies ``restrict()``."""

    queryset: models.QuerySet
    action = "view"

    @property
    def model(self) -> type[models.Model]:
        return self.queryset.model

    def get_queryset(self, action: str | None = None) -> models.QuerySet:
        return self.queryset.all().restrict(self.request.user, action or self.action)

    def get_object(self, action: str = "view") -> models.Model:
        """The object if visible (else 404); PermissionDenied (403) if visible but ``action`` is not allowed."""
        obj = get_object_or_404(self.get_queryset("view"), pk=self.kwargs["pk"])
        if action != "view" and not user_can(self.request.user, action, obj):
            raise PermissionDenied(_("You may view this record but not %(action)s it.") % {"action": action})
        return obj

    def verbose(self, plural: bool = False) -> str:
        opts = self.model._meta
        return str(opts.verbose_name_plural if plural else opts.verbose_name)


class ObjectListView(ScopedViewMixin, TemplateView):
    template_name = "web/object_list.html"
    table_class = None
    filterset_class = None
    export_fields: tuple[str, ...] = ()
    title: str | None = None
    add_url_name: str | None = None
    extra_actions: tuple[tuple[str, str, str], ...] = ()  # (label, url name, icon)

    def get_filterset(self):
        if self.filterset_class is None:
            return None
        return self.filterset_class(self.request.GET or None, queryset=self.get_queryset(), request=self.request)

    def filtered_queryset(self, filterset) -> models.QuerySet:
        if filterset is None:
            return self.get_queryset()
        if filterset.is_bound and not filterset.is_valid():
            return self.get_queryset().none()
        return filterset.qs

    def get(self, request, *args, **kwargs):
        filterset = self.get_filterset()
        queryset = self.filtered_queryset(filterset)
        if request.GET.get("export") == "csv" and self.export_fields:
            return self.export_csv(queryset)
        table = self.table_class(queryset, request=request)
        per_page = _bounded_int(request.GET.get("per_page"), DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
        paginate = {"per_page": per_page, "paginator_class": CappedCountPaginator}
        RequestConfig(request, paginate=paginate).configure(table)
        requested = request.GET.get("page")
        if requested and requested.isdigit() and int(requested) > table.paginator.num_pages:
            messages.info(
                request,
                _("There is no page %(page)s; showing the last page, %(last)s.")
                % {"page": requested, "last": table.paginator.num_pages},
            )
        context = self.get_context_data(table=table, filterset=filterset, **kwargs)
        return self.render_to_response(context)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filterset = kwargs.get("filterset")
        query = self.request.GET.copy()
        query.pop("page", None)
        query.pop("export", None)
        context.update(
            {
                "title": self.title or capfirst(self.verbose(plural=True)),
                "model_name": self.verbose(),
                "filter_form": filterset.form if filterset is not None else None,
                "filter_errors": filterset.errors if filterset is not None and filterset.is_bound else None,
                "active_filters": any(v for k, v in self.request.GET.items() if k not in {"page", "per_page", "sort"}),
                "can_add": self.add_url_name and may_open(self.request.user, self.add_url_name),
                "add_url_name": self.add_url_name,
                "can_export": bool(self.export_fields),
                "export_query": query.urlencode(),
                "extra_actions": self.extra_actions,
            }
        )
        return context

    def export_csv(self, queryset: models.QuerySet) -> StreamingHttpResponse:
        """Every filtered, restricted row, streamed (no page limit), UTF-8 with BOM for spreadsheet programs."""

        class Echo:
            def write(self, value):
                return value

        writer = SafeCsvWriter(Echo())
        fields = self.export_fields

        def rows():
            yield "\ufeff"
            yield writer.writerow(fields)
            for row in queryset.values_list(*fields).iterator(chunk_size=2000):
                yield writer.writerow(row)

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{self.model._meta.model_name}-export.csv"'
        return response


class ObjectDetailView(ScopedViewMixin, TemplateView):
    template_name = "web/object_detail.html"

    def get(self, request, *args, **kwargs):
        self.object = self.get_object("view")
        return self.render_to_response(self.get_context_data(object=self.object))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        obj = kwargs["object"]
        context.update(
            {
                "title": str(obj),
                "model_name": self.verbose(),
                "can_change": user_can(self.request.user, "change", obj),
                "can_delete": user_can(self.request.user, "delete", obj),
            }
        )
        return context


class ObjectEditView(ScopedViewMixin, TemplateView):
    """Create (no ``pk``) or update (``pk``) through ``save()``, which app views implement with a service."""

    template_name = "web/object_edit.html"
    form_class = None

    def is_create(self) -> bool:
        return "pk" not in self.kwargs

    @classmethod
    def user_may_open(cls, user, **url_kwargs) -> bool:
        """Adding needs the add permission at some site (editing is decided per record, in ``get_object``)."""
        if "pk" in url_kwargs:
            return True
        return user_can_any_site(user, model_perm(cls.queryset.model, "add"))

    def dispatch(self, request, *args, **kwargs):
        if self.is_create():
            if not self.user_may_open(request.user, **kwargs):
                raise PermissionDenied(_("You may not add %(things)s.") % {"things": self.verbose(plural=True)})
            self.object = None
        else:
            self.object = self.get_object("change")
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict:
        kwargs = {"instance": self.object, "user": self.request.user}
        if self.request.method == "POST":
            kwargs.update(data=self.request.POST, files=self.request.FILES)
        return kwargs

    def get_form(self):
        form = self.form_class(**self.get_form_kwargs())
        if not self.is_create():
            form.fields[REASON_FIELD] = reason_field()
        return form

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=self.get_form()))

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if form.is_valid():
            try:
                with audit_context(reason=form.cleaned_data.get(REASON_FIELD) or None):
                    if self.is_create():
                        obj = self.save(form)
                    else:
                        # The form carries the version it was read at: a record changed meanwhile is refused.
                        with guarded_edit(self.object, request.POST.get(VERSION_FIELD) or None):
                            obj = self.save(form)
            except StaleEdit as stale:
                form.add_error(None, stale.message)
                context = self.get_context_data(form=form, stale_url=stale.current.get_absolute_url())
                return self.render_to_response(context, status=409)
            except ValidationError as error:
                apply_validation_error(form, error)
            except PermissionDenied as error:
                form.add_error(None, str(error) or _("You may not make this change."))
            else:
                verb = _("created") if self.is_create() else _("updated")
                messages.success(
                    request,
                    _("%(thing)s “%(obj)s” %(verb)s.") % {"thing": capfirst(self.verbose()), "obj": obj, "verb": verb},
                )
                return redirect(obj.get_absolute_url())
        messages.error(request, _("Please correct the errors below; nothing was saved."))
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def save(self, form) -> models.Model:
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        title = (
            _("New %(thing)s") % {"thing": self.verbose()}
            if self.is_create()
            else _("Edit %(obj)s") % {"obj": self.object}
        )
        context.update(
            {
                "title": title,
                "object": self.object,
                "model_name": self.verbose(),
                "version_field": VERSION_FIELD,
                # The version the form was opened at; a re-shown form keeps the one it was opened at.
                "version": (self.request.POST.get(VERSION_FIELD) or version_token(self.object))
                if self.object is not None
                else None,
            }
        )
        return context


class ObjectDeactivateView(ScopedViewMixin, View):
    """POST only: deactivate (or end) a record through ``deactivate()``."""

    http_method_names = ["post"]
    success_message = _("“%(obj)s” deactivated.")

    def post(self, request, *args, **kwargs):
        obj = self.get_object("delete")
        reason = (request.POST.get(REASON_FIELD) or "").strip()
        if not reason:
            return render(
                request, "errors/400.html", {"message": REASON_REQUIRED, "back_url": obj.get_absolute_url()}, status=400
            )
        try:
            with audit_context(reason=reason):
                self.deactivate(obj)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, self.success_message % {"obj": obj})
        return redirect(obj.get_absolute_url())

    def deactivate(self, obj) -> None:
        raise NotImplementedError


def _bounded_int(value, default: int, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return max(low, min(high, number))


def not_found(request, exception=None):
    raise Http404


def csv_response(filename: str, header, rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = SafeCsvWriter(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response
