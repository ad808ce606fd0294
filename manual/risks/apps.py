"""Step 3 — one register of risks and obligations for quality, environment and health & safety.

Clause 6.1 of ISO 9001, 14001 and 45001 and ICH Q9 handled by one register: quality risks, environmental
aspects and OH&S hazards share one structure (site, process, scoring, controls, owner, review), and the legal
and other requirements (14001/45001 6.1.3, GMP regulations) are kept with their compliance evaluations.
"""

from django.apps import AppConfig


class RisksConfig(AppConfig):
    name = "manual.risks"
    label = "risks"
    verbose_name = "Risks and obligations"
