"""The OpenAPI schema documents every answer the API gives, errors included (a schema-driven client relies on it).

``error_responses`` (a drf-spectacular post-processing hook) adds to every operation the error statuses the
kernel answers with — 400 bad input, 401 no or bad token, 403 not allowed, 404 outside the caller's sites, 405
method not allowed, 409 invalid state transition (or changed since the If-Match version), 428 If-Match missing on an
update, 414 address too long (the web server's limit), 423 signing
locked, 429 throttled — with one ``Error``
schema (DRF's ``{"detail": …}`` or ``{"field": ["message", …]}``). Where an operation documents its own error
body (a signing refusal, an import report), the generic body is accepted beside it (``anyOf``), because
validation errors reach every operation through the same handler.
"""

from __future__ import annotations

ERROR_SCHEMA = {
    "type": "object",
    "description": 'An error: {"detail": "…", "code": "…"} or the invalid fields, {"field": ["message", …]}.',
    "additionalProperties": True,
}
ERRORS = {
    "400": "Bad input: the fields named say what is wrong; nothing was changed.",
    "401": "No valid credentials (token or session).",
    "403": "Not allowed for this user or token.",
    "404": "Not found, or outside the caller's sites.",
    "405": "Method not allowed (regulated records are never deleted).",
    "409": "Not possible in the record's current state.",
    "414": "The address is too long (too many or too long query parameters).",
    "423": "Signing is locked after repeated failed attempts.",
    "429": "Too many requests; try again later.",
}
_METHODS = ("get", "post", "put", "patch", "delete")
_REF = {"$ref": "#/components/schemas/Error"}


def error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if method not in _METHODS:
                continue
            responses = operation.setdefault("responses", {})
            errors = dict(ERRORS)
            if any(p.get("name") == "If-Match" and p.get("required") for p in operation.get("parameters", [])):
                errors["428"] = "If-Match is missing: send the record's ETag (or *)."
                errors["409"] = "Changed since the version in If-Match, or not possible in the record's state."
            for code, description in errors.items():
                documented = responses.get(code)
                if documented is None:
                    # The web server (gunicorn) answers an over-long request line itself, as an HTML page.
                    content = (
                        {"text/html": {"schema": {"type": "string"}}}
                        if code == "414"
                        else {"application/json": {"schema": _REF}}
                    )
                    responses[code] = {"description": description, "content": content}
                    continue
                for media in documented.get("content", {}).values():
                    schema = media.get("schema")
                    if schema is not None and schema != _REF:
                        media["schema"] = {"anyOf": [schema, _REF]}
    return result
