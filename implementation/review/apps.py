"""Step 5 — management review (ISO 9001 / 14001 / 45001 clause 9.3): the meeting record with its inputs assembled
from the apps, decisions and actions, signed minutes and the management review pack."""

from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "implementation.review"
    label = "review"
    verbose_name = "Management review"
