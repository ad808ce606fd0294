"""API serializers for the organisation.

They parse and render only: every write goes through ``ims.org.services`` (called by the
viewsets), so the API, the pages and the import enforce the same rules. Fields are listed
explicitly, unknown fields are rejected, and a password is never read or written here.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ims.web.input import reject_unknown_fields

from ..models import Function, Membership, Person, Role, Site


class UpperCaseCharField(serializers.CharField):
    """Codes are stored in capitals; clients may send them in any case (as the services accept)."""

    def to_internal_value(self, data):
        return super().to_internal_value(data).upper()


class StrictSerializer(serializers.ModelSerializer):
    """Rejects fields the resource does not have (a typo or mass assignment must not pass silently)."""

    def to_internal_value(self, data):
        reject_unknown_fields(data, self.fields)
        return super().to_internal_value(data)

    def build_standard_field(self, field_name, model_field):
        field_class, field_kwargs = super().build_standard_field(field_name, model_field)
        if field_name in getattr(self.Meta, "upper_case_fields", ()):
            field_class = UpperCaseCharField
        return field_class, field_kwargs


class StrictInputSerializer(serializers.Serializer):
    """A request body (not a model) that rejects fields it does not name."""

    def to_internal_value(self, data):
        reject_unknown_fields(data, self.fields)
        return super().to_internal_value(data)


class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A related record by id, or by its code when the model has one; only records the caller may view.

    A record of another site answers like a record that does not exist, so the API never
    reveals what is outside the caller's sites.
    """

    default_error_messages = {
        "does_not_exist": "No {model} with id or code {value} is visible to you.",
        "incorrect_type": "Give the id (a number) or the code (a string), not {data_type}.",
    }

    def __init__(self, *, lookup_code: bool = True, **kwargs):
        self.lookup_code = lookup_code
        super().__init__(**kwargs)

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        if request is not None and hasattr(queryset, "restrict"):
            queryset = queryset.restrict(request.user, "view")
        return queryset

    def to_internal_value(self, data):
        queryset = self.get_queryset()
        model_name = queryset.model._meta.verbose_name
        if isinstance(data, bool) or not isinstance(data, (int, str)):
            self.fail("incorrect_type", data_type=type(data).__name__)
        text = str(data).strip()
        try:
            if isinstance(data, int) or text.isdigit():
                return queryset.get(pk=int(text))
            if self.lookup_code and text:
                return queryset.get(code__iexact=text)
        except queryset.model.DoesNotExist:
            pass
        self.fail("does_not_exist", model=model_name, value=text or "''")


class ScopedRelatedFieldSchema(OpenApiSerializerFieldExtension):
    """Requests accept an id or a code; responses always give the id."""

    target_class = ScopedRelatedField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        if direction == "request" and self.target.lookup_code:
            return {"oneOf": [build_basic_type(OpenApiTypes.INT), build_basic_type(OpenApiTypes.STR)]}
        return build_basic_type(OpenApiTypes.INT)


# --- Reference data ----------------------------------------------------------------------------------


class SiteSerializer(StrictSerializer):
    class Meta:
        model = Site
        fields = ["id", "code", "name", "country", "timezone", "is_active", "created_at", "updated_at"]
        read_only_fields = ["id", "is_active", "created_at", "updated_at"]
        upper_case_fields = ["code", "country"]


class FunctionSerializer(StrictSerializer):
    class Meta:
        model = Function
        fields = ["id", "code", "name", "description", "is_active"]
        read_only_fields = ["id", "is_active"]
        upper_case_fields = ["code"]


class RoleSerializer(serializers.ModelSerializer):
    permissions = serializers.SerializerMethodField(
        help_text="The role's permissions as 'app_label.codename', e.g. 'org.change_person'."
    )

    class Meta:
        model = Role
        fields = ["id", "code", "name", "description", "is_global", "is_read_only", "permissions"]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_permissions(self, role: Role) -> list[str]:
        return sorted(f"{p.content_type.app_label}.{p.codename}" for p in role.permissions.all())


# --- People ------------------------------------------------------------------------------------------


class MembershipSummarySerializer(serializers.ModelSerializer):
    """A current membership as shown inside a person: codes rather than ids, for reading at a glance."""

    site = serializers.CharField(source="site.code", read_only=True)
    function = serializers.CharField(source="function.code", read_only=True)
    role = serializers.CharField(source="role.code", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "site", "function", "role", "valid_from", "valid_to"]
        read_only_fields = fields


class PersonSerializer(StrictSerializer):
    manager = ScopedRelatedField(
        queryset=Person.objects.all(),
        lookup_code=False,
        allow_null=True,
        required=False,
        help_text="The id of the person's manager.",
    )
    memberships = serializers.SerializerMethodField(
        help_text="The person's current memberships at the sites you may view."
    )
    sites = serializers.SerializerMethodField(help_text="Codes of the sites (among yours) where the person works now.")

    class Meta:
        model = Person
        fields = [
            "id",
            "username",
            "employee_id",
            "first_name",
            "last_name",
            "email",
            "job_title",
            "manager",
            "is_active",
            "sites",
            "memberships",
            "updated_at",
        ]
        read_only_fields = ["id", "is_active", "updated_at"]

    @staticmethod
    def _visible_memberships(person: Person) -> list[Membership]:
        # Filled by the viewset's prefetch (current memberships the caller may view).
        return getattr(person, "visible_memberships", [])

    @extend_schema_field(MembershipSummarySerializer(many=True))
    def get_memberships(self, person: Person) -> list[dict]:
        return MembershipSummarySerializer(self._visible_memberships(person), many=True).data

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_sites(self, person: Person) -> list[str]:
        return sorted({m.site.code for m in self._visible_memberships(person)})


class PersonCreateSerializer(PersonSerializer):
    """A new person comes with their first membership: where they work, in which function, in which role."""

    site = ScopedRelatedField(queryset=Site.objects.all(), write_only=True, help_text="Site id or code.")
    function = ScopedRelatedField(queryset=Function.objects.all(), write_only=True, help_text="Function id or code.")
    role = ScopedRelatedField(queryset=Role.objects.all(), write_only=True, help_text="Role id or code.")

    class Meta(PersonSerializer.Meta):
        fields = [*PersonSerializer.Meta.fields, "site", "function", "role"]


class MembershipSerializer(StrictSerializer):
    person = ScopedRelatedField(queryset=Person.objects.all(), lookup_code=False, help_text="Person id.")
    site = ScopedRelatedField(queryset=Site.objects.all(), help_text="Site id or code.")
    function = ScopedRelatedField(queryset=Function.objects.all(), help_text="Function id or code.")
    role = ScopedRelatedField(queryset=Role.objects.all(), help_text="Role id or code.")
    site_code = serializers.CharField(source="site.code", read_only=True)
    function_code = serializers.CharField(source="function.code", read_only=True)
    role_code = serializers.CharField(source="role.code", read_only=True)
    is_current = serializers.BooleanField(read_only=True, help_text="Held today.")

    class Meta:
        model = Membership
        fields = [
            "id",
            "person",
            "site",
            "function",
            "role",
            "site_code",
            "function_code",
            "role_code",
            "valid_from",
            "valid_to",
            "is_current",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {"valid_from": {"required": False}}


class PersonBriefSerializer(serializers.ModelSerializer):
    """A person as other records show them: id, user ID, employee id, name."""

    display_name = serializers.CharField(read_only=True)

    class Meta:
        model = Person
        fields = ["id", "username", "employee_id", "display_name"]
        read_only_fields = fields
