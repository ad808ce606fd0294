"""Step 3 — the IMS framework: integrated procedures (clauses, roles, records) and the monitoring plan.

A procedure is a controlled document that declares the clauses it fulfils in each standard, the roles that
run it and the records it produces; the procedure × clause matrix shows where the framework has gaps or
redundancy. The monitoring and measurement plan says, per process, what is measured, how, how often, by whom
and where the result goes.
"""

from django.apps import AppConfig


class FrameworkConfig(AppConfig):
    name = "manual.framework"
    label = "framework"
    verbose_name = "IMS framework"
