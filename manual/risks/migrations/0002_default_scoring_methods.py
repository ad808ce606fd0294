"""The default scoring method of each discipline (the company changes them on the scoring page)."""

from django.db import migrations

DEFAULTS = (
    # discipline, kind, severity, likelihood, detectability, medium from, high from
    ("quality", "rpn", 5, 5, 5, 20, 50),
    ("environment", "matrix", 5, 5, 5, 6, 12),
    ("ohs", "matrix", 5, 5, 5, 8, 15),
)


def create_defaults(apps, schema_editor):
    ScoringMethod = apps.get_model("risks", "ScoringMethod")
    for discipline, kind, severity, likelihood, detectability, medium, high in DEFAULTS:
        ScoringMethod.objects.get_or_create(
            discipline=discipline,
            defaults={
                "kind": kind,
                "severity_max": severity,
                "likelihood_max": likelihood,
                "detectability_max": detectability,
                "medium_from": medium,
                "high_from": high,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("risks", "0001_register")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
