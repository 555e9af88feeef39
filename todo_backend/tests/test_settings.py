"""Start-up configuration, checked the way a deployment meets it: a fresh process per case."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

# Slow: a fresh Python process per case.
pytestmark = pytest.mark.slow

BASE_DIR = Path(django_settings.BASE_DIR)
GOOD_SECRET = "s" * 32
GOOD_KEY = "k" * 50

PRINT_SETTINGS = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.DEBUG, s.BETTER_AUTH_SECRET, s.DATABASES['default']['ENGINE'], s.CORS_ALLOWED_ORIGINS)"
)


def run(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess:
    clean_env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "todo_backend.settings",
        "ENV_FILE": "",
        **env,
    }
    return subprocess.run(
        [sys.executable, *argv],
        cwd=BASE_DIR,
        env=clean_env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def start(env: dict[str, str], code: str = PRINT_SETTINGS) -> subprocess.CompletedProcess:
    return run(env, "-c", code)


def test_production_starts_with_both_secrets():
    result = start({"DJANGO_SECRET_KEY": GOOD_KEY, "BETTER_AUTH_SECRET": GOOD_SECRET})
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("False " + GOOD_SECRET)
    assert "DEVELOPMENT MODE" not in result.stderr


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "BETTER_AUTH_SECRET"])
def test_production_without_a_secret_stops_naming_the_variable(missing):
    env = {"DJANGO_SECRET_KEY": GOOD_KEY, "BETTER_AUTH_SECRET": GOOD_SECRET}
    del env[missing]
    result = start(env)
    assert result.returncode != 0
    assert f"{missing} is not set" in result.stderr


def test_short_better_auth_secret_stops_start_up():
    result = start({"DJANGO_SECRET_KEY": GOOD_KEY, "BETTER_AUTH_SECRET": "s" * 31})
    assert result.returncode != 0
    assert "BETTER_AUTH_SECRET must be at least 32 bytes" in result.stderr


def test_debug_uses_development_secrets_and_says_so_loudly():
    result = start({"DJANGO_DEBUG": "1"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("True development-only-better-auth-secret")
    assert "DEVELOPMENT MODE" in result.stderr
    assert "BETTER_AUTH_SECRET" in result.stderr


def test_debug_is_off_unless_set():
    result = start({"DJANGO_SECRET_KEY": GOOD_KEY, "BETTER_AUTH_SECRET": GOOD_SECRET, "DJANGO_DEBUG": "0"})
    assert result.stdout.startswith("False")


def test_unreadable_boolean_stops_start_up_naming_the_variable():
    result = start({"DJANGO_DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be one of" in result.stderr


def test_invalid_database_url_stops_start_up_naming_the_variable():
    result = start({"DJANGO_DEBUG": "1", "DATABASE_URL": "nosuchdb://x"})
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


def test_default_database_is_sqlite_and_default_cors_origin_is_localhost_3000():
    result = start({"DJANGO_DEBUG": "1"})
    assert "django.db.backends.sqlite3" in result.stdout
    assert "['http://localhost:3000']" in result.stdout


def test_postgres_url_keeps_sslmode_and_uses_health_checked_persistent_connections():
    code = (
        "import django; django.setup(); from django.conf import settings as s; d = s.DATABASES['default']; "
        "print(d['ENGINE'], d['OPTIONS'].get('sslmode'), d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])"
    )
    url = "postgres://u:p@ep-cool-name.eu-central-1.aws.neon.tech/app?sslmode=require"
    result = start({"DJANGO_DEBUG": "1", "DATABASE_URL": url}, code)
    assert result.stdout.split() == ["todo_backend.postgresql", "require", "60", "True"]


def test_env_file_is_read_and_real_environment_wins(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(
        f"DJANGO_SECRET_KEY={GOOD_KEY}\nBETTER_AUTH_SECRET=from-the-file-{'f' * 32}\n"
        "CORS_ALLOWED_ORIGINS=https://from-file.example\n"
    )
    result = start(
        {"ENV_FILE": str(env_file), "CORS_ALLOWED_ORIGINS": "https://from-env.example"}
    )
    assert result.returncode == 0, result.stderr
    assert f"from-the-file-{'f' * 32}" in result.stdout
    assert "https://from-env.example" in result.stdout
    assert "from-file.example" not in result.stdout


def test_manage_py_reports_configuration_errors_in_one_line():
    result = run({}, "manage.py", "check")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "Configuration error: DJANGO_SECRET_KEY is not set. Set it to a long random string "
        "(or set DJANGO_DEBUG=1 for local development)."
    ]


JWKS_SETTINGS = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(repr(s.BETTER_AUTH_SECRET), s.BETTER_AUTH_JWKS_URL, s.BETTER_AUTH_JWKS_ISSUER, "
    "s.BETTER_AUTH_JWKS_AUDIENCE, repr(s.BETTER_AUTH_ISSUER), ','.join(s.JWT_ASYMMETRIC_ALGORITHMS))"
)


def test_jwks_only_production_starts_without_a_shared_secret():
    result = start({"DJANGO_SECRET_KEY": GOOD_KEY, "BETTER_AUTH_URL": "https://app.example.com/"}, JWKS_SETTINGS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "''",
        "https://app.example.com/api/auth/jwks",
        "https://app.example.com",
        "https://app.example.com",
        "''",
        "EdDSA,ES256,RS256,PS256,ES512",
    ]


def test_explicit_jwks_url_issuer_and_audience_win():
    env = {
        "DJANGO_SECRET_KEY": GOOD_KEY,
        "BETTER_AUTH_URL": "https://app.example.com",
        "BETTER_AUTH_JWKS_URL": "https://keys.example.com/jwks.json",
        "BETTER_AUTH_ISSUER": "https://issuer.example.com",
        "BETTER_AUTH_AUDIENCE": "https://api.example.com",
        "JWT_ASYMMETRIC_ALGORITHMS": "EdDSA,ES256",
    }
    result = start(env, JWKS_SETTINGS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[1:] == [
        "https://keys.example.com/jwks.json",
        "https://issuer.example.com",
        "https://api.example.com",
        "'https://issuer.example.com'",
        "EdDSA,ES256",
    ]


def test_production_without_any_way_to_verify_tokens_names_both_options():
    result = start({"DJANGO_SECRET_KEY": GOOD_KEY})
    assert result.returncode != 0
    assert "BETTER_AUTH_SECRET is not set" in result.stderr
    assert "BETTER_AUTH_URL" in result.stderr


@pytest.mark.parametrize("algorithms", ["HS256", "none", "EdDSA,RS1"])
def test_unsupported_asymmetric_algorithm_stops_the_server_and_fails_the_checks(algorithms):
    env = {"DJANGO_DEBUG": "1", "JWT_ASYMMETRIC_ALGORITHMS": algorithms}
    for result in (start(env, "import todo_backend.wsgi"), run(env, "manage.py", "check")):
        assert result.returncode != 0
        assert "better_auth.E001" in result.stderr
        assert "JWT_ASYMMETRIC_ALGORITHMS names" in result.stderr


@pytest.mark.parametrize("name", ["THROTTLE_RATE_USER", "THROTTLE_RATE_ANON"])
def test_invalid_rate_stops_start_up_naming_the_variable(name):
    result = start({"DJANGO_DEBUG": "1", name: "lots/min"})
    assert result.returncode != 0
    assert f"{name}: 'lots/min' is not N/period" in result.stderr


def test_rate_limit_counters_use_redis_when_configured_else_the_database():
    code = (
        "import django; django.setup(); from todo_backend.counters import shared_counters; "
        "print(type(shared_counters()).__name__)"
    )
    assert start({"DJANGO_DEBUG": "1"}, code).stdout.strip() == "DatabaseCounters"
    redis = start({"DJANGO_DEBUG": "1", "REDIS_URL": "redis://127.0.0.1:6379/3"}, code)
    assert redis.stdout.strip() == "RedisCounters"


def test_redis_gives_up_on_a_silent_server_within_a_second():
    code = "import django; django.setup(); from django.conf import settings as s; print(s.REDIS_OPTIONS)"
    options = start({"DJANGO_DEBUG": "1", "REDIS_URL": "redis://127.0.0.1:6379/3"}, code).stdout.strip()
    assert options == "{'socket_connect_timeout': 1, 'socket_timeout': 1}"


# --- nothing insecure, nothing that would fail every request ----------------------------------------


def env_example_value(name: str) -> str:
    for line in (BASE_DIR / ".env.example").read_text().splitlines():
        if line.startswith(f"{name}="):
            return line.partition("=")[2]
    raise AssertionError(f"{name} is not in .env.example")


def published_values(name: str) -> list[str]:
    development = {"DJANGO_SECRET_KEY": django_settings.DEVELOPMENT_SECRET_KEY, "BETTER_AUTH_SECRET": django_settings.DEVELOPMENT_BETTER_AUTH_SECRET}
    return [development[name], env_example_value(name)]


@pytest.mark.parametrize("name", ["DJANGO_SECRET_KEY", "BETTER_AUTH_SECRET"])
def test_production_refuses_a_published_secret_naming_the_variable(name):
    for value in published_values(name):
        result = start({"DJANGO_SECRET_KEY": GOOD_KEY, "BETTER_AUTH_SECRET": GOOD_SECRET, name: value})
        assert result.returncode != 0, value
        assert f"{name} is a published example value" in result.stderr
        assert value not in result.stderr


@pytest.mark.parametrize(
    "name, value",
    [
        ("REDIS_URL", "127.0.0.1:6379"),
        ("REDIS_URL", "http://127.0.0.1:6379/0"),
        ("REDIS_URL", "redis://"),
        ("BETTER_AUTH_URL", "app.example.com"),
        ("BETTER_AUTH_URL", "ftp://app.example.com"),
        ("BETTER_AUTH_JWKS_URL", "app.example.com/api/auth/jwks"),
        ("DATABASE_URL", "mysql://user@host/db"),
    ],
)
def test_a_url_of_the_wrong_kind_stops_start_up_naming_the_variable(name, value):
    result = start({"DJANGO_SECRET_KEY": GOOD_KEY, "BETTER_AUTH_SECRET": GOOD_SECRET, name: value})
    assert result.returncode != 0
    assert f"{name} must be a" in result.stderr


def test_a_url_error_does_not_print_the_password_it_holds():
    result = start({"DJANGO_SECRET_KEY": GOOD_KEY, "BETTER_AUTH_SECRET": GOOD_SECRET, "REDIS_URL": "http://:hunter2@cache:6379"})
    assert result.returncode != 0
    assert "hunter2" not in result.stderr


@pytest.mark.parametrize("name, value", [("REDIS_URL", "rediss://:pw@cache.example:6380/0"), ("REDIS_URL", "unix:///run/redis.sock"), ("DATABASE_URL", "postgres:///local")])
def test_urls_of_the_right_kinds_start(name, value):
    result = start({"DJANGO_SECRET_KEY": GOOD_KEY, "BETTER_AUTH_SECRET": GOOD_SECRET, name: value})
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("name", ["CORS_ALLOWED_ORIGINS", "CSRF_TRUSTED_ORIGINS"])
def test_an_origin_without_a_scheme_stops_the_server(name):
    result = start({"DJANGO_SECRET_KEY": GOOD_KEY, "BETTER_AUTH_SECRET": GOOD_SECRET, name: "app.example.com"}, "import todo_backend.wsgi")
    assert result.returncode != 0
    assert "System checks failed" in result.stderr
