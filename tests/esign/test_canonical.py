"""Canonical serialisation: deterministic, and any change to the signed content changes the record hash."""

from __future__ import annotations

import datetime
import decimal
import zoneinfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ims.esign.canonical import canonical_document, content_hash

pytestmark = pytest.mark.req("P11-70", "A11-14")

names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12)
aware = st.datetimes(
    min_value=datetime.datetime(1990, 1, 1),
    max_value=datetime.datetime(2100, 1, 1),
    timezones=st.sampled_from(
        [datetime.UTC, zoneinfo.ZoneInfo("Europe/Zurich"), zoneinfo.ZoneInfo("America/New_York")]
    ),
)
values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.text(max_size=40),
    st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-(10**9), max_value=10**9),
    st.dates(),
    aware,
)
contents = st.dictionaries(names, values, min_size=1, max_size=8)


@given(content=contents, pk=st.integers(min_value=1, max_value=10**9))
def test_same_content_gives_the_same_hash_whatever_the_order(content, pk):
    reordered = dict(reversed(list(content.items())))
    assert content_hash("app.model", pk, content) == content_hash("app.model", pk, reordered)


@given(content=contents, pk=st.integers(min_value=1, max_value=10**9), data=st.data())
def test_any_change_gives_another_hash(content, pk, data):
    name = data.draw(st.sampled_from(sorted(content)))
    new_value = data.draw(values.filter(lambda v: _canonical_differs(v, content[name])))
    changed = {**content, name: new_value}
    assert content_hash("app.model", pk, changed) != content_hash("app.model", pk, content)


def _canonical_differs(a, b) -> bool:
    return canonical_document("m.m", 1, {"x": a}) != canonical_document("m.m", 1, {"x": b})


@given(content=contents, pk=st.integers(min_value=1, max_value=10**9))
def test_identity_is_part_of_the_hash(content, pk):
    base = content_hash("app.model", pk, content)
    assert content_hash("app.model", pk + 1, content) != base
    assert content_hash("app.other", pk, content) != base


def test_format_is_the_documented_one():
    instant = datetime.datetime(2026, 3, 1, 10, 30, tzinfo=zoneinfo.ZoneInfo("Europe/Zurich"))
    document = canonical_document("Docs.Version", 7, {"b": decimal.Decimal("1.50"), "a": instant, "c": "Zürich"})
    assert (
        document
        == (
            '{"fields":{"a":"2026-03-01T09:30:00.000000Z","b":"1.50","c":"Zürich"},"model":"docs.version","pk":"7"}'
        ).encode()
    )


def test_an_instant_hashes_the_same_in_any_time_zone():
    utc = datetime.datetime(2026, 3, 1, 9, 30, tzinfo=datetime.UTC)
    assert content_hash("a.b", 1, {"t": utc}) == content_hash(
        "a.b", 1, {"t": utc.astimezone(zoneinfo.ZoneInfo("Asia/Tokyo"))}
    )


def test_naive_date_times_are_refused():
    with pytest.raises(ValueError):
        canonical_document("a.b", 1, {"t": datetime.datetime(2026, 1, 1)})
