"""Digests become an outbox: what to send is written first, sending is marked after (existing rows: sent)."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="digest",
            name="status",
            field=models.CharField(
                choices=[("to_send", "To send"), ("sending", "Being sent"), ("sent", "Sent")],
                default="sent",
                max_length=8,
                verbose_name="status",
            ),
        ),
        migrations.AlterField(
            model_name="digest",
            name="status",
            field=models.CharField(
                choices=[("to_send", "To send"), ("sending", "Being sent"), ("sent", "Sent")],
                default="to_send",
                max_length=8,
                verbose_name="status",
            ),
        ),
        migrations.AddField(
            model_name="digest",
            name="recipient",
            field=models.EmailField(blank=True, default="", max_length=254, verbose_name="recipient"),
        ),
        migrations.AddField(
            model_name="digest",
            name="subject",
            field=models.CharField(blank=True, default="", max_length=255, verbose_name="subject"),
        ),
        migrations.AddField(
            model_name="digest", name="body", field=models.TextField(blank=True, default="", verbose_name="text")
        ),
        migrations.AddField(
            model_name="digest",
            name="message_id",
            field=models.CharField(blank=True, default="", max_length=255, verbose_name="Message-ID"),
        ),
        migrations.AddField(
            model_name="digest",
            name="created_at",
            field=models.DateTimeField(
                auto_now_add=True, default=django.utils.timezone.now, verbose_name="written"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="digest",
            name="claimed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="claimed"),
        ),
        migrations.AlterField(
            model_name="digest",
            name="sent_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="sent"),
        ),
        migrations.AddIndex(
            model_name="digest",
            index=models.Index(
                fields=["id"], name="notif_digest_unsent_idx", condition=~models.Q(status="sent")
            ),
        ),
    ]
