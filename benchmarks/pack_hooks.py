"""Loaded into the benchmark's pdf workers (``-I benchmarks.pack_hooks``) and the benchmark: an evidence section
of table pages whose size is set by ``IMS_BENCH_PACK_ROWS`` (rows) and ``IMS_BENCH_PACK_PART_ROWS``."""

from __future__ import annotations

import os

from ims.reports.registry import EvidenceSection, SectionPart, register_section
from ims.reports.render import page_slice, paged_keys, table_html

SECTION = "zz-bench"
COLUMNS = ["Record", "Person", "Course", "Version", "Completed", "Result", "Signature"]


def rows_total() -> int:
    return int(os.environ.get("IMS_BENCH_PACK_ROWS", "9000"))


def part_rows() -> int:
    return int(os.environ.get("IMS_BENCH_PACK_PART_ROWS", "250"))


def rows(start: int, stop: int) -> list[tuple]:
    return [
        (f"TR-{i:06d}", f"Person {i % 997:03d} Example", f"Course {i % 41:02d}: GMP basics and data integrity",
         f"v{i % 7 + 1}", f"2026-{i % 12 + 1:02d}-{i % 28 + 1:02d} 09:{i % 60:02d} Europe/Zurich", "passed",
         f"Person {i % 997:03d} Example — trained")
        for i in range(start, stop)
    ]  # fmt: skip


def body(key: str) -> str:
    part = page_slice(key, per_part=part_rows())
    stop = min(part.stop, rows_total())
    return table_html(title=f"Training records {part.start + 1}–{stop}", columns=COLUMNS, rows=rows(part.start, stop))


def _parts(scope):
    return paged_keys(rows_total(), per_part=part_rows())


def _render(scope, key):
    part = page_slice(key, per_part=part_rows())
    return SectionPart(title=f"Records {part.start + 1}–{min(part.stop, rows_total())}", html=body(key))


register_section(
    EvidenceSection(
        code=SECTION, title="Benchmark records", order=997, models=("org.site",), parts=_parts, render=_render
    )
)
