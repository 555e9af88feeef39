"""``manage.py mint_token``: development tokens the API accepts."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from better_auth.tokens import verify_token

pytestmark = pytest.mark.django_db


def mint(*args: str) -> str:
    out = StringIO()
    call_command("mint_token", *args, stdout=out)
    return out.getvalue().strip()


def test_mint_token_prints_a_token_the_api_accepts(api_client):
    token = mint("user_42")
    assert verify_token(token)["sub"] == "user_42"
    response = api_client.get("/api/tasks", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200


def test_mint_token_lifetime_follows_minutes():
    claims = verify_token(mint("user_42", "--minutes", "5"))
    assert claims["exp"] - claims["iat"] == 300


def test_mint_token_includes_configured_issuer_and_audience(settings):
    settings.BETTER_AUTH_ISSUER = "https://auth.example.com"
    settings.BETTER_AUTH_AUDIENCE = "https://api.example.com"
    claims = verify_token(mint("user_42"))
    assert (claims["iss"], claims["aud"]) == ("https://auth.example.com", "https://api.example.com")


@pytest.mark.parametrize("args", [("",), ("   ",), ("x" * 256,), ("u", "--minutes", "0"), ("u", "--minutes", "999999")])
def test_mint_token_refuses_unusable_arguments(args):
    with pytest.raises(CommandError):
        mint(*args)


def test_mint_token_with_curl_prints_ready_to_run_commands():
    output = mint("demo-user", "--curl", "http://127.0.0.1:8000/")
    token = re.search(r'Bearer ([\w.-]+)"', output).group(1)
    assert verify_token(token)["sub"] == "demo-user"
    assert f'curl -H "Authorization: Bearer {token}" http://127.0.0.1:8000/api/tasks' in output
    assert '-d \'{"title": "My first task"}\' http://127.0.0.1:8000/api/tasks' in output
