"""Step 3 — the IMS manual: a controlled document of type manual assembled from sections on the harmonized
clauses 4–10, with live blocks that insert the company's records, rendered to an immutable snapshot on
approval, with site annexes, and published as HTML, PDF and DOCX."""

from django.apps import AppConfig


class ManualConfig(AppConfig):
    name = "manual"
    verbose_name = "IMS manual"
