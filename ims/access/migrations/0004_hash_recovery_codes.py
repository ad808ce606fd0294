"""Recovery codes stored in clear by earlier versions are replaced by their hashes (the codes keep working)."""

from django.db import migrations


def hash_stored(apps, schema_editor):
    from ims.access.mfa import HASHED_PREFIX, recovery_code_hash

    StaticToken = apps.get_model("otp_static", "StaticToken")
    for token in StaticToken.objects.exclude(token__startswith=HASHED_PREFIX).iterator():
        StaticToken.objects.filter(pk=token.pk).update(token=recovery_code_hash(token.token))


class Migration(migrations.Migration):
    dependencies = [("access", "0003_user_session"), ("otp_static", "0001_initial")]

    operations = [migrations.RunPython(hash_stored, migrations.RunPython.noop)]
