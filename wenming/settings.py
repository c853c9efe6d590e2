"""The one settings module: every value comes from an environment variable.

docs/operations.md lists each variable. With nothing set beyond DEBUG=true the platform
runs embedded: SQLite under var/, tasks in-process, media on the local disk.
"""

from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from wenming.env import env_bool, env_int, env_list, env_secret_key, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("WENMING_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_secret_key("SECRET_KEY", VAR_DIR / "secret_key", required=not DEBUG)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_NAME = env_str("SITE_NAME", "文明城市大脑")

INSTALLED_APPS = [
    "django.contrib.admin",
    # Before django.contrib.auth, so its audited createsuperuser replaces Django's.
    "wenming.accounts",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "wenming.core",
    "wenming.regions",
    "wenming.framework",
    "wenming.portal",
    "wenming.dashboard",
    "wenming.demo",
    "wenming.api",
]

MIDDLEWARE = [
    "wenming.core.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "wenming.core.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "wenming.urls"
WSGI_APPLICATION = "wenming.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "wenming" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wenming.core.context_processors.platform",
                "wenming.accounts.preferences.display_preferences",
            ],
        },
    }
]

# Database: SQLite under var/ unless DATABASE_URL names another (PostgreSQL in production).
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'wenming.sqlite3'}"),
        # Persistent connections in production, each checked before reuse, so a server
        # restart costs one reconnect instead of errors on every stale connection.
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0 if DEBUG else 60),
        conn_health_checks=env_bool("DATABASE_CONN_HEALTH_CHECKS", True),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while one writer commits; the timeout rides out short locks.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }

# Passwords and sessions: what 等保 2.0 level 3 expects.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "wenming.accounts.validators.StrongPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["wenming.accounts.backends.UsernameOrMobileBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "portal:home"
# One account locks after this many failures; one address (an office behind NAT shares
# one) only after many more, and the two are counted apart.
LOGIN_LOCKOUT_THRESHOLD = env_int("LOGIN_LOCKOUT_THRESHOLD", 5)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15)
LOGIN_ADDRESS_LOCKOUT_THRESHOLD = env_int("LOGIN_ADDRESS_LOCKOUT_THRESHOLD", 100)
LOGIN_ADDRESS_LOCKOUT_MINUTES = env_int("LOGIN_ADDRESS_LOCKOUT_MINUTES", 15)
# Ledger entries whose deadline is at most this many days away count as due soon.
DUE_SOON_DAYS = env_int("DUE_SOON_DAYS", 7)
if not 0 <= DUE_SOON_DAYS <= 365:
    raise ImproperlyConfigured("DUE_SOON_DAYS must be between 0 and 365")
# API tokens expire this many days after they are made or renewed; a person keeps at most
# this many (the least recently used end first).
API_TOKEN_LIFETIME_DAYS = env_int("API_TOKEN_LIFETIME_DAYS", 30)
API_TOKEN_MAX_PER_PERSON = env_int("API_TOKEN_MAX_PER_PERSON", 20)
# An idle session ends after this many seconds: each request pushes the expiry forward.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_TIMEOUT", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Behind nginx every request comes from 127.0.0.1; trust the proxy's X-Forwarded-For then.
TRUST_X_FORWARDED_FOR = env_bool("TRUST_X_FORWARDED_FOR", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    # /healthz and /readyz are probed over plain HTTP by load balancers inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

# Language, time and numbers: Chinese first.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "wenming" / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# Static assets are built by npm into wenming/static and committed; no CDN anywhere.
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "wenming" / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
MEDIA_URL = env_str("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_STORAGE = env_str("MEDIA_STORAGE", "filesystem")
if MEDIA_STORAGE == "s3":
    MEDIA_BACKEND = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("S3_BUCKET"),
            "endpoint_url": env_str("S3_ENDPOINT_URL") or None,
            "region_name": env_str("S3_REGION") or None,
            "access_key": env_str("S3_ACCESS_KEY"),
            "secret_key": env_str("S3_SECRET_KEY"),
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    MEDIA_BACKEND = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": MEDIA_BACKEND,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Stored files are readable by the service's user and group only, never by other accounts
# on the server.
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 20 * 1024 * 1024)
# Ledger packages up to this much evidence stream in the request; bigger ones are built in
# the background and kept for their requester this many hours (decisions/0012).
LEDGER_ZIP_STREAM_MAX_BYTES = env_int("LEDGER_ZIP_STREAM_MAX_BYTES", 50 * 1024 * 1024)
LEDGER_PACKAGE_RETENTION_HOURS = env_int("LEDGER_PACKAGE_RETENTION_HOURS", 72)
# An Office file may unpack to at most this many bytes, and to at most this many times
# its compressed size (wenming/core/uploads.py; docs/decisions/0007).
EVIDENCE_ARCHIVE_MAX_BYTES = env_int("EVIDENCE_ARCHIVE_MAX_BYTES", 200 * 1024 * 1024)
EVIDENCE_ARCHIVE_MAX_RATIO = env_int("EVIDENCE_ARCHIVE_MAX_RATIO", 100)
# Photos are stored without EXIF (GPS); on, the untouched original is kept beside the
# stored copy for the office, and no page or API serves it.
EVIDENCE_KEEP_ORIGINAL_PHOTOS = env_bool("EVIDENCE_KEEP_ORIGINAL_PHOTOS", False)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 20
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 20 * 1024 * 1024)

# Map tiles come from a server the city configures (天地图, an intranet tile server, OSM).
MAP_TILE_URL = env_str("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = env_str("MAP_TILE_ATTRIBUTION", "© OpenStreetMap")

# Content-Security-Policy: scripts only from this site; images also from the tile server.
_tile_parts = urlsplit(MAP_TILE_URL.replace("{s}", "*"))
# A relative tile URL (an intranet path on this site) is already covered by 'self'.
_tile_origin = f"{_tile_parts.scheme}://{_tile_parts.netloc}" if _tile_parts.netloc else ""
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        # Tabler and Leaflet set inline style attributes; styles cannot run code.
        "style-src 'self' 'unsafe-inline'",
        f"img-src 'self' data: blob: {_tile_origin}".strip(),
        "font-src 'self' data:",
        "connect-src 'self'",
        # ReDoc (the offline API docs) runs its search in a worker built from a blob.
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

# API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an anonymous call answers 401 with a WWW-Authenticate header.
        "wenming.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["wenming.api.permissions.IsStaffMember"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "wenming.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "wenming.api.exceptions.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "文明城市大脑 API",
    "DESCRIPTION": "Scoped REST API of the civilized-city platform.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The enum hook is the default; ours declares the error responses DRF gives.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "wenming.api.schema.declare_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "RegionLevelEnum": "wenming.regions.models.Region.Level",
        "IndicatorLevelEnum": "wenming.framework.models.Indicator.Level",
        "FrameworkStatusEnum": "wenming.framework.models.Framework.Status",
        "LedgerEntryStatusEnum": "wenming.framework.models.LedgerEntry.Status",
    },
}

# Audit log: checkpoints of the hash chain are appended to a file outside the database,
# signed with AUDIT_ANCHOR_KEY (by default a key derived from SECRET_KEY); empty: none.
AUDIT_ANCHOR_PATH = env_str("AUDIT_ANCHOR_PATH", str(VAR_DIR / "audit-anchor.jsonl"))
AUDIT_ANCHOR_KEY = env_str("AUDIT_ANCHOR_KEY")

# Background work: in-process unless a broker is configured.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", CELERY_BROKER_URL)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
# A message is acknowledged only after its task has finished, and given back to the queue
# when the pool process running it dies, so a crash never loses a task: it runs again.
# Every task is therefore idempotent (docs/operations.md, "Background tasks").
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis hands an unacknowledged message to another worker once the visibility timeout has
# passed. A task still running then would run twice at once, so the hard time limit stops
# every task before its message can be handed out again.
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 15 * 60)
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 20 * 60)
if not 0 < CELERY_TASK_TIME_LIMIT < CELERY_VISIBILITY_TIMEOUT:
    raise ImproperlyConfigured(
        "CELERY_TASK_TIME_LIMIT must be positive and below CELERY_VISIBILITY_TIMEOUT, not "
        f"{CELERY_TASK_TIME_LIMIT} and {CELERY_VISIBILITY_TIMEOUT}"
    )
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    # Look for abandoned messages every few seconds instead of kombu's default of about
    # 100 s, so a dead worker's task starts again soon after its visibility timeout.
    "unacked_restore_interval": min(10, CELERY_VISIBILITY_TIMEOUT),
    "unacked_restore_throttle": 1,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    "verify-audit-chain": {
        "task": "wenming.core.tasks.verify_audit_chain",
        "schedule": env_int("AUDIT_VERIFY_INTERVAL_SECONDS", 24 * 3600),
    },
    "housekeeping": {
        "task": "wenming.core.tasks.housekeeping",
        "schedule": 24 * 3600,
    },
    # Hourly, so a new month's entries exist soon after midnight in any time zone.
    "recurring-ledger-entries": {
        "task": "wenming.framework.tasks.create_due_entries",
        "schedule": 3600,
    },
    "expired-ledger-packages": {
        "task": "wenming.framework.tasks.remove_expired_ledger_packages",
        "schedule": 3600,
    },
}

# Cache: per process unless Redis is named; lockout counts live in the database, not here.
CACHE_URL = env_str("CACHE_URL")
if CACHE_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Roles whose holders see mobile and ID numbers whole; every other role sees them masked.
# Empty keeps the permission table's default (wenming/regions/permissions.py).
PERSONAL_DATA_ROLES = env_list("PERSONAL_DATA_ROLES", [])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
