"""The inspection room (``/evidence/room/``) and the request board (``/evidence/room/requests/`` for the inspector,
``/evidence/requests/`` for the quality team).

The room is the external inspector's home: the grants in force, the granted sections, the packs released to the
inspection and a search over the granted evidence. The board is where the inspector asks (the one page they may
post to: ``inspector_writable``) and the quality manager prepares and provides.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views import View

from ims.access.grant_panels import grant_panel
from ims.access.inspection import inspector_scope
from ims.access.models import InspectorGrant
from ims.access.permissions import user_can, user_can_any_site
from ims.access.views_grants import in_viewer_zone
from ims.esign.selectors import viewer_timezone
from ims.web.views import ObjectDetailView, ObjectListView, apply_validation_error

from . import services_requests
from .filtersets_room import InspectionRequestFilterSet
from .forms_room import RequestAskForm, RequestProvideForm
from .models import InspectionRequest, RequestStatus
from .selectors_room import room_grants, room_packs, room_search, room_sections, url_or_none
from .tables_room import InspectionRequestTable, request_status_badge


class InspectorPageMixin:
    """Pages of the external inspector; everyone else finds nothing here."""

    @classmethod
    def user_may_open(cls, user, **url_kwargs) -> bool:
        return bool(getattr(user, "external_inspector", False))

    def dispatch(self, request, *args, **kwargs):
        self.scope = inspector_scope(request.user)
        if self.scope is None or not self.scope.active:
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class RoomView(InspectorPageMixin, View):
    template_name = "evidence/room/room.html"

    def get(self, request):
        query = (request.GET.get("q") or "").strip()
        context = {
            "title": _("Inspection room"),
            "grants": room_grants(self.scope),
            "sections": room_sections(self.scope),
            "packs": room_packs(request.user, self.scope),
            "query": query,
            "results": room_search(request.user, self.scope, query),
            "tz": viewer_timezone(request.user),
        }
        return TemplateResponse(request, self.template_name, context)


def _board_requests(user, grant_ids):
    return (
        InspectionRequest.objects.restrict(user, "view")
        .filter(grant_id__in=grant_ids)
        .select_related("grant")
        .prefetch_related("packs")
        .order_by("-requested_at", "-pk")
    )


def _with_pack_links(requests) -> list[InspectionRequest]:
    rows = list(requests)
    for row in rows:
        row.pack_links = [{"pack": p, "url": url_or_none("evidence:pack_detail", p.pk)} for p in row.packs.all()]
    return rows


class RoomRequestsView(InspectorPageMixin, View):
    """The inspector's board: their requests and the answers; POST asks for records."""

    template_name = "evidence/room/requests.html"
    inspector_writable = True

    def grants(self):
        return InspectorGrant._base_manager.filter(pk__in=[g.pk for g in self.scope.grants]).order_by("pk")

    def render(self, form, status=200):
        context = {
            "title": _("Request board"),
            "form": form,
            "requests": _with_pack_links(_board_requests(self.request.user, [g.pk for g in self.scope.grants])),
            "tz": viewer_timezone(self.request.user),
        }
        return TemplateResponse(self.request, self.template_name, context, status=status)

    def get(self, request):
        return self.render(RequestAskForm(grants=self.grants()))

    def post(self, request):
        form = RequestAskForm(request.POST, grants=self.grants())
        if form.is_valid():
            data = form.cleaned_data
            try:
                asked = services_requests.request_create(
                    actor=request.user, grant=data["grant"], subject=data["subject"], detail=data["detail"]
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, _("Request R%(n)s sent to the quality team.") % {"n": asked.number})
                return redirect("evidence:room_requests")
        return self.render(form, status=400)


# --- the quality team's board ------------------------------------------------------------------------------------


class QualityTeamBoardMixin:
    """The board as the quality team moves it: who may change requests at some site. An external inspector reads
    their board in the room."""

    @classmethod
    def user_may_open(cls, user, **url_kwargs) -> bool:
        return not getattr(user, "external_inspector", False) and user_can_any_site(
            user, "evidence.change_inspectionrequest"
        )

    def dispatch(self, request, *args, **kwargs):
        if getattr(request.user, "external_inspector", False):
            raise Http404
        if not self.user_may_open(request.user):
            raise PermissionDenied(_("The request board is the quality team's."))
        return in_viewer_zone(request, lambda: super(QualityTeamBoardMixin, self).dispatch(request, *args, **kwargs))


class RequestListView(QualityTeamBoardMixin, ObjectListView):
    queryset = InspectionRequest.objects.select_related("grant")
    table_class = InspectionRequestTable
    filterset_class = InspectionRequestFilterSet
    title = _("Inspection requests")


class RequestDetailView(ObjectDetailView):
    """A request and its answer; the quality team prepares and provides it here (the inspector may read it)."""

    queryset = InspectionRequest.objects.select_related(
        "grant", "requested_by", "preparing_by", "provided_by"
    ).prefetch_related("packs")
    template_name = "evidence/room/request_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        item: InspectionRequest = kwargs["object"]
        user = self.request.user
        may_move = not getattr(user, "external_inspector", False) and context["can_change"]
        context.update(
            {
                "item": item,
                "status_badge": request_status_badge(item),
                "pack_links": _with_pack_links([item])[0].pack_links,
                "can_prepare": may_move and item.status == RequestStatus.REQUESTED,
                "can_provide": may_move and item.status == RequestStatus.IN_PREPARATION,
                "provide_form": kwargs.get("provide_form") or RequestProvideForm(inspection_request=item),
                "tz": viewer_timezone(user),
                "list_url": None if getattr(user, "external_inspector", False)
                else f"{reverse('evidence:request_list')}?grant={item.grant_id}",
                "list_label": _("Inspection requests"),
            }
        )  # fmt: skip
        return context


def _movable(request, pk: int) -> InspectionRequest:
    if getattr(request.user, "external_inspector", False):
        raise Http404
    item = get_object_or_404(InspectionRequest.objects.restrict(request.user, "view"), pk=pk)
    if not user_can(request.user, "change", item):
        raise PermissionDenied(_("Only the quality team of the inspected sites moves requests on the board."))
    return item


class RequestPrepareView(View):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        item = _movable(request, pk)
        try:
            services_requests.request_prepare(actor=request.user, request=item)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("R%(n)s is in preparation.") % {"n": item.number})
        return redirect(item)


class RequestProvideView(View):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        item = _movable(request, pk)
        form = RequestProvideForm(request.POST, inspection_request=item)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services_requests.request_provide(
                    actor=request.user, request=item, answer=data["answer"], links=data["links"], packs=data["packs"]
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, _("R%(n)s provided; the inspector has been told.") % {"n": item.number})
                return redirect(item)
        view = RequestDetailView()
        view.setup(request, pk=pk)
        view.object = view.get_object("view")
        context = view.get_context_data(object=view.object, provide_form=form)
        return TemplateResponse(request, view.template_name, context, status=400)


@grant_panel(order=10)
def request_board_panel(grant, user) -> dict | None:
    """The grant page's summary of its request board: counts by status and the newest requests."""
    visible = InspectionRequest.objects.restrict(user, "view").filter(grant=grant)
    counts = dict(visible.order_by().values_list("status").annotate(n=Count("pk")))
    return {
        "template": "evidence/room/_grant_requests.html",
        "counts": [(label, counts.get(value, 0)) for value, label in RequestStatus.choices],
        "newest": list(visible.order_by("-requested_at", "-pk")[:5]),
        "board_url": f"{reverse('evidence:request_list')}?grant={grant.pk}",
    }


urlpatterns = [
    path("room/", RoomView.as_view(), name="room"),
    path("room/requests/", RoomRequestsView.as_view(), name="room_requests"),
    path("requests/", RequestListView.as_view(), name="request_list"),
    path("requests/<int:pk>/", RequestDetailView.as_view(), name="request_detail"),
    path("requests/<int:pk>/prepare/", RequestPrepareView.as_view(), name="request_prepare"),
    path("requests/<int:pk>/provide/", RequestProvideView.as_view(), name="request_provide"),
]
