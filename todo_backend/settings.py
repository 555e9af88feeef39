"""Settings for the todo backend: every value comes from the environment (or an optional ``.env``).

This module is the one place that reads the environment. Production is the default (DEBUG off),
so a deployment that forgets a secret stops at start-up with a message naming the variable;
development is an explicit choice (``DJANGO_DEBUG=1``) and says loudly which insecure defaults it uses.
"""

from __future__ import annotations

import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from todo_backend.env import env_bool, env_int, env_list, env_str, load_env_file

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

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
BETTER_AUTH_SECRET = env_str("BETTER_AUTH_SECRET")

# --- Better Auth JWKS mode (see tasks/jwks.py) ----------------------------------------------------
BETTER_AUTH_URL = env_str("BETTER_AUTH_URL").rstrip("/")
BETTER_AUTH_JWKS_URL = env_str("BETTER_AUTH_JWKS_URL") or (
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

# --- JWT verification (see tasks/tokens.py) ------------------------------------------------------
# Checked on shared-secret tokens only when set explicitly.
BETTER_AUTH_ISSUER = env_str("BETTER_AUTH_ISSUER")
BETTER_AUTH_AUDIENCE = env_str("BETTER_AUTH_AUDIENCE")
# Better Auth issues its tokens with iss = aud = its base URL, so that is the default for them.
BETTER_AUTH_JWKS_ISSUER = BETTER_AUTH_ISSUER or BETTER_AUTH_URL
BETTER_AUTH_JWKS_AUDIENCE = BETTER_AUTH_AUDIENCE or BETTER_AUTH_URL
JWT_LEEWAY_SECONDS = env_int("JWT_LEEWAY_SECONDS", 30, minimum=0, maximum=300)

_SUPPORTED_ASYMMETRIC = ("EdDSA", "ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512")
JWT_ASYMMETRIC_ALGORITHMS = tuple(
    env_list("JWT_ASYMMETRIC_ALGORITHMS", ["EdDSA", "ES256", "RS256", "PS256", "ES512"])
)
if _unsupported := [alg for alg in JWT_ASYMMETRIC_ALGORITHMS if alg not in _SUPPORTED_ASYMMETRIC]:
    raise ImproperlyConfigured(
        f"JWT_ASYMMETRIC_ALGORITHMS may only name {', '.join(_SUPPORTED_ASYMMETRIC)} "
        f"(got {', '.join(_unsupported)})."
    )
JWKS_CACHE_SECONDS = env_int("JWKS_CACHE_SECONDS", 300, minimum=1)
JWKS_MIN_REFRESH_SECONDS = env_int("JWKS_MIN_REFRESH_SECONDS", 10, minimum=0)
JWKS_TIMEOUT_SECONDS = env_int("JWKS_TIMEOUT_SECONDS", 3, minimum=1, maximum=10)

# --- Django core ---------------------------------------------------------------------------------
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "corsheaders",
    "rest_framework",
    "tasks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # Validates the Host header against ALLOWED_HOSTS on every request.
    "django.middleware.common.CommonMiddleware",
    "todo_backend.middleware.UntypedBodyMiddleware",
]

ROOT_URLCONF = "todo_backend.urls"
WSGI_APPLICATION = "todo_backend.wsgi.application"
APPEND_SLASH = False  # every route accepts both forms itself; a redirected POST would lose its body

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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
        env_str("DATABASE_URL") or _default_database_url,
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None

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

# --- Requests ------------------------------------------------------------------------------------
# Bodies over 1 MiB are answered 413 PAYLOAD_TOO_LARGE.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

LANGUAGE_CODE = "en-us"
USE_I18N = False
TIME_ZONE = "UTC"
USE_TZ = True

# --- REST framework ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["tasks.authentication.BetterAuthJWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["todo_backend.parsers.StrictJSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "todo_backend.negotiation.JSONFallbackNegotiation",
    "EXCEPTION_HANDLER": "todo_backend.exceptions.api_exception_handler",
    # No django.contrib.auth: the caller is whoever the verified token says, with no User row.
    "UNAUTHENTICATED_USER": None,
    "UNAUTHENTICATED_TOKEN": None,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

# --- CORS (django-cors-headers) ------------------------------------------------------------------
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", ["http://localhost:3000"])
CORS_URLS_REGEX = r"^/api/.*$"
# A browser frontend can only read the headers listed here.
CORS_EXPOSE_HEADERS = ["Location", "Link"]

# --- Logging -------------------------------------------------------------------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False}},
}
