"""Schemathesis against our own OpenAPI schema, served by the app itself: generated requests to
every operation (with a valid token) get no 5xx, no response that breaks the schema, and no error
that is not JSON; invalid data is refused with a 4xx.

Schemathesis's ``positive_data_acceptance`` check is left out: it expects every schema-valid
request to succeed, and the contract has rules a JSON Schema cannot state (a title needs a
character that is not whitespace, text may not hold NUL, a cursor is opaque), so it would flag
correct 422s.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from better_auth.tests.helpers import encode_token
from tasks.models import Task

# Slow: generated requests to every operation.
pytestmark = pytest.mark.slow

USER = "fuzz-user"

schema = schemathesis.openapi.from_wsgi("/api/schema", WSGIHandler())
# Unknown query parameters are ignored by design (clients add cache-busting ones), so requests
# that add some are not "invalid".
schema.config.generation.update(allow_extra_parameters=False)


@schema.auth()
class FuzzUserToken:
    """A valid token for every request; schemathesis also sends requests without it, or with a
    broken one, and expects 401 for those."""

    def get(self, case, context) -> str:
        return encode_token(USER)

    def set(self, case, token, context) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}


@schemathesis.check
def errors_are_json(ctx, response, case) -> None:
    """Every error answers ``{"detail", "error_code"}`` as JSON, never HTML or text."""
    if response.status_code >= 400:
        content_type = response.headers.get("content-type", [""])[0]
        assert content_type.startswith("application/json"), f"{response.status_code} answered {content_type!r}"
        body = response.json()
        assert {"detail", "error_code"} <= set(body), body


@pytest.fixture
def caller(settings):
    """The fuzzing user, a task of theirs to aim at, and no rate limit in the way."""
    settings.THROTTLE_RATE_USER = settings.THROTTLE_RATE_ANON = "1000000/min"
    return Task.objects.create(user_id=USER, title="a task the fuzzer may find")


# Outside a test transaction: requests go through the bare WSGI handler, whose request signals
# close a connection left inside one.
@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_api_answers_as_its_schema_says(case, caller):
    if "user_id" in (case.path_parameters or {}):
        case.path_parameters["user_id"] = USER
    task_id = (case.path_parameters or {}).get("id")
    if isinstance(task_id, int) and not isinstance(task_id, bool) and task_id % 2 == 0:
        # Half the time, aim at a task that exists (recreated when a DELETE took it).
        task = Task.objects.filter(user_id=USER).first() or Task.objects.create(user_id=USER, title="again")
        case.path_parameters["id"] = task.id
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
