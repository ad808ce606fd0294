"""Demo records of step 2 for ``manage.py seed_demo``, in dependency order (each part is idempotent).

- ``demo_library``: which demo documents address which clauses.
- ``demo_register``: the demo company's processes, their SIPOC and interactions.
- ``demo_maps``: a BPMN map (a controlled document) for each of them, made effective.
- ``demo_gaps``: a completed 9001 + 14001 + 45001 assessment at Basel, one in progress at Cork, a statement of
  applicability per site.
"""

from __future__ import annotations

from . import demo_gaps, demo_library, demo_maps, demo_register


def processes_demo_seed() -> str:
    parts = [
        demo_register.seed(),
        demo_maps.seed(),
        demo_library.seed(),
        demo_gaps.seed(),
    ]
    return "; ".join(part for part in parts if part)
