"""KPI pages: thin adapters over ``services``, ``signals`` and ``selectors``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from ims.access.permissions import user_can_any_site, user_can_at_site
from ims.audit.context import audit_context
from ims.org.models import Site
from ims.web.input import REASON_FIELD
from ims.web.views import (
    ObjectDeactivateView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    ScopedViewMixin,
)

from . import selectors, services
from .chart_svg import chart_svg
from .choices import Discipline
from .filtersets import KpiFilterSet, ReadingFilterSet, SignalFilterSet
from .forms import KpiForm, ReadingCorrectForm, ReadingForm
from .models import Kpi, KpiSignal, Reading
from .signals import PERM_RAISE_CAPA, signal_dismiss, signal_raise_capa
from .tables import KpiTable, ReadingTable, SignalTable

CHARTS_PER_PAGE = 12
KPI_EXPORT = (
    "id", "code", "name", "discipline", "unit", "direction", "target", "target_min", "target_max", "physical_min",
    "physical_max", "frequency", "data_source", "source_key", "owner__username", "is_active", "updated_at",
)  # fmt: skip


class KpiListView(ObjectListView):
    queryset = Kpi.objects.select_related("owner").prefetch_related(
        Prefetch("sites", Site._base_manager.order_by("code"))
    )
    table_class = KpiTable
    filterset_class = KpiFilterSet
    export_fields = KPI_EXPORT
    add_url_name = "kpis:kpi_add"
    title = gettext_lazy("KPIs")
    extra_actions = (
        (gettext_lazy("Dashboard"), "kpis:dashboard", "speedometer2"),
        (gettext_lazy("Record a reading"), "kpis:reading_add", "plus-circle"),
        (gettext_lazy("Import readings"), "kpis:reading_import", "upload"),
    )


class KpiDetailView(ObjectDetailView):
    queryset = Kpi.objects.select_related("owner", "objective")
    template_name = "kpis/kpi_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        kpi: Kpi = kwargs["object"]
        user = self.request.user
        charts = selectors.kpi_charts(user=user, kpi=kpi)
        all_sites = [site for site, _chart in charts]
        wanted = self.request.GET.get("site")
        if wanted and wanted.isdigit():
            charts = [(site, chart) for site, chart in charts if site.pk == int(wanted)] or charts
        # Sites with signals first; a page draws at most CHARTS_PER_PAGE charts, the others one click away.
        charts.sort(key=lambda pair: (not pair[1].signals, pair[0].code))
        charts = charts[:CHARTS_PER_PAGE]
        readings = (
            Reading.objects.restrict(user, "view")
            .filter(kpi=kpi, site__in=[site for site, _c in charts])
            .select_related("site", "entered_by")
            .order_by("-period_start", "site__code")[:60]
        )
        signals = (
            KpiSignal.objects.restrict(user, "view")
            .filter(kpi=kpi)
            .select_related("site", "reading")
            .order_by("-created_at")[:50]
        )
        raisable = {s.pk for s in signals if not s.capa_reference and user_can_at_site(user, PERM_RAISE_CAPA, s.site)}
        context.update(
            {
                "kpi": kpi,
                # Drawn by ``chart_svg`` from numbers and escaped text only.
                "charts": [(site, chart, mark_safe(chart_svg(chart))) for site, chart in charts],  # noqa: S308
                "all_sites": all_sites if len(all_sites) > 1 else [],
                "site_shown": int(wanted) if wanted and wanted.isdigit() else None,
                "readings": readings,
                "signals": signals,
                "raisable": raisable,
                "can_correct": user_can_any_site(user, "kpis.change_reading"),
                "can_record": kpi.is_active and user_can_any_site(user, services.PERM_ADD_READING),
                "list_url": reverse("kpis:kpi_list"),
                "list_label": _("KPIs"),
                "edit_url": reverse("kpis:kpi_edit", args=[kpi.pk]),
                "deactivate_url": reverse("kpis:kpi_retire", args=[kpi.pk]),
                "deactivate_label": _("Retire KPI"),
                "is_active": kpi.is_active,
                "has_status": True,
            }
        )
        return context


class KpiEditView(ObjectEditView):
    queryset = Kpi.objects.select_related("owner")
    form_class = KpiForm

    def save(self, form) -> Kpi:
        data = form.kpi_data
        sites = data.pop("sites")
        if self.object is None:
            return services.kpi_create(actor=self.request.user, sites=sites, **data)
        return services.kpi_update(actor=self.request.user, kpi=self.object, sites=sites, **data)


class KpiRetireView(ObjectDeactivateView):
    queryset = Kpi.objects.all()
    success_message = gettext_lazy("KPI “%(obj)s” retired; it and its readings are kept.")

    def deactivate(self, obj) -> None:
        services.kpi_retire(actor=self.request.user, kpi=obj)


class ReadingAddView(ObjectEditView):
    """The reading entry form (one value for one KPI, site and period)."""

    queryset = Reading.objects.all()
    form_class = ReadingForm
    template_name = "web/object_edit.html"

    def get_form_kwargs(self) -> dict:
        kwargs = super().get_form_kwargs()
        kwargs["initial_kpi"] = self.request.GET.get("kpi")
        return kwargs

    def save(self, form) -> Reading:
        data = form.cleaned_data
        return services.reading_record(
            actor=self.request.user, kpi=data["kpi"], site=data["site"], period=data["period"], value=data["value"],
            denominator=data.get("denominator"), comment=data.get("comment") or "",
        )  # fmt: skip


class ReadingCorrectView(ObjectEditView):
    queryset = Reading.objects.select_related("kpi", "site")
    form_class = ReadingCorrectForm

    def save(self, form) -> Reading:
        data = form.cleaned_data
        return services.reading_correct(
            actor=self.request.user, reading=self.object, value=data["value"],
            denominator=data.get("denominator") if data.get("denominator") is not None else "",
            comment=data.get("comment") or "",
        )  # fmt: skip


class ReadingVoidView(ObjectDeactivateView):
    queryset = Reading.objects.select_related("kpi")
    success_message = gettext_lazy("Reading “%(obj)s” voided; it is kept with the reason.")

    def deactivate(self, obj) -> None:
        services.reading_void(actor=self.request.user, reading=obj, reason=self.request.POST.get(REASON_FIELD, ""))


class SignalCapaView(ScopedViewMixin, View):
    """POST from the chart: open a CAPA for an out-of-control signal (once)."""

    queryset = KpiSignal.objects.select_related("kpi", "site")
    http_method_names = ["post"]

    def post(self, request, pk: int):
        signal = self.get_object("view")
        try:
            with audit_context(reason=_("CAPA opened from a KPI signal")):
                raised = signal_raise_capa(actor=request.user, signal=signal)
        except PermissionDenied:
            raise
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("CAPA %(ref)s opened for the signal.") % {"ref": raised.capa_reference})
        return redirect(request.POST.get("next") == "signal" and signal.get_absolute_url() or signal.chart_url())


def _small_svg(chart):
    """A dashboard tile's chart: drawn by ``chart_svg`` from numbers and escaped text only."""
    return mark_safe(chart_svg(chart, width=260, height=90, small=True))  # noqa: S308


class DashboardView(TemplateView):
    """Quality, environment and safety KPIs side by side, at one site or company-wide."""

    template_name = "kpis/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        sites = Site.objects.restrict(user, "view").filter(is_active=True).order_by("code")
        site = None
        wanted = self.request.GET.get("site")
        if wanted:
            site = get_object_or_404(sites, pk=wanted) if wanted.isdigit() else get_object_or_404(sites, code=wanted)
        tiles = selectors.dashboard(user=user, site=site)
        labels = dict(Discipline.choices)
        columns = [
            (
                labels.get(discipline, discipline),
                [(t, _small_svg(t.chart)) for t in items],
            )
            for discipline, items in tiles.items()
        ]
        context.update({"title": _("KPI dashboard"), "site": site, "sites": sites, "columns": columns})
        return context


class ReadingImportView(TemplateView):
    """Upload a CSV or XLSX file of readings: every row checked, nothing written unless all are valid."""

    template_name = "kpis/reading_import.html"

    @classmethod
    def user_may_open(cls, user, **url_kwargs) -> bool:
        return user_can_any_site(user, services.PERM_ADD_READING)

    def dispatch(self, request, *args, **kwargs):
        if not self.user_may_open(request.user):
            raise PermissionDenied(_("You may not record KPI readings."))
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        from .forms import ReadingImportForm
        from .imports import readings_import

        form = ReadingImportForm(request.POST, request.FILES)
        report = None
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["file"]
            with audit_context(reason=_("KPI readings imported from %(f)s") % {"f": upload.name}):
                report = readings_import(
                    actor=request.user,
                    content=upload.read(),
                    filename=upload.name,
                    dry_run=form.cleaned_data["dry_run"],
                )
            if not report.errors:
                status = 200
                if report.applied:
                    messages.success(request, _("%(n)s readings recorded.") % {"n": report.created})
                else:
                    messages.info(
                        request, _("All %(n)s rows are valid; nothing was written (check only).") % {"n": report.rows}
                    )
            else:
                messages.error(request, _("The file has errors; nothing was written."))
        return self.render_to_response(self.get_context_data(form=form, report=report), status=status)

    def get_context_data(self, **kwargs):
        from .forms import ReadingImportForm

        context = super().get_context_data(**kwargs)
        context.setdefault("form", ReadingImportForm())
        context["title"] = _("Import KPI readings")
        return context


READING_EXPORT = (
    "id", "kpi__code", "site__code", "period_start", "period_end", "value", "denominator", "channel",
    "entered_by__username", "is_void", "void_reason", "updated_at",
)  # fmt: skip


class ReadingListView(ObjectListView):
    queryset = Reading.objects.select_related("kpi", "site", "entered_by")
    table_class = ReadingTable
    filterset_class = ReadingFilterSet
    export_fields = READING_EXPORT
    add_url_name = "kpis:reading_add"
    title = gettext_lazy("KPI readings")


class ReadingDetailView(ObjectDetailView):
    queryset = Reading.objects.select_related("kpi", "site", "entered_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        reading: Reading = kwargs["object"]
        context.update(
            {
                "list_url": reading.kpi.get_absolute_url(),
                "list_label": str(reading.kpi),
                "edit_url": reverse("kpis:reading_correct", args=[reading.pk]) if not reading.is_void else None,
                "deactivate_url": reverse("kpis:reading_void", args=[reading.pk]),
                "deactivate_label": _("Void reading"),
                "is_active": not reading.is_void,
            }
        )
        return context


class SignalListView(ObjectListView):
    queryset = KpiSignal.objects.select_related("kpi", "site", "reading")
    table_class = SignalTable
    filterset_class = SignalFilterSet
    export_fields = ("id", "kpi__code", "site__code", "reading__period_start", "rule", "capa_reference", "created_at")
    title = gettext_lazy("Out-of-control signals")


class SignalDetailView(ObjectDetailView):
    queryset = KpiSignal.objects.select_related("kpi", "site", "reading")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        signal: KpiSignal = kwargs["object"]
        context.update(
            {
                "list_url": signal.chart_url(),
                "list_label": str(signal.kpi),
                "deactivate_url": reverse("kpis:signal_dismiss", args=[signal.pk]),
                "deactivate_label": _("Dismiss signal"),
                "is_active": signal.is_active,
            }
        )
        return context


class SignalDismissView(ObjectDeactivateView):
    queryset = KpiSignal.objects.select_related("site")
    success_message = gettext_lazy("Signal “%(obj)s” dismissed; it is kept with the reason.")

    def deactivate(self, obj) -> None:
        signal_dismiss(actor=self.request.user, signal=obj, reason=self.request.POST.get(REASON_FIELD, ""))


class KpiPdfView(ScopedViewMixin, View):
    """The KPI's control charts as a PDF: the same SVG drawings as the page (WeasyPrint, no fetches)."""

    queryset = Kpi.objects.select_related("owner")
    http_method_names = ["get"]

    def get(self, request, pk: int):
        from django.template.loader import render_to_string
        from django.utils import timezone
        from weasyprint import HTML

        from ims.documents.pdf import LockedURLFetcher
        from ims.documents.views import pdf_response

        kpi = self.get_object("view")
        charts = selectors.kpi_charts(user=request.user, kpi=kpi)
        context = {
            "kpi": kpi,
            "generated": timezone.now(),
            "charts": [(site, chart, mark_safe(chart_svg(chart))) for site, chart in charts],  # noqa: S308
        }
        html = render_to_string("kpis/kpi_pdf.html", context)
        content = HTML(string=html, base_url=None, url_fetcher=LockedURLFetcher()).write_pdf()
        return pdf_response(content, f"kpi-{kpi.code.lower()}-{timezone.localdate()}.pdf")
