"""Settings for the todo backend: every value comes from the environment (or an optional ``.env``).

This module is the one place that reads the environment. Production is the default (DEBUG off),
so a deployment that forgets a secret stops at start-up with a message naming the variable;
development is an explicit choice (``DJANGO_DEBUG=1``) and says loudly which insecure defaults it uses.
"""

from __future__ import annotations

import sys
from pathlib import Path

import dj_database_url
from corsheaders.defaults import default_headers as default_cors_headers
from django.core.exceptions import ImproperlyConfigured

from todo_backend import __version__ as API_VERSION
from todo_backend.env import env_bool, env_choice, env_int, env_list, env_str, env_url, load_env_file, log_level
from todo_backend.rates import parse_rate

BASE_DIR = Path(__file__).resolve().parent.parent

# ENV_FILE="" disables the file (the test settings do, so a developer's .env cannot leak into tests).
_env_file = env_str("ENV_FILE", str(BASE_DIR / ".env"))
load_env_file(Path(_env_file) if _env_file else None)

DEBUG = env_bool("DJANGO_DEBUG", False)

# --- Secrets -------------------------------------------------------------------------------------
# Well-known values, so they are only ever used with DEBUG on and always announced.
DEVELOPMENT_SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"
DEVELOPMENT_BETTER_AUTH_SECRET = "development-only-better-auth-secret-never-use-in-production"
MIN_BETTER_AUTH_SECRET_BYTES = 32
# Values anyone can read in this project (the development defaults, .env.example's placeholders):
# with one of them, anyone could sign tokens for any user.
PUBLISHED_SECRET_PREFIXES = ("django-insecure-", "development-only-", "change-me")

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
BETTER_AUTH_SECRET = env_str("BETTER_AUTH_SECRET")

# --- Better Auth JWKS mode (see better_auth/jwks.py) ----------------------------------------------------
BETTER_AUTH_URL = env_url("BETTER_AUTH_URL", ("http", "https")).rstrip("/")
BETTER_AUTH_JWKS_URL = env_url("BETTER_AUTH_JWKS_URL", ("http", "https")) or (
    f"{BETTER_AUTH_URL}/api/auth/jwks" if BETTER_AUTH_URL else ""
)

if DEBUG:
    _defaults_used = []
    if not SECRET_KEY:
        SECRET_KEY = DEVELOPMENT_SECRET_KEY
        _defaults_used.append("DJANGO_SECRET_KEY")
    if not BETTER_AUTH_SECRET:
        BETTER_AUTH_SECRET = DEVELOPMENT_BETTER_AUTH_SECRET
        _defaults_used.append("BETTER_AUTH_SECRET")
    if _defaults_used:
        sys.stderr.write(
            "\n*** DEVELOPMENT MODE (DJANGO_DEBUG=1): using a public, insecure development value for "
            f"{', '.join(_defaults_used)}. Never run like this in production. ***\n\n"
        )
else:
    for _name, _value in (("DJANGO_SECRET_KEY", SECRET_KEY), ("BETTER_AUTH_SECRET", BETTER_AUTH_SECRET)):
        if _value.startswith(PUBLISHED_SECRET_PREFIXES):
            raise ImproperlyConfigured(
                f"{_name} is a published example value: anyone could use it. "
                "Set a random one (`openssl rand -base64 48`)."
            )
    if not SECRET_KEY:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random string "
            "(or set DJANGO_DEBUG=1 for local development)."
        )
    if not BETTER_AUTH_SECRET and not BETTER_AUTH_JWKS_URL:
        raise ImproperlyConfigured(
            "BETTER_AUTH_SECRET is not set. Set it to the same secret your Better Auth "
            "frontend uses, or set BETTER_AUTH_URL to verify Better Auth's own JWTs through its "
            "JWKS endpoint (or set DJANGO_DEBUG=1 for local development)."
        )

# Without a secret (JWKS-only deployments), shared-secret tokens are simply not accepted.
if BETTER_AUTH_SECRET and len(BETTER_AUTH_SECRET.encode()) < MIN_BETTER_AUTH_SECRET_BYTES:
    raise ImproperlyConfigured(
        f"BETTER_AUTH_SECRET must be at least {MIN_BETTER_AUTH_SECRET_BYTES} bytes long "
        "(generate one with `openssl rand -base64 32`)."
    )

# --- JWT verification (see better_auth/tokens.py) ------------------------------------------------------
# Checked on shared-secret tokens only when set explicitly.
BETTER_AUTH_ISSUER = env_str("BETTER_AUTH_ISSUER")
BETTER_AUTH_AUDIENCE = env_str("BETTER_AUTH_AUDIENCE")
# Better Auth issues its tokens with iss = aud = its base URL, so that is the default for them.
BETTER_AUTH_JWKS_ISSUER = BETTER_AUTH_ISSUER or BETTER_AUTH_URL
BETTER_AUTH_JWKS_AUDIENCE = BETTER_AUTH_AUDIENCE or BETTER_AUTH_URL
JWT_LEEWAY_SECONDS = env_int("JWT_LEEWAY_SECONDS", 30, minimum=0, maximum=300)

# Checked against the algorithms better_auth can verify by a system check (better_auth.checks).
JWT_ASYMMETRIC_ALGORITHMS = tuple(
    env_list("JWT_ASYMMETRIC_ALGORITHMS", ["EdDSA", "ES256", "RS256", "PS256", "ES512"])
)
JWKS_CACHE_SECONDS = env_int("JWKS_CACHE_SECONDS", 300, minimum=1)
JWKS_MIN_REFRESH_SECONDS = env_int("JWKS_MIN_REFRESH_SECONDS", 10, minimum=0)
JWKS_TIMEOUT_SECONDS = env_int("JWKS_TIMEOUT_SECONDS", 3, minimum=1, maximum=10)

# --- Django core ---------------------------------------------------------------------------------
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])

# The DRF browsable API, for debugging in a browser: on with DEBUG unless turned off, off in
# production unless turned on. It adds sessions (a signed cookie holding a pasted token), CSRF and
# form parsing, none of which the JSON API needs.
API_BROWSABLE = env_bool("API_BROWSABLE", DEBUG)

INSTALLED_APPS = [
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "todo_backend",
    "better_auth",
    "tasks",
]

MIDDLEWARE = [
    "todo_backend.request_log.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # Validates the Host header against ALLOWED_HOSTS on every request.
    "django.middleware.common.CommonMiddleware",
    "todo_backend.middleware.BodyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
BROWSABLE_API_MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]
if API_BROWSABLE:
    MIDDLEWARE += BROWSABLE_API_MIDDLEWARE
# No sessions table: the only session data is the browsable API's token, in a signed cookie.
SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"

ROOT_URLCONF = "todo_backend.urls"
WSGI_APPLICATION = "todo_backend.wsgi.application"
APPEND_SLASH = False  # every route accepts both forms itself; a redirected POST would lose its body

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]

# --- Database ------------------------------------------------------------------------------------
# SQLite by default so a newcomer needs nothing installed; PostgreSQL (Neon) via DATABASE_URL.
# Neon suspends idle computes, so persistent connections are health-checked before reuse.
_default_database_url = f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
try:
    _database = dj_database_url.parse(
        env_url("DATABASE_URL", ("postgres", "postgresql", "pgsql", "sqlite"), _default_database_url),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None

if _database["ENGINE"] == "django.db.backends.postgresql":
    # Health-checks only connections idle for a while (see todo_backend/postgresql/base.py).
    _database["ENGINE"] = "todo_backend.postgresql"
    # An unreachable server must fail fast (503), not hold a worker until gunicorn kills it.
    _database.setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
DB_HEALTH_CHECK_IDLE_SECONDS = env_int("DB_HEALTH_CHECK_IDLE_SECONDS", 10, minimum=0)

if _database["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside a writer; IMMEDIATE avoids "database is locked" on upgrade.
    _database["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        **_database.get("OPTIONS", {}),
    }
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Rate-limit counters, shared by every worker and instance (todo_backend/counters.py) -----------
# Redis when REDIS_URL is set (one round trip per counted request); otherwise a table in the
# database (created by a migration), never a per-process memory cache.
REDIS_URL = env_url("REDIS_URL", ("redis", "rediss", "unix"))
RATE_LIMIT_COUNTERS = "redis" if REDIS_URL else "database"
# A Redis that stops answering must not hold requests for long: counting then fails open.
REDIS_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}

# --- Rate limits (todo_backend/throttling.py) -----------------------------------------------------
THROTTLE_RATE_USER = env_str("THROTTLE_RATE_USER", "600/min")
THROTTLE_RATE_ANON = env_str("THROTTLE_RATE_ANON", "60/min")
for _name, _rate in (("THROTTLE_RATE_USER", THROTTLE_RATE_USER), ("THROTTLE_RATE_ANON", THROTTLE_RATE_ANON)):
    try:
        parse_rate(_rate)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{_name}: {exc}") from None
# How many proxies in front of the app append to X-Forwarded-For (0: ignore the header).
NUM_PROXIES = env_int("NUM_PROXIES", 0, minimum=0, maximum=10)

# --- One user's share (tasks/queries.py, todo_backend/postgresql) ---------------------------------
# A create past this many live tasks is 409 TASK_LIMIT_REACHED.
MAX_TASKS_PER_USER = env_int("MAX_TASKS_PER_USER", 10_000, minimum=1)
# PostgreSQL stops a statement of the server's that runs longer (503, retry); 0: no limit.
DB_STATEMENT_TIMEOUT_MS = env_int("DB_STATEMENT_TIMEOUT_MS", 5_000, minimum=0)

# --- Safe retries and incremental sync (tasks/idempotency.py, tasks/sync.py) ----------------------
IDEMPOTENCY_KEY_TTL_HOURS = env_int("IDEMPOTENCY_KEY_TTL_HOURS", 24, minimum=1)
TOMBSTONE_RETENTION_DAYS = env_int("TOMBSTONE_RETENTION_DAYS", 30, minimum=1)
# Sync tokens point this far before the list was read, so a write that read the clock before
# and committed after that moment is still "changed since" the token.
SYNC_LOOKBACK_SECONDS = env_int("SYNC_LOOKBACK_SECONDS", 5, minimum=0, maximum=300)

# --- Requests ------------------------------------------------------------------------------------
# Bodies over 1 MiB are answered 413 PAYLOAD_TOO_LARGE.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

LANGUAGE_CODE = "en-us"
USE_I18N = False
TIME_ZONE = "UTC"
USE_TZ = True

# --- Static files (Swagger UI, ReDoc, the browsable API), served by WhiteNoise ---------------------
STATIC_URL = "static/"
# Production serves what `manage.py collectstatic` gathered here; development serves the apps' own
# static folders directly (WHITENOISE_USE_FINDERS), so there is nothing to collect.
STATIC_ROOT = None if DEBUG else Path(env_str("STATIC_ROOT") or BASE_DIR / "staticfiles")
WHITENOISE_USE_FINDERS = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed, compressed files in production (after `manage.py collectstatic`); plain in development.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- REST framework ------------------------------------------------------------------------------
_renderers = ["todo_backend.renderers.ORJSONRenderer"]
_parsers = ["todo_backend.parsers.StrictJSONParser"]
BROWSABLE_API_RENDERERS = ["rest_framework.renderers.BrowsableAPIRenderer"]
BROWSABLE_API_PARSERS = ["rest_framework.parsers.FormParser", "rest_framework.parsers.MultiPartParser"]
if API_BROWSABLE:
    _renderers += BROWSABLE_API_RENDERERS
    _parsers += BROWSABLE_API_PARSERS

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["better_auth.authentication.BetterAuthJWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": _renderers,
    "DEFAULT_PARSER_CLASSES": _parsers,
    "DEFAULT_SCHEMA_CLASS": "todo_backend.openapi.TodoAutoSchema",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "todo_backend.negotiation.JSONFallbackNegotiation",
    "EXCEPTION_HANDLER": "todo_backend.exception_handler.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["todo_backend.throttling.UserRateThrottle"],
    "NUM_PROXIES": NUM_PROXIES,
    # No django.contrib.auth: the caller is whoever the verified token says, with no User row.
    "UNAUTHENTICATED_USER": None,
    "UNAUTHENTICATED_TOKEN": None,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

# --- OpenAPI (drf-spectacular): /api/schema, /api/docs, /api/redoc -------------------------------
SPECTACULAR_SETTINGS = {
    "TITLE": "Todo API",
    "DESCRIPTION": (
        "Multi-user task API for Next.js + Better Auth frontends. Every task route needs "
        "`Authorization: Bearer <jwt>` and exists twice: `/api/tasks...` (the owner is the token's "
        "user) and `/api/{user_id}/tasks...` (the path user must be the token's user). Errors are "
        '`{"detail", "error_code"}`.'
    ),
    "VERSION": API_VERSION,
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    # The UIs' assets come from drf-spectacular-sidecar, so the docs work with no internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": True, "displayOperationId": False},
    "COMPONENT_SPLIT_REQUEST": True,
    # /api/health's status and rate_limits share their choices.
    "ENUM_NAME_OVERRIDES": {"AvailabilityEnum": ["ok", "unavailable"]},
    # The contract is JSON whatever the browsable API adds for its HTML forms.
    "PARSER_WHITELIST": ["todo_backend.parsers.StrictJSONParser"],
    "RENDERER_WHITELIST": ["todo_backend.renderers.ORJSONRenderer"],
    "PREPROCESSING_HOOKS": ["todo_backend.openapi.canonical_paths"],
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums"],
}

# --- CORS (django-cors-headers) ------------------------------------------------------------------
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", ["http://localhost:3000"])
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_HEADERS = [*default_cors_headers, "if-match", "if-none-match", "idempotency-key", "x-request-id"]
# A browser frontend can only read the headers listed here.
CORS_EXPOSE_HEADERS = ["Location", "Link", "ETag", "X-Sync-Token", "Idempotent-Replayed", "Retry-After", "X-Request-ID"]

# --- Production hardening (`manage.py check --deploy` passes with these defaults) ------------------
# Behind a proxy that terminates TLS (Render, Railway, Fly, Heroku...), trust its
# X-Forwarded-Proto only when told to: a client could otherwise claim HTTPS itself.
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Load balancers probe health over plain HTTP inside the platform.
SECURE_REDIRECT_EXEMPT = [r"^api/health/?$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SILENCED_SYSTEM_CHECKS = [
    # HSTS preload is a commitment for the whole domain: the owner opts in (SECURE_HSTS_PRELOAD=1).
    "security.W021",
]
if not API_BROWSABLE:
    # Without the browsable API nothing authenticates by cookie (bearer tokens only), so a
    # cross-site request has no credentials to ride on; with it, CsrfViewMiddleware is installed.
    SILENCED_SYSTEM_CHECKS.append("security.W003")

# --- Logging -------------------------------------------------------------------------------------
# One line per request (todo_backend.request_log), every line tagged with the request id.
LOG_LEVEL = log_level()
LOG_FORMAT = env_choice("LOG_FORMAT", "plain", ("plain", "json"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "todo_backend.request_log.RequestIdFilter"}},
    "formatters": {
        "plain": {
            "()": "todo_backend.request_log.PlainFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
        },
        "json": {"()": "todo_backend.request_log.JSONFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        # Our request log has every response; Django's would repeat each 4xx as a warning.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}
