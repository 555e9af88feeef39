"""``manage.py check --deploy`` passes with the production settings a deployment uses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

# Slow: a fresh Python process per case.
pytestmark = pytest.mark.slow

BASE_DIR = Path(settings.BASE_DIR)

PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "q7#Lr9v!Tz2@pW5x&Nb8^Kc4*Hm6(Jd1)Fs3-Gt0+Yu" + "e" * 10,
    "BETTER_AUTH_SECRET": "b" * 44,
    "ALLOWED_HOSTS": "api.example.com",
    "CORS_ALLOWED_ORIGINS": "https://app.example.com",
    "DATABASE_URL": "postgres://user:password@ep-example.eu-central-1.aws.neon.tech/neondb?sslmode=require",
    "TRUST_X_FORWARDED_PROTO": "1",
}


def check_deploy(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env={"PATH": os.environ.get("PATH", ""), "ENV_FILE": "", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_deploy_passes_with_production_settings():
    result = check_deploy(**PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_with_debug_on():
    result = check_deploy(**PRODUCTION_ENV, DJANGO_DEBUG="1")
    assert result.returncode != 0
    assert "security.W018" in result.stdout + result.stderr


def test_check_deploy_fails_with_a_weak_secret_key():
    result = check_deploy(**{**PRODUCTION_ENV, "DJANGO_SECRET_KEY": "short"})
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr
