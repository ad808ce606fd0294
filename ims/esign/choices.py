from django.db import models
from django.utils.translation import gettext_lazy as _


class SignatureMeaning(models.TextChoices):
    """What the signer means by signing (Part 11 §11.50(a)(3))."""

    AUTHORED = "authored", _("Authored")
    REVIEWED = "reviewed", _("Reviewed")
    APPROVED = "approved", _("Approved")
    VERIFIED = "verified", _("Verified")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    TRAINED = "trained", _("Trained")


class SignatureChannel(models.TextChoices):
    WEB = "web", _("Web page")
    API = "api", _("API")


class SigningFailure(models.TextChoices):
    """Why a signing attempt that counts towards the lockout failed."""

    MISSING_PASSWORD = "missing_password", _("Password missing")
    WRONG_PASSWORD = "wrong_password", _("Wrong password")
    WRONG_USERNAME = "wrong_username", _("User ID of another person")
