"""The documentation stays true: every error code and every setting is documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

from todo_backend.exceptions import ErrorCode

BASE_DIR = Path(settings.BASE_DIR)
ERRORS_SPEC = (BASE_DIR / "specs/api/errors.md").read_text()
README = (BASE_DIR / "README.md").read_text()


@pytest.mark.parametrize("code", list(ErrorCode))
def test_every_error_code_is_documented_in_specs(code):
    assert f"`{code}`" in ERRORS_SPEC


def environment_variables(path: str, pattern: str) -> set[str]:
    return set(re.findall(pattern, (BASE_DIR / path).read_text()))


ENV_READ = r"""env_\w+\(\s*["']([A-Z_]+)["']"""


@pytest.mark.parametrize(
    "name",
    sorted(environment_variables("todo_backend/settings.py", ENV_READ) | environment_variables("todo_backend/env.py", ENV_READ)),
)
def test_every_setting_read_from_the_environment_is_in_the_readme(name):
    assert f"`{name}`" in README


@pytest.mark.parametrize("name", sorted(environment_variables("gunicorn.conf.py", ENV_READ)))
def test_every_gunicorn_variable_is_in_the_readme(name):
    assert f"`{name}`" in README


def test_gunicorn_reads_the_environment_only_through_the_typed_readers():
    assert "os.environ" not in (BASE_DIR / "gunicorn.conf.py").read_text()
