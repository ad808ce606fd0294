"""Settings of the signing ceremony and the certification statement (versioned, text in code)."""

from __future__ import annotations

import hashlib

from django.conf import settings

#: Failed signing attempts in a row that lock a person's signing until a Global Admin unlocks it.
DEFAULT_FAILURE_LIMIT = 3

#: Session key holding the ISO time of the last successful signing in this session.
SESSION_LAST_SIGNED_KEY = "esign.last_signed_at"
#: Session keys that mark a "login as" / impersonation session; such a session can never sign.
IMPERSONATION_SESSION_KEYS = ("impersonator", "_impersonate", "hijack_history")

#: The per-site permission for the certification register (Quality Managers, Compliance Officers, Inspectors).
REGISTER_PERMISSION = "esign.view_certification_register"
#: Global Admin permission for unlocking a locked signer.
UNLOCK_PERMISSION = "esign.add_signingunlock"

#: The Part 11 §11.100(c) statement, by version. A new version is appended, never edited: everyone certifies again.
CERTIFICATION_STATEMENTS: dict[int, str] = {
    1: (
        "I certify that my electronic signature in IMS Portal is the legally binding equivalent of my "
        "handwritten signature. I will not share my user ID or password with anyone, I will not let anyone "
        "sign in my name, and I will report at once any suspected misuse of my electronic signature. "
        "I understand that every signature I make shows my printed name, the date and time of signing and "
        "its meaning, and that it is permanently linked to the record I sign."
    ),
}
CURRENT_STATEMENT_VERSION = max(CERTIFICATION_STATEMENTS)


def statement_text(version: int = CURRENT_STATEMENT_VERSION) -> str:
    return CERTIFICATION_STATEMENTS[version]


def statement_sha256(version: int = CURRENT_STATEMENT_VERSION) -> str:
    return hashlib.sha256(statement_text(version).encode("utf-8")).hexdigest()


def failure_limit() -> int:
    return int(getattr(settings, "IMS_SIGNING_FAILURE_LIMIT", DEFAULT_FAILURE_LIMIT))


def idle_limit_seconds() -> int:
    """After this long without signing, the next signing asks for the user ID again (continuous session)."""
    return int(getattr(settings, "IMS_SIGNING_IDLE_SECONDS", settings.SESSION_COOKIE_AGE))
