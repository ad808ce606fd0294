"""Never show a link the user cannot follow: the navigation, the dashboard and the action buttons ask the
target view itself.

A view states who may open it with a class method ``user_may_open(user, **url_kwargs) -> bool`` and its
``dispatch`` refuses (403) when that says no. ``may_open(user, url_name)``
resolves the URL to its view and asks the same method, so a link and the page it leads to can never
disagree. Answers are cached on the user object for the request.
"""

from __future__ import annotations

from django.urls import NoReverseMatch, resolve, reverse


def _view_class(func):
    return getattr(func, "view_class", None) or getattr(func, "cls", None)


def may_open(user, url_name: str, *args, **kwargs) -> bool:
    """May ``user`` open the page named ``url_name`` (with these URL arguments)?"""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    cache = user.__dict__.setdefault("_ims_may_open", {})
    key = (url_name, args, tuple(sorted(kwargs.items())))
    if key in cache:
        return cache[key]
    try:
        match = resolve(reverse(url_name, args=args or None, kwargs=kwargs or None))
    except NoReverseMatch:
        cache[key] = False
        return False
    view = _view_class(match.func)
    check = getattr(view, "user_may_open", None)
    cache[key] = True if check is None else bool(check(user, **match.kwargs))
    return cache[key]


def may_open_path(user, path: str) -> bool:
    """``may_open`` for a path (a record's ``get_absolute_url()``)."""
    from django.urls import Resolver404

    try:
        match = resolve(path)
    except Resolver404:
        return False
    if not match.url_name:
        return True
    name = f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name
    return may_open(user, name, *match.args, **match.kwargs)
