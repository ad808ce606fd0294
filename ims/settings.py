"""Settings for the IMS Portal, read from the environment (12-factor).

Without ``DATABASE_URL`` / ``REDIS_URL`` the embedded PostgreSQL and Redis of
``ims.runtime.embedded`` are used (unix sockets under ``.data/run``).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

from ims.runtime.embedded import APP_ROLE, DATA_DIR, OWNER_ROLE, default_database_url, default_redis_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    """``DJANGO_SECRET_KEY`` in production; a key kept in ``.data/`` for local runs."""
    if key := os.environ.get("DJANGO_SECRET_KEY"):
        return key
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "django_tables2",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    # kernel
    "ims.org",
    "ims.access",
    "ims.audit",
    "ims.esign",
    "ims.documents",
    "ims.notifications",
    "ims.actions",
    "ims.jobs",
    "ims.reports",
    "ims.web",
    # IMS steps
    "policies",
    "processes",
    "training",
    "audits",
    "capa",
    "manual.framework",
    "manual.risks",
    "manual",
    "implementation.kpis",
    "implementation.feedback",
    "implementation",
    "implementation.review",
    "evidence",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "ims.web.input.ControlCharacterMiddleware",
    "ims.access.middleware.SessionLifetimeMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "ims.access.middleware.SecondFactorRequiredMiddleware",
    "ims.access.middleware.InspectorReadLogMiddleware",
    "ims.access.middleware.InspectorGrantMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "ims.audit.middleware.AuditContextMiddleware",
    "ims.web.middleware.NoStoreForAuthenticatedMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ims.urls"
WSGI_APPLICATION = "ims.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ims.web.context_processors.navigation",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
# The application connects as DATABASE_URL's role, which owns no table; migrations (and the test
# run, which creates its own database) connect as DATABASE_OWNER_URL's role: IMS_DB_CONNECT_AS=owner.
DATABASE_URL = os.environ.get("DATABASE_URL") or default_database_url(APP_ROLE)
DATABASE_OWNER_URL = os.environ.get("DATABASE_OWNER_URL") or (
    DATABASE_URL if os.environ.get("DATABASE_URL") else default_database_url(OWNER_ROLE)
)
IMS_DB_CONNECT_AS = os.environ.get("IMS_DB_CONNECT_AS", "app")
_DB_CONN_MAX_AGE = int(os.environ.get("DB_CONN_MAX_AGE", "60"))
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_OWNER_URL if IMS_DB_CONNECT_AS == "owner" else DATABASE_URL, conn_max_age=_DB_CONN_MAX_AGE
    )
}
# The role the running application uses; the audit kernel grants it exactly what it may do.
IMS_APP_DB_ROLE = dj_database_url.parse(DATABASE_URL).get("USER") or APP_ROLE
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("OPTIONS", {})
DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", 5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: broker and cache ----------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL") or default_redis_url()
_CACHE_LOCATION = REDIS_URL.replace("redis+socket://", "unix://")
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": _CACHE_LOCATION,
        # Parallel test workers share one Redis: each keeps its own keys (counters, throttles).
        "KEY_PREFIX": "ims"
        + (f"-{os.environ['IMS_TEST_DB_NAME']}" if os.environ.get("IMS_TEST_DB_NAME") else "")
        + (f"-{os.environ['PYTEST_XDIST_WORKER']}" if os.environ.get("PYTEST_XDIST_WORKER") else ""),
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            # A Redis outage turns cache reads into misses (and throttles fail open), never into a 500.
            "IGNORE_EXCEPTIONS": True,
            "SOCKET_CONNECT_TIMEOUT": 2,
            "SOCKET_TIMEOUT": 2,
        },
    }
}
DJANGO_REDIS_IGNORE_EXCEPTIONS = True
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True

CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TRACK_STARTED = True
# A task lost with its worker (kill -9, a lost machine) is redelivered after the visibility timeout (280 s) plus
# at most one restore sweep (5 s): within 5 minutes.
# Ordinary tasks end well within it; the few long nightly jobs may outlive it and then meet their redelivered
# copy, which skips (``ims.locks.one_at_a_time``: one copy at a time, released when a worker dies).
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_TIME_LIMIT = 270
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # A task whose worker died is redelivered after this many seconds (its long tasks hold a lock, so a slow
    # first copy is never run twice at once). Workers look for such tasks every 5 s (kombu's default scans
    # only every tenth 10-s tick, which would add up to 100 s), and a sweeper that died frees its mutex in 60 s.
    "visibility_timeout": int(os.environ.get("IMS_CELERY_VISIBILITY_TIMEOUT", "280")),
    "unacked_restore_interval": 5,
    "unacked_restore_throttle": 1,
    "unacked_mutex_expire": 60,
    "socket_timeout": 5,
    "socket_connect_timeout": 5,
    "health_check_interval": 25,
}
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_WORKER_MAX_TASKS_PER_CHILD = 50
CELERY_TIMEZONE = "UTC"
# Evidence packs render on a queue of their own (its own worker, see ``make run`` and docker-compose), so a
# burst of packs never delays reminders and notifications.
CELERY_TASK_ROUTES = {"evidence.tasks.*": {"queue": "pdf"}}
CELERY_BEAT_SCHEDULE: dict = {
    "org-membership-sync": {"task": "ims.access.tasks.site_permissions_sync_due", "schedule": 3600.0},
    # Every 5 s: the unsealed window stays under 10 s; a run missed while workers were busy is dropped.
    "audit-seal": {"task": "ims.audit.tasks.audit_seal", "schedule": 5.0, "options": {"expires": 5}},
    "documents-make-effective": {"task": "ims.documents.tasks.versions_make_effective_due", "schedule": 3600.0},
    # Record the last complete period of every computed KPI (one reading per KPI, site and period); idempotent.
    "kpis-computed-readings": {"task": "implementation.kpis.tasks.computed_readings_record", "schedule": 3600.0},
    "documents-review-reminders": {
        "task": "ims.documents.tasks.review_reminders_send",
        "schedule": __import__("celery.schedules", fromlist=["crontab"]).crontab(hour=6, minute=0),
    },
    "notifications-daily-digest": {
        "task": "ims.notifications.tasks.daily_sweep",
        "schedule": __import__("celery.schedules", fromlist=["crontab"]).crontab(hour=6, minute=15),
    },
    "notifications-outbox": {"task": "ims.notifications.tasks.outbox_deliver", "schedule": 300.0},
    "training-assignment-reconcile": {
        "task": "training.tasks.assignments_reconcile",
        "schedule": __import__("celery.schedules", fromlist=["crontab"]).crontab(hour=0, minute=40),
    },
    "training-compliance-figures": {
        "task": "training.tasks.compliance_figures_refresh",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "training-compliance-snapshot": {
        "task": "training.tasks.compliance_snapshot_take",
        "schedule": __import__("celery.schedules", fromlist=["crontab"]).crontab(hour=1, minute=0),
    },
    "policies-acknowledgement-reconcile": {
        "task": "policies.tasks.acknowledgements_reconcile",
        "schedule": __import__("celery.schedules", fromlist=["crontab"]).crontab(hour=0, minute=20),
    },
    # Plan the internal audits of the programme slots coming due (the next quarter); idempotent.
    "audits-programme-schedule": {
        "task": "audits.tasks.programme_schedule",
        "schedule": __import__("celery.schedules", fromlist=["crontab"]).crontab(hour=0, minute=50),
    },
    # Evaluate the CAPA effectiveness checks due (passed or failed, a failure reopens the CAPA); idempotent.
    "capa-effectiveness-checks": {
        "task": "capa.tasks.effectiveness_checks_evaluate",
        "schedule": __import__("celery.schedules", fromlist=["crontab"]).crontab(hour=5, minute=30),
    },
    # Re-send jobs left queued by a broker outage or running on a worker that died.
    "jobs-sweep": {"task": "ims.jobs.tasks.jobs_sweep", "schedule": 60.0, "options": {"expires": 55}},
    "audit-integrity-nightly": {
        "task": "ims.audit.tasks.integrity_verify_nightly",
        "schedule": __import__("celery.schedules", fromlist=["crontab"]).crontab(hour=2, minute=30),
    },
}
# Evidence packs: the most parts (of about 250 table rows each) one pack may hold; a larger scope is refused with
# the reason (a shorter period, fewer sections or sites).
IMS_PACK_MAX_PARTS = int(os.environ.get("IMS_PACK_MAX_PARTS", "400"))
# An import changing the roles of more people than this has their training assignments and acknowledgement tasks
# brought up to date by a background task after it commits (fewer: inside the import's transaction).
IMS_IMPORT_INLINE_PEOPLE = int(os.environ.get("IMS_IMPORT_INLINE_PEOPLE", "200"))
# Acknowledgements: days overdue before the person's manager is told (in the manager's daily digest).
IMS_ACKNOWLEDGEMENT_ESCALATION_DAYS = int(os.environ.get("IMS_ACKNOWLEDGEMENT_ESCALATION_DAYS", "7"))
# Training reminders: days before the due date, days overdue before the manager and the site's quality
# managers are told, and what counts as "due soon" in the matrix.
IMS_TRAINING_REMINDER_DAYS = tuple(
    int(d) for d in os.environ.get("IMS_TRAINING_REMINDER_DAYS", "14,7,1").split(",") if d.strip()
)
IMS_TRAINING_ESCALATION_DAYS = int(os.environ.get("IMS_TRAINING_ESCALATION_DAYS", "7"))
# Internal audits: days before the planned date when the lead auditor and the auditees are reminded.
IMS_AUDIT_REMINDER_DAYS = tuple(
    int(d) for d in os.environ.get("IMS_AUDIT_REMINDER_DAYS", "14,2").split(",") if d.strip()
)
# CAPA actions: days before the due date when the owner is reminded; days after it when the owner's manager and
# the site's quality managers are told.
IMS_CAPA_REMINDER_DAYS = tuple(int(d) for d in os.environ.get("IMS_CAPA_REMINDER_DAYS", "7,1").split(",") if d.strip())
IMS_CAPA_ESCALATION_DAYS = int(os.environ.get("IMS_CAPA_ESCALATION_DAYS", "1"))
IMS_TRAINING_DUE_SOON_DAYS = int(os.environ.get("IMS_TRAINING_DUE_SOON_DAYS", "14"))
# Links in e-mails.
IMS_BASE_URL = os.environ.get("IMS_BASE_URL", "http://127.0.0.1:8000")
# A digest claimed by a sender that did not mark it sent within this time is taken over (the sender died).
IMS_DIGEST_CLAIM_SECONDS = int(os.environ.get("IMS_DIGEST_CLAIM_SECONDS", "600"))
# HMAC key of the audit seals; keep it outside the database (a DB superuser must not be able to re-seal).
IMS_AUDIT_SEAL_KEY = os.environ.get("IMS_AUDIT_SEAL_KEY", "")
# Every seal is also appended to this log outside the database (ims.audit.anchor); in production put it on a
# volume the database host cannot write (a separate disk, an append-only/WORM or object-lock mount). Empty
# switches anchoring off. IMS_AUDIT_ANCHOR_SYSLOG (a socket path such as /dev/log, or host:port) copies each
# line to syslog as well.
IMS_AUDIT_ANCHOR = os.environ.get("IMS_AUDIT_ANCHOR", str(DATA_DIR / "audit-anchor.log"))
IMS_AUDIT_ANCHOR_SYSLOG = os.environ.get("IMS_AUDIT_ANCHOR_SYSLOG", "")

# --- Authentication and sessions ---------------------------------------------------
AUTH_USER_MODEL = "org.Person"
AUTHENTICATION_BACKENDS = [
    "ims.access.lockout.LockoutBackend",  # first: refuses locked-out accounts before any password check
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:dashboard"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # How many guesses it takes (zxcvbn), with the company's, sites' and the person's own names as context.
    {"NAME": "ims.access.passwords.StrengthValidator"},
]
IMS_COMPANY_NAME = os.environ.get("IMS_COMPANY_NAME", "")
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 30 * 60
# The idle clock restarts when the session is written: ``SessionLifetimeMiddleware`` writes it at most once
# a minute while the person is active (``ims.access.sessions.user_session_touch``), not on every request.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# ASVS4-3.3.2 (L2): a session ends after 30 idle minutes (above) and at the latest 12 h after login.
IMS_SESSION_ABSOLUTE_SECONDS = int(os.environ.get("IMS_SESSION_ABSOLUTE_SECONDS", str(12 * 60 * 60)))
PASSWORD_RESET_TIMEOUT = 3600

# --- Lockout (django-axes, database handler: unaffected by a Redis outage) -----------
# Failures are counted per account and client address: five wrong passwords from one address lock that
# account from that address for a cool-off (15 minutes, doubling with each further lockout from there within
# a day, at most 24 h), so nobody can lock a colleague out from elsewhere by typing their user name.
# Signing has its own lock per account (ims.esign), and an administrator can unlock early, with a reason.
AXES_ENABLED = True
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
IMS_LOCKOUT_COOLOFF_MINUTES = int(os.environ.get("AXES_COOLOFF_MINUTES", "15"))
AXES_COOLOFF_TIME = "ims.access.lockout.cool_off"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "ims.access.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "ims.access.lockout.client_ip"
AXES_SENSITIVE_PARAMETERS = ["password"]
AXES_VERBOSE = True
# Behind a reverse proxy, the number of trusted proxies in front of the app (the client address is
# read that many hops from the right of X-Forwarded-For); 0 = the header is ignored.
IMS_TRUSTED_PROXY_COUNT = int(os.environ.get("IMS_TRUSTED_PROXY_COUNT", "1")) if env_bool("DJANGO_BEHIND_PROXY") else 0

# --- Second factor (django-otp: TOTP and one-time recovery codes) ---------------------
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "IMS Portal")
OTP_TOTP_THROTTLE_FACTOR = 1  # each wrong code doubles the wait before the next try
IMS_MFA_RECOVERY_CODES = 10
GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None  # no guardian anonymous user: anonymous visitors get nothing

# --- Security (production values switch on with DJANGO_SECURE=1) -------------------
SECURE = env_bool("DJANGO_SECURE", False)
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = SECURE
SECURE_HSTS_SECONDS = 31536000 if SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CSRF_COOKIE_HTTPONLY = True  # the token reaches htmx through the page (hx-headers), never through a script
CSRF_COOKIE_SAMESITE = "Lax"
if SECURE:
    # __Host-: the browser accepts the cookie only over HTTPS, for the whole host and no other domain.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# --- Content-Security-Policy (django-csp 4) ----------------------------------------------
# Scripts only from our own static files. Styles allow inline attributes (templates set widths with
# style="…"); styles cannot run code. Images may be data: URIs (the Swagger UI's icons).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if env_bool("DJANGO_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Internationalisation ----------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media files ---------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / ".data" / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed, compressed names (collectstatic, run by `make run` and `make test`): browsers cache them forever.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Development (`make dev`) serves edited files straight from the source folders.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / ".data" / "media"))
MEDIA_URL = "/media/"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000
# Controlled-document files (PDF, DOCX): the largest upload accepted, and how early owners hear of a periodic review.
IMS_DOCUMENT_MAX_UPLOAD_BYTES = int(os.environ.get("IMS_DOCUMENT_MAX_UPLOAD_BYTES", str(20 * 1024 * 1024)))
IMS_DOCUMENT_REVIEW_REMINDER_DAYS = int(os.environ.get("IMS_DOCUMENT_REVIEW_REMINDER_DAYS", "30"))

# --- Email ----------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "ims-portal@localhost")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10

# --- REST API -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "ims.access.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["ims.web.api_policy.ScopedPermission"],
    "DEFAULT_PAGINATION_CLASS": "ims.web.api_policy.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # The same parsers, refusing control characters in any field (ims/web/input.py).
    "DEFAULT_PARSER_CLASSES": [
        "ims.web.input.JSONParser",
        "ims.web.input.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_THROTTLE_ANON", "30/minute"),
        "user": os.environ.get("API_THROTTLE_USER", "2000/hour"),
    },
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "ims.web.api_policy.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "IMS Portal API",
    "DESCRIPTION": "Integrated Management System / eQMS portal. Every list is scoped to the caller's sites.",
    "VERSION": "1.0.0",
    # One discipline list for the portal (documents and objectives share it).
    "ENUM_NAME_OVERRIDES": {
        "DisciplineEnum": "ims.documents.choices.Discipline",
        # A document version's status: the document API and the manual's versions show the same set.
        "DocumentVersionStatusEnum": "ims.documents.choices.VersionStatus",
        "ActionStatusEnum": "ims.actions.models.ActionStatus",
        "GapAssessmentStatusEnum": "processes.models.gaps.AssessmentStatus",
        "ClauseResultStatusEnum": "processes.models.gaps.ResultStatus",
        "ApplicabilityStatementStatusEnum": "processes.models.gaps.StatementStatus",
        # Low / medium / high: a CAPA's risk band and an audited area's risk level share one set.
        "RiskLevelEnum": "capa.choices.RiskBand",
        "InspectorGrantStatusEnum": "ims.access.choices.GrantStatus",
        "InspectionRequestStatusEnum": "evidence.models.requests.RequestStatus",
    },
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "APPEND_COMPONENTS": {
        "securitySchemes": {
            "BearerAuth": {"type": "http", "scheme": "bearer", "description": "API token from your profile page"}
        }
    },
    "SECURITY": [{"BearerAuth": []}],
    # Every operation documents the errors the kernel answers with (ims/web/schema.py).
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "ims.web.schema.error_responses"],
}
API_TOKEN_DEFAULT_DAYS = int(os.environ.get("API_TOKEN_DEFAULT_DAYS", "90"))
API_TOKEN_MAX_DAYS = int(os.environ.get("API_TOKEN_MAX_DAYS", "365"))

# --- Tables ------------------------------------------------------------------------------
DJANGO_TABLES2_TEMPLATE = "web/table.html"
DJANGO_TABLES2_PAGE_RANGE = 7

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Operators read what matters: no per-document progress from WeasyPrint and fontTools, no banner of
    # the lockout library in every process.
    "loggers": {
        "django_redis": {"level": "ERROR"},
        "weasyprint": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# --- Product settings ---------------------------------------------------------------------------
IMS_ORG_IMPORT_MAX_BYTES = int(os.environ.get("IMS_ORG_IMPORT_MAX_BYTES", str(20 * 1024 * 1024)))
IMS_DEMO_PASSWORD = os.environ.get("IMS_DEMO_PASSWORD", "Demo-Passw0rd-2026!")

# Parallel test runs (two checkouts, or several pytest processes) each use their own test database.
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("IMS_TEST_DB_NAME", "test_ims")}
