"""Settings, driven by environment variables with safe defaults.

Nothing set: SQLite in ./var, DEBUG on, a development secret key. Production sets at least
DATABASE_URL (PostgreSQL), WANGGE_SECRET_KEY, WANGGE_DEBUG=0 and WANGGE_ALLOWED_HOSTS.
"""

from __future__ import annotations

import hashlib
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("WANGGE_DATA_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


DEBUG = env_bool("WANGGE_DEBUG", True)
SECRET_KEY = os.environ.get("WANGGE_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("WANGGE_SECRET_KEY must be set when WANGGE_DEBUG is off")
    SECRET_KEY = "dev-only-not-secret-wangge"
# The key of the case-event and audit-log hash chains (wangge/core/hashchain.py): it must not be
# stored in the database it protects. Production: at least 32 random characters, kept like the
# secret key (`python -c "import secrets; print(secrets.token_urlsafe(48))"`), never changed
# without re-keying. Development: derived from the secret key.
WANGGE_CHAIN_KEY = os.environ.get("WANGGE_CHAIN_KEY", "").strip()
if not WANGGE_CHAIN_KEY:
    if not DEBUG:
        raise RuntimeError("WANGGE_CHAIN_KEY must be set when WANGGE_DEBUG is off")
    WANGGE_CHAIN_KEY = hashlib.sha256(f"wangge:chain:{SECRET_KEY}".encode()).hexdigest()
elif len(WANGGE_CHAIN_KEY) < 32:
    raise RuntimeError("WANGGE_CHAIN_KEY must be at least 32 characters")
# Each anchor of the chain heads is also appended here, one signed JSON line (make the file
# append-only, e.g. `chattr +a`, or ship the `wangge.chain` log to a remote syslog).
WANGGE_CHAIN_ANCHOR_LOG = os.environ.get("WANGGE_CHAIN_ANCHOR_LOG", "")
# How often the worker anchors the chain heads: a truncation of events newer than the last
# anchor is not detectable, so this is the window an attacker has.
WANGGE_CHAIN_ANCHOR_SECONDS = env_int("WANGGE_CHAIN_ANCHOR_SECONDS", 600)
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("WANGGE_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("WANGGE_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles: `runserver` leaves /static/ to WhiteNoise (compressed copies) too.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "wangge.core.thirdparty.AxesConfig",  # django-axes, its admin section named in Chinese
    "django_tasks",
    "wangge.core.thirdparty.TasksDatabaseConfig",  # django-tasks-db, likewise
    "wangge.core",
    "wangge.accounts",
    "wangge.grids",
    "wangge.workcal",
    "wangge.notify",
    "wangge.attachments",
    "wangge.cases",
    "wangge.people",
    "wangge.open311",
    "wangge.hotline",
    "wangge.chat",
    "wangge.stats",
    "wangge.suggest",
    "wangge.council",
    "wangge.notices",
    "wangge.funds",
    "wangge.community",
    "wangge.points",
    "wangge.exports",
    "wangge.web",
    "wangge.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "wangge.core.middleware.SecurityHeaders",
    "wangge.core.middleware.BodyLimits",
    "wangge.core.middleware.RefuseNulBytes",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "wangge.core.replica.ReplicaMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "wangge.core.middleware.AnonymousRateLimits",
    "wangge.accounts.middleware.PasswordExpiryMiddleware",
    "wangge.web.middleware.PageMessages",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns lockouts raised by authentication into responses.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "wangge.urls"
WSGI_APPLICATION = "wangge.wsgi.application"
ASGI_APPLICATION = "wangge.asgi.application"

TEMPLATES: list[dict[str, Any]] = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "wangge" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite is the embedded default so a newcomer runs everything with no server; PostgreSQL is the
# production store: DATABASE_URL=postgres://user@host:5432/wangge
DATA_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        # An empty DATABASE_URL means "not set", as in `DATABASE_URL= make test-sqlite`.
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'wangge.sqlite3'}",
        conn_max_age=env_int("WANGGE_DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let the web process and the task worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
# A streaming replica (a PostgreSQL hot standby of the primary) serves the read-only pages and
# APIs listed below, with read-your-writes for whoever just wrote: wangge/core/replica.py.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=env_int("WANGGE_DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
    # Tests create no database on a standby: the replica tests point it at the standby's copy
    # of the test database themselves.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
# PostgreSQL: the statements every request runs (the API token's read, the duplicate search, a
# new case's INSERTs: wangge/core/compiled.py) are prepared once they have run this many times on
# a connection; every other query binds its values in the client and is planned for them.
# Behind a pooler in transaction mode, PgBouncer 1.21+ with max_prepared_statements keeps them
# working; "off" for a pooler that cannot (0: prepared on the first run, as psycopg counts).
_prepare = (os.environ.get("WANGGE_DB_PREPARE_THRESHOLD") or "5").strip().lower()
if _prepare not in ("off", "none") and not _prepare.isdigit():
    raise RuntimeError("WANGGE_DB_PREPARE_THRESHOLD must be a number of runs (5) or off")
for _db in DATABASES.values():
    if _db["ENGINE"] == "django.db.backends.postgresql":
        # Django's, with a health check that asks the server nothing (wangge/core/pgbackend).
        _db["ENGINE"] = "wangge.core.pgbackend"
        _db.setdefault("OPTIONS", {})["prepare_threshold"] = (
            None if _prepare in ("off", "none") else int(_prepare)
        )
DATABASE_ROUTERS = ["wangge.core.replica.ReplicaRouter"]
WANGGE_REPLICA_READ_PATHS = tuple(
    p
    for p in os.environ.get(
        "WANGGE_REPLICA_READ_PATHS", "/cockpit/,/api/v1/stats/,/open311/v2/,/track/"
    ).split(",")
    if p
)
# How long after a write a browser's replica reads wait for the replica to have replayed it.
WANGGE_REPLICA_STICKY_SECONDS = env_int("WANGGE_REPLICA_STICKY_SECONDS", 300)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"

# --- Authentication and 等保 security profile -----------------------------------------------
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses locked-out usernames before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("WANGGE_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("WANGGE_LOGIN_LOCKOUT_MINUTES", 30))
# Lock the account, not the address: a whole office or a county intranet behind one NAT address
# must not lock itself out because one person mistyped. Public intake has its own rate limits.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

# Two password profiles: "standard" (ASVS: length >= 12, no composition rules, common passwords
# refused) and "dengbao" (等保 level 3 practice: length >= 8, three character classes, changed
# every 90 days).
PASSWORD_PROFILE = os.environ.get("WANGGE_PASSWORD_PROFILE", "standard")
PASSWORD_MAX_AGE_DAYS = env_int("WANGGE_PASSWORD_MAX_AGE_DAYS", 90)
_common = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
if PASSWORD_PROFILE == "dengbao":
    AUTH_PASSWORD_VALIDATORS = [
        *_common,
        {
            "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
            "OPTIONS": {"min_length": 8},
        },
        {
            "NAME": "wangge.accounts.passwords.CharacterClassValidator",
            "OPTIONS": {"min_classes": 3},
        },
    ]
elif PASSWORD_PROFILE == "standard":
    AUTH_PASSWORD_VALIDATORS = [
        *_common,
        {
            "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
            "OPTIONS": {"min_length": 12},
        },
    ]
else:
    raise RuntimeError("WANGGE_PASSWORD_PROFILE must be 'standard' or 'dengbao'")

# Idle timeout: the session expires after this many idle seconds (each request renews it).
SESSION_COOKIE_AGE = env_int("WANGGE_IDLE_TIMEOUT_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("WANGGE_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# API tokens: invalid after this long unused, and this long after the password login at most.
API_TOKEN_IDLE_MINUTES = env_int("WANGGE_TOKEN_IDLE_MINUTES", 12 * 60)
API_TOKEN_MAX_AGE_HOURS = env_int("WANGGE_TOKEN_MAX_AGE_HOURS", 7 * 24)
# Each process keeps the tokens it read; a revocation, a password change, a deactivated user or
# a changed role made in another process takes effect within this many seconds (at once in the
# process that made it; wangge/accounts/tokencache.py). 0: read every token on every request.
API_TOKEN_CHECK_SECONDS = float(os.environ.get("WANGGE_TOKEN_CHECK_SECONDS", "2"))
# --- Transport security (production: WANGGE_DEBUG=0) -----------------------------------------
# Behind a TLS-terminating proxy set WANGGE_BEHIND_TLS_PROXY=1 (the proxy must set
# X-Forwarded-Proto and strip it from clients); WANGGE_SSL_REDIRECT=0 and WANGGE_HSTS_SECONDS=0
# turn the two off where the proxy already does them.
if env_bool("WANGGE_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("WANGGE_SSL_REDIRECT", not DEBUG)
# The load balancer's health probe speaks plain HTTP to the application port.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("WANGGE_HSTS_SECONDS", 0 if DEBUG else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("WANGGE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("WANGGE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "wangge" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("WANGGE_STATIC_ROOT", DATA_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "wangge" / "static"]
MEDIA_ROOT = Path(os.environ.get("WANGGE_MEDIA_ROOT", DATA_DIR / "media"))
MEDIA_URL = "media/"
# collectstatic writes a gzip copy beside every text file (ECharts: 1.1 MB → 360 kB) and WhiteNoise
# serves it to browsers that accept gzip. With WANGGE_STATIC_MANIFEST (default: production, i.e.
# WANGGE_DEBUG=0) names carry a content hash and are cached for a year; that needs collectstatic
# before serving, so development and tests keep plain names.
STATIC_MANIFEST = env_bool("WANGGE_STATIC_MANIFEST", not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "whitenoise.storage.CompressedStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "wangge.accounts.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "wangge.core.pagination.Pagination",
    "DEFAULT_RENDERER_CLASSES": [
        "wangge.core.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "wangge.core.renderers.ContentNegotiation",
    "DEFAULT_PARSER_CLASSES": [
        "wangge.core.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "wangge.core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Wangge API",
    "DESCRIPTION": "网格化基层治理平台 REST API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several apps name a field "state", "channel" or "kind": one component per choice set.
    "ENUM_NAME_OVERRIDES": {
        "CaseStateEnum": "wangge.cases.models.CaseState",
        "CaseChannelEnum": "wangge.cases.models.Channel",
        "LimitUnitEnum": "wangge.cases.models.LimitUnit",
        "GridLevelEnum": "wangge.grids.models.GridLevel",
        "OrderStateEnum": "wangge.community.models.OrderState",
        "OrderChannelEnum": "wangge.community.models.OrderChannel",
        "MeetingStateEnum": "wangge.council.models.MeetingState",
        "FundRequestStateEnum": "wangge.funds.models.RequestState",
        "NoticeStateEnum": "wangge.notices.models.NoticeState",
        "ImportKindEnum": "wangge.people.models.ImportKind",
        "AttachmentPurposeEnum": "wangge.attachments.models.Attachment.Purpose",
    },
}

# --- Shared cache and rate limits --------------------------------------------------------------
# Throttle counters must be shared by every worker process: the database cache (a table made by
# the core migrations) by default, Redis where WANGGE_REDIS_URL is set. A per-process memory
# cache would let N workers allow N times each limit.
REDIS_URL = os.environ.get("WANGGE_REDIS_URL", "")
if REDIS_URL:
    CACHES: dict[str, dict[str, Any]] = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {
        "default": {
            # Django's, with a write in one statement and the table counted now and then.
            "BACKEND": "wangge.core.cache.DatabaseCache",
            "LOCATION": "wangge_cache",
            "OPTIONS": {"MAX_ENTRIES": env_int("WANGGE_CACHE_MAX_ENTRIES", 100_000)},
        }
    }
# The cockpit's payload is kept in this cache between two roll-ups (its key carries the summary
# tables' stamp, so a roll-up's write is seen at once); at most this long. 0: computed each time.
STATS_COCKPIT_CACHE_SECONDS = env_int("WANGGE_STATS_COCKPIT_CACHE_SECONDS", 600)
# How many reverse proxies in front of the application append to X-Forwarded-For. 0: the
# socket address is the client (X-Forwarded-For is ignored, the client could write anything
# there). 1: one nginx in front; its appended entry (the last one) is the client.
NUM_PROXIES = env_int("WANGGE_NUM_PROXIES", 0)
REST_FRAMEWORK["NUM_PROXIES"] = NUM_PROXIES
REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = ["wangge.core.throttling.AnonymousThrottle"]
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
    # Every anonymous API call, per client address.
    "anon": os.environ.get("WANGGE_ANON_RATE", "300/minute"),
    # Exact look-ups of residents by ID number or phone, per user.
    "people_lookup": os.environ.get("WANGGE_PEOPLE_LOOKUP_RATE", "30/hour"),
    # Public tracking-code look-ups (/track/<code>/), per client address.
    "track": os.environ.get("WANGGE_TRACK_RATE", "30/minute"),
    # Anonymous reports (Open311 POST, the /report/ form), per client address.
    "intake": os.environ.get("WANGGE_INTAKE_RATE", "30/hour"),
    # Token requests (username + password), per client address.
    "token": os.environ.get("WANGGE_TOKEN_RATE", "30/minute"),
    # Open311 POST requests (clients hold an api_key; one client may relay many residents).
    "open311_post": os.environ.get("WANGGE_OPEN311_POST_RATE", "600/hour"),
}
# Anonymous pages outside the API: (path prefix, method or None for any, rate scope above).
ANON_RATE_RULES = [
    ("/track/", None, "track"),
    ("/report/", "POST", "intake"),
    ("/open311/", "POST", "open311_post"),
    ("/open311/", None, "anon"),
    ("/report/", None, "anon"),
    ("/attachments/", None, "anon"),
    ("/accounts/login/", "POST", "token"),
]

# --- Request body limits ----------------------------------------------------------------------
# Checked from Content-Length before anything reads the body (413), and again while a multipart
# body streams in (for bodies sent without a length). The first matching path prefix wins; the
# reverse proxy should carry the same limits per path (docs/operating.md).
BODY_MAX_BYTES = env_int("WANGGE_BODY_MAX_BYTES", 2 * 1024 * 1024)
_UPLOAD_SLACK = 1024 * 1024
_UPLOAD_MAX = env_int("WANGGE_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
_IMPORT_MAX = env_int("WANGGE_IMPORT_MAX_BYTES", 50 * 1024 * 1024)
BODY_LIMITS = [
    ("/api/v1/people/imports/", _IMPORT_MAX + _UPLOAD_SLACK),
    ("/people/imports/", _IMPORT_MAX + _UPLOAD_SLACK),
    ("/api/v1/hotline/sources/", 50 * 1024 * 1024 + _UPLOAD_SLACK),
    ("/api/v1/grids/import/", 20 * 1024 * 1024),
    ("/admin/", 20 * 1024 * 1024),
    # One photo (`media`) and the fields.
    ("/open311/", _UPLOAD_MAX + _UPLOAD_SLACK),
    ("/api/v1/attachments/", _UPLOAD_MAX + _UPLOAD_SLACK),
]
# Everything else may carry photos (the upload cap, nine to a form) but no more.
BODY_UPLOAD_FORM_MAX_BYTES = 9 * _UPLOAD_MAX + _UPLOAD_SLACK
FILE_UPLOAD_HANDLERS = [
    "wangge.core.uploads.SizeCappedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- Background work ------------------------------------------------------------------------
# The database backend needs no broker; `manage.py db_worker` runs the queue.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("WANGGE_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# --- Grids ----------------------------------------------------------------------------------
# How far (metres) a child grid may stray outside its parent before it is refused.
GRID_CONTAINMENT_TOLERANCE_M = float(os.environ.get("WANGGE_GRID_TOLERANCE_M", "5"))
# How often (seconds) a process asks the database whether the grid tree changed.
GRID_INDEX_CHECK_SECONDS = float(os.environ.get("WANGGE_GRID_INDEX_CHECK_SECONDS", "2"))
# How often (seconds) a process asks whether the settings the intake keeps in memory changed
# (categories, routing rules, departments, webhook endpoints …; docs/cases.md). A change
# reaches the process that made it at once and every other process within this interval.
CONFIG_CHECK_SECONDS = float(os.environ.get("WANGGE_CONFIG_CHECK_SECONDS", "2"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("WANGGE_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Working-time calendar and notifications (wangge.workcal, wangge.notify) ------------------
# Used when no working-hours profile is marked default in the admin.
WORKCAL_DEFAULT_SESSIONS = [["08:30", "12:00"], ["14:00", "17:30"]]
# How often (seconds) a process asks the database whether the calendar changed.
WORKCAL_CHECK_SECONDS = float(os.environ.get("WANGGE_WORKCAL_CHECK_SECONDS", "2"))
# Webhook delivery: attempts before a message becomes a dead letter, the backoff base and cap
# (base × 2^(attempt−1), capped), the HTTP timeout, the claim lease and the batch size.
NOTIFY_MAX_ATTEMPTS = env_int("WANGGE_NOTIFY_MAX_ATTEMPTS", 8)
NOTIFY_RETRY_BASE_SECONDS = float(os.environ.get("WANGGE_NOTIFY_RETRY_BASE_SECONDS", "30"))
NOTIFY_RETRY_MAX_SECONDS = float(os.environ.get("WANGGE_NOTIFY_RETRY_MAX_SECONDS", "3600"))
NOTIFY_TIMEOUT_SECONDS = float(os.environ.get("WANGGE_NOTIFY_TIMEOUT_SECONDS", "10"))
NOTIFY_LEASE_SECONDS = float(os.environ.get("WANGGE_NOTIFY_LEASE_SECONDS", "120"))
NOTIFY_BATCH_SIZE = env_int("WANGGE_NOTIFY_BATCH_SIZE", 100)
# Delivered webhook rows are deleted after this many days (dead letters are kept).
NOTIFY_KEEP_DELIVERED_DAYS = env_int("WANGGE_NOTIFY_KEEP_DELIVERED_DAYS", 30)
# A commit that queued webhooks kicks a delivery run at most this often per process.
NOTIFY_KICK_MIN_SECONDS = float(os.environ.get("WANGGE_NOTIFY_KICK_MIN_SECONDS", "1"))
# Background jobs (imports, exports) hold a lease renewed every third of it while they run; a
# job whose lease ran out (its worker was killed) is failed or queued again by `reap_jobs`.
JOB_LEASE_SECONDS = float(os.environ.get("WANGGE_JOB_LEASE_SECONDS", "60"))
# Exports of filtered lists: up to EXPORT_INLINE_ROWS rows the file is written in the request;
# larger ones are background jobs. Files are kept EXPORT_KEEP_HOURS for their requester, then
# deleted; an export whose worker died is started again up to EXPORT_MAX_ATTEMPTS runs.
EXPORT_INLINE_ROWS = env_int("WANGGE_EXPORT_INLINE_ROWS", 2000)
EXPORT_MAX_ROWS = env_int("WANGGE_EXPORT_MAX_ROWS", 200_000)
EXPORT_KEEP_HOURS = float(os.environ.get("WANGGE_EXPORT_KEEP_HOURS", "24"))
EXPORT_MAX_ATTEMPTS = env_int("WANGGE_EXPORT_MAX_ATTEMPTS", 2)
# Import uploads waiting for their column mapping are deleted after this many minutes.
IMPORT_PENDING_KEEP_MINUTES = env_int("WANGGE_IMPORT_PENDING_KEEP_MINUTES", 60)
# Uploaded and generated files are readable by the service's own user only.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
# Finished background-task results are pruned after this many hours (failed ones 7× later).
TASK_RESULTS_KEEP_HOURS = float(os.environ.get("WANGGE_TASK_RESULTS_KEEP_HOURS", "24"))

# --- Attachments (wangge.attachments) -------------------------------------------------------
# Upload cap in bytes; put the same limit (plus ~1 MB) as client_max_body_size in the proxy.
WANGGE_UPLOAD_MAX_BYTES = env_int("WANGGE_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
# Pictures with more pixels are refused from their header (decompression bombs).
WANGGE_UPLOAD_MAX_PIXELS = env_int("WANGGE_UPLOAD_MAX_PIXELS", 50_000_000)
# The lower cap for pictures from the public (anonymous reports, residents' accounts, channels
# without a user): a 49-megapixel PNG costs seconds and hundreds of MB to decode.
WANGGE_UPLOAD_MAX_PIXELS_PUBLIC = env_int("WANGGE_UPLOAD_MAX_PIXELS_PUBLIC", 16_000_000)
# Stored pictures are scaled down to this longest side, thumbnails to the next.
WANGGE_UPLOAD_MAX_SIDE = env_int("WANGGE_UPLOAD_MAX_SIDE", 2560)
WANGGE_UPLOAD_THUMB_SIDE = env_int("WANGGE_UPLOAD_THUMB_SIDE", 320)
WANGGE_UPLOAD_JPEG_QUALITY = env_int("WANGGE_UPLOAD_JPEG_QUALITY", 85)
# DRF rate strings ("N/second|minute|hour|day"); counters live in the default cache, so run
# a shared cache (database or Redis) when serving from several processes.
WANGGE_UPLOAD_ANON_RATE = os.environ.get("WANGGE_UPLOAD_ANON_RATE", "30/hour")
WANGGE_UPLOAD_USER_RATE = os.environ.get("WANGGE_UPLOAD_USER_RATE", "600/hour")
# How long a signed photo URL (e.g. on the tracking-code page) stays valid.
WANGGE_ATTACHMENT_SIGNED_URL_SECONDS = env_int("WANGGE_ATTACHMENT_SIGNED_URL_SECONDS", 3600)

# --- People (base data: residents, buildings, care ledger) ----------------------------------
# Personal data encryption (see wangge/people/crypto.py and docs/people.md). WANGGE_FIELD_KEYS
# is a comma list of base64 32-byte keys: the first encrypts, all decrypt (rotation). The
# lookup-hash key is separate. With DEBUG on and nothing set, both derive from SECRET_KEY.
PEOPLE_FIELD_KEYS = [
    k.strip() for k in os.environ.get("WANGGE_FIELD_KEYS", "").split(",") if k.strip()
]
PEOPLE_LOOKUP_KEY = os.environ.get("WANGGE_LOOKUP_KEY", "").strip()
if DEBUG and not PEOPLE_FIELD_KEYS:
    from wangge.people.crypto import derive_dev_key

    PEOPLE_FIELD_KEYS = [derive_dev_key(SECRET_KEY, "field")]
if DEBUG and not PEOPLE_LOOKUP_KEY:
    from wangge.people.crypto import derive_dev_key

    PEOPLE_LOOKUP_KEY = derive_dev_key(SECRET_KEY, "lookup")
# Uploaded import files: the size cap, and the most an .xlsx may inflate to (zip bombs).
PEOPLE_IMPORT_MAX_BYTES = env_int("WANGGE_IMPORT_MAX_BYTES", 50 * 1024 * 1024)
PEOPLE_IMPORT_MAX_UNZIPPED_BYTES = env_int("WANGGE_IMPORT_MAX_UNZIPPED_BYTES", 300 * 1024 * 1024)
PEOPLE_IMPORT_MAX_ZIP_RATIO = env_int("WANGGE_IMPORT_MAX_ZIP_RATIO", 100)
# Imports with more data rows than this run on the task worker instead of in the request.
PEOPLE_IMPORT_INLINE_ROWS = env_int("WANGGE_IMPORT_INLINE_ROWS", 2000)

# --- Web UI (wangge.web) --------------------------------------------------------------------
# Navigation and map settings reach every template through this context processor.
TEMPLATES[0]["OPTIONS"]["context_processors"].append("wangge.web.context_processors.web")
# Map tiles: empty means no background layer at all — the map still draws the grid polygons and
# case points on a plain background, which is what an intranet without a tile server gets.
# A government tile server, e.g. a 天地图 intranet mirror:
#   WANGGE_MAP_TILE_URL="https://tiles.example.gov.cn/vec_w/{z}/{x}/{y}.png"
# The tiles must be WGS-84/Web-Mercator (EPSG:3857); GCJ-02 tiles (高德/腾讯) would be offset.
MAP_TILE_URL = os.environ.get("WANGGE_MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = os.environ.get("WANGGE_MAP_TILE_ATTRIBUTION", "")
MAP_TILE_MAX_ZOOM = env_int("WANGGE_MAP_TILE_MAX_ZOOM", 18)
# Servers spread over several hosts fill {s} from these characters (天地图: "01234567").
MAP_TILE_SUBDOMAINS = os.environ.get("WANGGE_MAP_TILE_SUBDOMAINS", "abc")
# An annotation layer drawn over the base tiles (天地图 cva_w: road and place names).
MAP_TILE_OVERLAY_URL = os.environ.get("WANGGE_MAP_TILE_OVERLAY_URL", "")
# Service refusals (NotFound for out-of-scope objects, Conflict, …) raised in page views render
# as pages with their Chinese message; API paths keep their JSON error handler.
MIDDLEWARE.append("wangge.web.middleware.ServiceErrorPages")

# --- Cases (wangge.cases) -------------------------------------------------------------------
# District whose centre triages reports that fall outside every grid (default: the first one).
CASES_TRIAGE_DISTRICT = os.environ.get("WANGGE_CASES_TRIAGE_DISTRICT", "")
# Longest description accepted (Open311 allows 4,000 characters).
CASES_DESCRIPTION_MAX = env_int("WANGGE_CASES_DESCRIPTION_MAX", 4000)
# Duplicate detection: open cases within this radius and window, with text this similar (0–100).
CASES_DUPLICATE_RADIUS_M = float(os.environ.get("WANGGE_CASES_DUPLICATE_RADIUS_M", "80"))
CASES_DUPLICATE_WINDOW_HOURS = env_int("WANGGE_CASES_DUPLICATE_WINDOW_HOURS", 72)
CASES_DUPLICATE_MIN_SIMILARITY = float(os.environ.get("WANGGE_CASES_DUPLICATE_SIMILARITY", "60"))
# The reporter's way back without an account (docs/feedback.md): how long a case's private
# link is honoured, and the one-time SMS code (validity, wrong tries allowed, then the wait).
CASES_ACCESS_LINK_DAYS = env_int("WANGGE_CASES_ACCESS_LINK_DAYS", 730)
# The site's public address (https://wangge.example.gov.cn), for links sent by SMS or posted in
# chat groups; empty: links are sent as paths.
SITE_PUBLIC_URL = os.environ.get("WANGGE_PUBLIC_URL", "")
CASES_SMS_CODE_MINUTES = env_int("WANGGE_CASES_SMS_CODE_MINUTES", 10)
CASES_SMS_CODE_TRIES = env_int("WANGGE_CASES_SMS_CODE_TRIES", 5)
CASES_SMS_LOCK_MINUTES = env_int("WANGGE_CASES_SMS_LOCK_MINUTES", 30)
# 回访: a case closed without the reporter's answer gets a follow-up call due within this many
# working days (hotline orders: the hotline's own rule, usually the next working day).
CASES_FOLLOW_UP_WORKING_DAYS = env_int("WANGGE_CASES_FOLLOW_UP_WORKING_DAYS", 3)
CASES_FOLLOW_UP_HOTLINE_WORKING_DAYS = env_int("WANGGE_CASES_FOLLOW_UP_HOTLINE_WORKING_DAYS", 1)
# A resolved case the reporter never confirms is closed by the system after this many days.
CASES_AUTO_CLOSE_DAYS = env_int("WANGGE_CASES_AUTO_CLOSE_DAYS", 7)
# A report without a category but with a point goes straight to its grid when the keyword
# suggestion covers at least this many characters of the text (and twice any other's).
CASES_ROUTE_MIN_KEYWORD_SCORE = env_int("WANGGE_CASES_ROUTE_MIN_KEYWORD_SCORE", 3)

# --- Channels: Open311, 12345 hotline, grid chat (wangge.open311, wangge.hotline, wangge.chat) --
# Open311: the jurisdiction this endpoint serves; empty = none (a client's empty value is
# accepted, any other value is a 404).
OPEN311_JURISDICTION_ID = os.environ.get("WANGGE_OPEN311_JURISDICTION_ID", "")
OPEN311_CONTACT = os.environ.get("WANGGE_OPEN311_CONTACT", "网格化服务管理中心 12345")
# 12345 orders whose received time lies further ahead than this are refused (a clock or a
# typing error: the deadline clock starts at the received time).
HOTLINE_FUTURE_TOLERANCE_MINUTES = env_int("WANGGE_HOTLINE_FUTURE_TOLERANCE_MINUTES", 10)
OPEN311_KEY_SERVICE = os.environ.get(
    "WANGGE_OPEN311_KEY_SERVICE", "向网格化服务管理中心申请 api_key（管理后台 › Open311 客户端）"
)
# Date of the last change to this endpoint's behaviour (discovery's `changeset`).
OPEN311_CHANGESET = "2026-11-23T00:00:00+08:00"
# GET requests: the widest date range and the most requests per answer (the spec's 90 / 1,000).
OPEN311_MAX_RANGE_DAYS = env_int("WANGGE_OPEN311_MAX_RANGE_DAYS", 90)
OPEN311_MAX_RESULTS = env_int("WANGGE_OPEN311_MAX_RESULTS", 1000)
# GET requests without page_size: a page of this many (a client may ask for up to MAX_RESULTS).
OPEN311_PAGE_SIZE = env_int("WANGGE_OPEN311_PAGE_SIZE", 100)
# A POST whose body equals one the same client sent this many seconds ago is a blind retry:
# it gets the first answer instead of a second case (Idempotency-Key holds for ever).
OPEN311_DEDUPE_SECONDS = env_int("WANGGE_OPEN311_DEDUPE_SECONDS", 600)
# Cases of these channels are listed publicly by GET requests (anyone may read them): calls
# to the hotline or an operator are private conversations and are left out by default.
OPEN311_LIST_CHANNELS = os.environ.get(
    "WANGGE_OPEN311_LIST_CHANNELS", "open311,h5,patrol,chat,api"
).split(",")

# --- Learned suggestions (wangge.suggest) ---------------------------------------------------
# Category and chat-request models trained from this deployment's own history (docs/suggest.md).
# A learned category is suggested from this probability on; below it the keyword rules decide.
SUGGEST_MIN_CONFIDENCE = float(os.environ.get("WANGGE_SUGGEST_MIN_CONFIDENCE", "0.5"))
# The chat detector adds the learned model's log-odds and the rule score (above its threshold)
# times this weight; 0 lets the model alone decide.
SUGGEST_REQUEST_RULES_WEIGHT = float(os.environ.get("WANGGE_SUGGEST_REQUEST_RULES_WEIGHT", "1.0"))
# No model before this many distinct (text, category) pairs; labels rarer than this are left out.
SUGGEST_MIN_SAMPLES = env_int("WANGGE_SUGGEST_MIN_SAMPLES", 200)
SUGGEST_MIN_PER_LABEL = env_int("WANGGE_SUGGEST_MIN_PER_LABEL", 5)
# Most recent cases read per training run.
SUGGEST_TRAINING_LIMIT = env_int("WANGGE_SUGGEST_TRAINING_LIMIT", 50000)
SUGGEST_ALGORITHM = os.environ.get("WANGGE_SUGGEST_ALGORITHM", "logreg")
SUGGEST_KEEP_VERSIONS = env_int("WANGGE_SUGGEST_KEEP_VERSIONS", 5)
# How often a process looks for a newer model version.
SUGGEST_RELOAD_SECONDS = float(os.environ.get("WANGGE_SUGGEST_RELOAD_SECONDS", "60"))

# --- Community life II: council day, notices, emergency fund (wangge.council/notices/funds) ---
# A new fund account's default limit: requests up to it are approved by the unit's head, above
# it by the level above (each account's own limit is set with its budget).
FUNDS_HEAD_LIMIT = os.environ.get("WANGGE_FUNDS_HEAD_LIMIT", "5000")
