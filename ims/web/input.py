"""Control characters in input: refused in one place, before any form, serializer, filter or import sees them.

A NUL byte cannot be stored in PostgreSQL text and used to answer 500 wherever a value reached a
lookup (``"function": "Q\\u0000A"``); the other C0 control characters have no business in a name, a
code or a title and make records unreadable or exports misleading. Tab, line feed and carriage
return stay allowed (multi-line text). Every request is checked:

- the query string of every request (filters, search, pagination);
- the form fields of every page POST (``ControlCharacterMiddleware``);
- the parsed body of every API request (``JSONParser``/``MultiPartParser``/``FormParser`` below,
  the project's ``DEFAULT_PARSER_CLASSES``), with the path of the offending field;
- every cell of an org import (``ims.org.importer`` calls :func:`control_character_error`).

The answer is 400 naming the field; nothing is changed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers

from ims.audit import context as audit_context

FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def control_character_error(value: str) -> str | None:
    """The message for a value holding a forbidden control character, or None."""
    match = FORBIDDEN.search(value)
    if match is None:
        return None
    return _("Contains a control character (U+%(code)04X) that is not allowed; remove it.") % {
        "code": ord(match.group())
    }


def first_control_character(data: Any, path: str = "") -> tuple[str, str] | None:
    """``(field path, message)`` of the first string in ``data`` (nested dicts and lists) with a forbidden
    control character, keys included; None when the data is clean."""
    if isinstance(data, str):
        message = control_character_error(data)
        return (path or "non_field_errors", message) if message else None
    if isinstance(data, Mapping):
        # A QueryDict's values are lists of the same field: they are named by the field, not an index.
        multi = hasattr(data, "lists")
        items: Iterable = data.lists() if multi else data.items()
        for key, value in items:
            name = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and control_character_error(key):
                return name, control_character_error(key)
            for each in value if multi else [value]:
                found = first_control_character(each, name)
                if found:
                    return found
        return None
    if isinstance(data, list | tuple):
        for index, value in enumerate(data):
            found = first_control_character(value, f"{path}[{index}]" if path else f"[{index}]")
            if found:
                return found
    return None


#: The body field that carries the reason for change of any write (pages and API).
REASON_FIELD = "change_reason"


def _refuse(data: Any) -> None:
    found = first_control_character(data)
    if found:
        raise exceptions.ValidationError({found[0]: [found[1]]})


def _take_reason(data: Any, parser_context: dict | None) -> Any:
    """The reason for change travels beside the record: every resource accepts the body field
    ``change_reason`` (creates included) and the trail records it (the header ``X-Change-Reason`` too)."""
    if not isinstance(data, Mapping) or REASON_FIELD not in data:
        return data
    reason = str(data.get(REASON_FIELD) or "").strip()
    request = (parser_context or {}).get("request")
    if request is not None:
        request.change_reason_in_body = reason
    if reason:
        audit_context.set_values(reason=reason[:2000])
    return data


def reject_unknown_fields(data: Any, fields: Iterable[str]) -> None:
    """400 for body fields the resource does not have (a typo or mass assignment must not pass silently);
    ``change_reason`` is every resource's."""
    if not hasattr(data, "keys"):
        return
    unknown = sorted(set(data) - set(fields) - {REASON_FIELD})
    if unknown:
        raise exceptions.ValidationError({name: ["Unknown field."] for name in unknown})


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        _refuse(data)
        return _take_reason(data, parser_context)


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        result = super().parse(stream, media_type, parser_context)
        _refuse(result.data)
        _take_reason(result.data, parser_context)
        return result


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        _refuse(data)
        return _take_reason(data, parser_context)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


class ControlCharacterMiddleware:
    """400 for a query string (every request) or a page's form fields holding a forbidden control character."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        found = first_control_character(request.GET)
        if found is None and request.method == "POST" and not _is_api(request):
            content_type = request.content_type or ""
            if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
                found = first_control_character(request.POST)
        if found is None:
            return self.get_response(request)
        field, message = found
        if _is_api(request):
            return JsonResponse({field: [message]}, status=400)
        return render(request, "errors/400.html", {"message": f"“{field}”: {message}"}, status=400)
