"""``GET /api/v1/training/matrix/``: the training matrix of one site as JSON (same selectors as the page)."""

from __future__ import annotations

from django.core.paginator import Paginator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from ims.access.permissions import user_can_any_site
from ims.org.models import Function

from .. import matrix
from ..choices import CellState

MAX_PEOPLE = 200


class MatrixQuerySerializer(serializers.Serializer):
    site = serializers.CharField(help_text="Site id or code.")
    function = serializers.CharField(required=False, help_text="Function id or code.")
    course = serializers.IntegerField(required=False, help_text="One course (id).")
    state = serializers.ChoiceField(choices=CellState.choices, required=False)
    page = serializers.IntegerField(required=False, min_value=1, default=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PEOPLE, default=50)


class CellSerializer(serializers.Serializer):
    course = serializers.IntegerField()
    state = serializers.ChoiceField(choices=CellState.choices)
    due_date = serializers.DateField(allow_null=True)
    valid_until = serializers.DateField(allow_null=True)
    completed_on = serializers.DateField(allow_null=True)


class MatrixRowSerializer(serializers.Serializer):
    person = serializers.IntegerField()
    employee_id = serializers.CharField()
    name = serializers.CharField()
    cells = CellSerializer(many=True)


class MatrixSerializer(serializers.Serializer):
    site = serializers.CharField()
    courses = serializers.ListField(child=serializers.DictField())
    count = serializers.IntegerField(help_text="People in the selection (all pages).")
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    rows = MatrixRowSerializer(many=True)


def _by_id_or_code(queryset, value: str):
    value = value.strip()
    return queryset.filter(pk=int(value)).first() if value.isdigit() else queryset.filter(code__iexact=value).first()


class TrainingMatrixApi(APIView):
    @extend_schema(
        summary="Training matrix of a site",
        description="People × courses of one site (optionally one function, course or state), one state per cell: "
        "current, due_soon, overdue, in_progress, not_required. Paginated by people (at most 200 a page). "
        "403 without the permission to view training assignments at any site; 400 for a site not visible to you.",
        tags=["training"],
        parameters=[
            OpenApiParameter("site", OpenApiTypes.STR, required=True, description="Site id or code."),
            OpenApiParameter("function", OpenApiTypes.STR, description="Function id or code."),
            OpenApiParameter("course", OpenApiTypes.INT, description="One course."),
            OpenApiParameter("state", OpenApiTypes.STR, enum=CellState.values),
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter("page_size", OpenApiTypes.INT, description=f"1–{MAX_PEOPLE}, default 50."),
        ],
        responses={200: MatrixSerializer, 403: OpenApiResponse(description="You may not view training.")},
    )
    def get(self, request):
        user = request.user
        if not user_can_any_site(user, matrix.VIEW_PERMISSION):
            raise exceptions.PermissionDenied("You may not view the training matrix.")
        query = MatrixQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        site = _by_id_or_code(matrix.matrix_sites(user=user), params["site"])
        if site is None:
            raise exceptions.ValidationError({"site": [f"No site with id or code {params['site']} is visible to you."]})
        function = None
        if params.get("function"):
            function = _by_id_or_code(Function.objects.all(), params["function"])
            if function is None:
                raise exceptions.ValidationError({"function": [f"No function {params['function']}."]})
        courses = matrix.matrix_courses(user=user, site=site, course_id=params.get("course"))
        course_ids = [c.pk for c in courses]
        people = matrix.matrix_people(
            site=site,
            function_id=function.pk if function else None,
            course_ids=course_ids,
            state=params.get("state"),
        )
        page = Paginator(people, params["page_size"]).get_page(params["page"])
        persons = list(page.object_list)
        cells = matrix.matrix_cells(user=user, person_ids=[p.pk for p in persons], course_ids=course_ids)
        rows = [
            {
                "person": person.pk,
                "employee_id": person.employee_id,
                "name": person.get_full_name() or person.username,
                "cells": [
                    {
                        "course": course.pk,
                        "state": cell.state,
                        "due_date": cell.due_date,
                        "valid_until": cell.valid_until,
                        "completed_on": cell.completed_on,
                    }
                    for course, cell in zip(courses, row, strict=True)
                ],
            }
            for person, row in matrix.matrix_rows(people=persons, courses=courses, cells=cells)
        ]
        body = {
            "site": site.code,
            "courses": [{"id": c.pk, "code": c.code, "title": c.title} for c in courses],
            "count": page.paginator.count,
            "page": page.number,
            "pages": page.paginator.num_pages,
            "rows": rows,
        }
        return Response(MatrixSerializer(body).data)
