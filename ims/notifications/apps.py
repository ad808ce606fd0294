"""Notices and the daily digest: one e-mail per person per day, whatever the number of items."""

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "ims.notifications"
    label = "notifications"
    verbose_name = "Notifications"
