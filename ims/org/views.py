"""Organisation pages: thin subclasses of the generic views; every write calls ``ims.org.services``."""

from __future__ import annotations

from itertools import groupby

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ims.access.permissions import user_can_any_site, user_can_at_site
from ims.web.views import ObjectDeactivateView, ObjectDetailView, ObjectEditView, ObjectListView

from . import services
from .filtersets import FunctionFilterSet, MembershipFilterSet, PersonFilterSet, RoleFilterSet, SiteFilterSet
from .forms import FunctionForm, MembershipForm, PersonForm, SiteForm
from .models import Function, Membership, Person, Role, Site
from .tables import FunctionTable, MembershipTable, PersonTable, RoleTable, SiteTable, membership_status


def current_q(prefix: str = "") -> Q:
    today = timezone.localdate()
    return Q(**{f"{prefix}valid_from__lte": today}) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": today})
    )


class OrgPageMixin:
    """URL names of a model's pages (``org:<name>_<page>``) for buttons and Cancel links."""

    url_base: str = ""
    deactivate_page: str = "deactivate"

    def page_urls(self, obj=None) -> dict:
        urls = {
            "list_url": reverse(f"org:{self.url_base}_list"),
            "list_label": str(self.model._meta.verbose_name_plural).capitalize(),
        }
        if obj is not None and obj.pk:
            for key, page in (("edit_url", "edit"), ("deactivate_url", self.deactivate_page)):
                try:
                    urls[key] = reverse(f"org:{self.url_base}_{page}", args=[obj.pk])
                except NoReverseMatch:
                    urls[key] = None
        return urls


class OrgDetailView(OrgPageMixin, ObjectDetailView):
    template_name = "web/object_detail.html"
    detail_fields: tuple[str, ...] = ()
    deactivate_label = gettext_lazy("Deactivate")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        obj = kwargs["object"]
        context.update(self.page_urls(obj))
        context.update(
            {
                "detail_fields": self.detail_fields,
                "deactivate_label": self.deactivate_label,
                "is_active": getattr(obj, "is_active", True),
                "has_status": hasattr(obj, "is_active"),
                "icon": self.icon,
            }
        )
        return context


class OrgEditView(OrgPageMixin, ObjectEditView):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.page_urls())
        context["cancel_url"] = self.object.get_absolute_url() if self.object else context["list_url"]
        return context


# --- Sites ------------------------------------------------------------------------------------------


class SiteListView(ObjectListView):
    queryset = Site.objects.annotate(
        people=Count("memberships__person", filter=current_q("memberships__"), distinct=True)
    )
    table_class = SiteTable
    filterset_class = SiteFilterSet
    export_fields = ("code", "name", "country", "timezone", "is_active")
    add_url_name = "org:site_add"


class SiteDetailView(OrgDetailView):
    queryset = Site.objects.all()
    template_name = "org/site_detail.html"
    url_base = "site"
    icon = "geo-alt"
    detail_fields = ("code", "name", "country", "timezone", "created_at", "updated_at")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        site = kwargs["object"]
        current = Membership.objects.restrict(self.request.user, "view").current().filter(site=site)
        context["people_count"] = current.values("person").distinct().count()
        context["by_function"] = (
            current.values("function__name", "function_id")
            .annotate(people=Count("person", distinct=True))
            .order_by("-people", "function__name")
        )
        context["by_role"] = (
            current.values("role__name", "role_id")
            .annotate(people=Count("person", distinct=True))
            .order_by("-people", "role__name")
        )
        return context


class SiteEditView(OrgEditView):
    queryset = Site.objects.all()
    form_class = SiteForm
    url_base = "site"

    def save(self, form) -> Site:
        data = form.cleaned_data
        if self.object is None:
            return services.site_create(
                code=data["code"], name=data["name"], country=data["country"], timezone=data["timezone"]
            )
        return services.site_update(site=self.object, data={k: data[k] for k in ("name", "country", "timezone")})


class SiteDeactivateView(ObjectDeactivateView):
    queryset = Site.objects.all()

    def deactivate(self, obj) -> None:
        services.site_deactivate(site=obj)


# --- Functions --------------------------------------------------------------------------------------


class FunctionListView(ObjectListView):
    queryset = Function.objects.all()
    table_class = FunctionTable
    filterset_class = FunctionFilterSet
    export_fields = ("code", "name", "description", "is_active")
    add_url_name = "org:function_add"


class FunctionDetailView(OrgDetailView):
    queryset = Function.objects.all()
    url_base = "function"
    icon = "diagram-2"
    detail_fields = ("code", "name", "description")


class FunctionEditView(OrgEditView):
    queryset = Function.objects.all()
    form_class = FunctionForm
    url_base = "function"

    def save(self, form) -> Function:
        data = form.cleaned_data
        if self.object is None:
            return services.function_create(code=data["code"], name=data["name"], description=data["description"])
        return services.function_update(
            function=self.object, data={"name": data["name"], "description": data["description"]}
        )


class FunctionDeactivateView(ObjectDeactivateView):
    queryset = Function.objects.all()

    def deactivate(self, obj) -> None:
        services.function_deactivate(function=obj)


# --- Roles (defined in code: read-only pages) ---------------------------------------------------------


class RoleListView(ObjectListView):
    queryset = Role.objects.annotate(permission_count=Count("permissions"))
    table_class = RoleTable
    filterset_class = RoleFilterSet
    export_fields = ("code", "name", "is_global", "is_read_only")


class RoleDetailView(OrgDetailView):
    queryset = Role.objects.all()
    template_name = "org/role_detail.html"
    url_base = "role"
    icon = "person-badge"
    detail_fields = ("name", "description", "is_global", "is_read_only")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_change"] = context["can_delete"] = False  # roles are defined in code
        context["permission_groups"] = role_permission_groups(kwargs["object"])
        return context


ACTION_ORDER = {"view": 0, "add": 1, "change": 2, "delete": 3}


def role_permission_groups(role: Role) -> list[dict]:
    """The role's permissions grouped by model: [{"app", "model", "actions": [(action, name)]}]."""
    permissions = role.permissions.select_related("content_type").order_by(
        "content_type__app_label", "content_type__model", "codename"
    )
    groups = []
    for (app_label, model_name), perms in groupby(
        permissions, key=lambda p: (p.content_type.app_label, p.content_type.model)
    ):
        perms = list(perms)
        model = perms[0].content_type.model_class()
        actions = [{"action": p.codename.removesuffix(f"_{model_name}"), "name": p.name} for p in perms]
        label = str(model._meta.verbose_name_plural).capitalize() if model else model_name
        actions.sort(key=lambda a: (ACTION_ORDER.get(a["action"], 9), a["action"]))
        groups.append({"app": app_label, "model": label, "actions": actions})
    return groups


# --- People -------------------------------------------------------------------------------------------


class PersonListView(ObjectListView):
    queryset = Person.objects.all()
    table_class = PersonTable
    filterset_class = PersonFilterSet
    export_fields = ("employee_id", "username", "first_name", "last_name", "email", "job_title", "is_active")
    add_url_name = "org:person_add"
    extra_actions = ((gettext_lazy("Import"), "org:import", "upload"),)

    def get_queryset(self, action=None):
        visible_current = Membership.objects.restrict(self.request.user, "view").current().select_related("site")
        return (
            super()
            .get_queryset(action)
            .prefetch_related(Prefetch("memberships", queryset=visible_current, to_attr="visible_memberships"))
        )


class PersonDetailView(OrgDetailView):
    queryset = Person.objects.select_related("manager")
    template_name = "org/person_detail.html"
    url_base = "person"
    icon = "person"
    detail_fields = (
        "first_name",
        "last_name",
        "job_title",
        "username",
        "employee_id",
        "email",
        "last_login",
        "date_joined",
    )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        person = kwargs["object"]
        user = self.request.user
        memberships = (
            Membership.objects.restrict(user, "view")
            .filter(person=person)
            .select_related("site", "function", "role")
            .order_by("-valid_to", "-valid_from")
        )
        rows = [{"membership": m, "status": membership_status(m)} for m in memberships]
        rows.sort(key=lambda r: (r["status"] != "current", r["status"] != "future"))
        visible_people = Person.objects.restrict(user, "view")
        context.update(
            {
                "memberships": rows,
                "current_count": sum(1 for r in rows if r["status"] == "current"),
                "manager": person.manager,
                "manager_visible": bool(person.manager_id) and visible_people.filter(pk=person.manager_id).exists(),
                "reports": visible_people.filter(manager=person).order_by("last_name", "first_name"),
                "can_add_membership": user_can_any_site(user, "org.add_membership"),
                "is_self": person.pk == user.pk,
            }
        )
        if person.pk == user.pk:
            context["can_delete"] = False  # nobody deactivates themself
        return context


class PersonEditView(OrgEditView):
    queryset = Person.objects.all()
    form_class = PersonForm
    url_base = "person"

    def save(self, form) -> Person:
        if self.object is not None:
            return services.person_update(person=self.object, data=form.person_data)
        user = self.request.user
        membership = form.membership_data
        site = membership["site"]
        if not user_can_at_site(user, "org.add_person", site):
            raise ValidationError({"site": _("You may not add people at %(site)s.") % {"site": site.code}})
        with transaction.atomic():
            person = services.person_create(**form.person_data, password=form.cleaned_data.get("password") or None)
            services.membership_create(person=person, **membership, actor=self.request.user)
        return person


class PersonDeactivateView(ObjectDeactivateView):
    queryset = Person.objects.all()

    def deactivate(self, obj) -> None:
        if obj.pk == self.request.user.pk:
            raise ValidationError(_("You cannot deactivate yourself; ask another administrator."))
        services.person_deactivate(person=obj)


# --- Memberships --------------------------------------------------------------------------------------


class MembershipListView(ObjectListView):
    queryset = Membership.objects.select_related("person", "site", "function", "role")
    table_class = MembershipTable
    filterset_class = MembershipFilterSet
    export_fields = (
        "person__employee_id",
        "person__username",
        "site__code",
        "function__code",
        "role__code",
        "valid_from",
        "valid_to",
    )
    add_url_name = "org:membership_add"


class MembershipDetailView(OrgDetailView):
    queryset = Membership.objects.select_related("person", "site", "function", "role")
    template_name = "org/membership_detail.html"
    url_base = "membership"
    icon = "person-lines-fill"
    detail_fields = ("person", "site", "function", "role", "valid_from", "valid_to", "created_at", "updated_at")
    deactivate_label = gettext_lazy("End membership")
    deactivate_page = "end"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        membership = kwargs["object"]
        context["status"] = membership_status(membership)
        context["is_active"] = context["status"] != "ended"
        return context


class MembershipEditView(OrgEditView):
    queryset = Membership.objects.select_related("person", "site", "function", "role")
    form_class = MembershipForm
    url_base = "membership"

    def get_form_kwargs(self) -> dict:
        kwargs = super().get_form_kwargs()
        if self.object is None and "person" in self.request.GET:
            kwargs["initial"] = {"person": self.request.GET["person"]}
        return kwargs

    def save(self, form) -> Membership:
        user = self.request.user
        data = form.membership_data
        action = "add" if self.object is None else "change"
        if not user_can_at_site(user, f"org.{action}_membership", data["site"]):
            message = _("You may not manage memberships at %(site)s.") % {"site": data["site"].code}
            raise ValidationError({"site": message})
        if self.object is None:
            return services.membership_create(**data, actor=self.request.user)
        data.pop("person", None)
        return services.membership_update(membership=self.object, data=data, actor=self.request.user)


class MembershipEndView(ObjectDeactivateView):
    queryset = Membership.objects.select_related("person", "site", "function", "role")

    success_message = _("Membership “%(obj)s” ended today.")

    def deactivate(self, obj) -> None:
        services.membership_end(membership=obj)
