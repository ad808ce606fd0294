"""Password strength (ASVS5-6.2.x): an estimate of how many guesses a password takes, not composition rules.

``StrengthValidator`` asks zxcvbn and refuses a password it scores below 4 (about 10^10 guesses), giving
zxcvbn's reason. The words an attacker tries first are given as context: the company's name
(``IMS_COMPANY_NAME``), the sites' codes, names and cities, the person's own names, user name and e-mail,
and the current year — so "Basel2026!!!" is refused at a company with a site in Basel.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from zxcvbn import zxcvbn

#: zxcvbn is slow on very long inputs; the first 100 characters decide (longer passwords are long enough).
MAX_CHECKED = 100


def _words(*texts: str) -> set[str]:
    return {word for text in texts if text for word in re.split(r"[\W_]+", text.lower()) if len(word) >= 3}


def context_words(user=None) -> list[str]:
    from ims.org.models import Site

    words = _words(getattr(settings, "IMS_COMPANY_NAME", ""), "ims portal quality", str(timezone.now().year))
    for code, name, zone in Site._base_manager.values_list("code", "name", "timezone")[:500]:
        words |= _words(code, name, zone.rsplit("/", 1)[-1])
    if user is not None:
        email = getattr(user, "email", "") or ""
        if getattr(user, "username", ""):
            words.add(user.username.lower())
        words |= _words(
            getattr(user, "username", "") or "",
            getattr(user, "first_name", "") or "",
            getattr(user, "last_name", "") or "",
            email.split("@", 1)[0],
            email.split("@", 1)[-1].split(".", 1)[0],
        )
    return sorted(words)


class StrengthValidator:
    def __init__(self, min_score: int = 4) -> None:
        self.min_score = min_score

    def validate(self, password: str, user=None) -> None:
        result = zxcvbn(password[:MAX_CHECKED], user_inputs=context_words(user))
        if result["score"] >= self.min_score:
            return
        feedback = result.get("feedback") or {}
        reasons = [feedback.get("warning") or ""] + list(feedback.get("suggestions") or [])
        reason = " ".join(r for r in reasons if r) or _(
            "It is built from words and numbers an attacker tries first (the company, a site, your name, a year)."
        )
        raise ValidationError(
            _("This password is too easy to guess. %(reason)s Use a longer passphrase of unrelated words.")
            % {"reason": reason},
            code="password_too_guessable",
        )

    def get_help_text(self) -> str:
        return _(
            "Your password must be hard to guess: not built from the company's or a site's name, your own name, "
            "or a year. A passphrase of four unrelated words works well."
        )
