"""Unit tests of BetterAuthJWTAuthentication and the shared-secret verifier, called directly."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from better_auth.tests.helpers import encode_token
from better_auth.authentication import BetterAuthJWTAuthentication, get_bearer_token
from better_auth.users import TokenUser
from todo_backend.exceptions import InvalidToken, TokenExpired

factory = APIRequestFactory()


def request_with(authorization: str | None) -> Request:
    extra = {} if authorization is None else {"HTTP_AUTHORIZATION": authorization}
    return Request(factory.get("/api/tasks", **extra))


def authenticate(authorization: str | None):
    return BetterAuthJWTAuthentication().authenticate(request_with(authorization))


def b64(obj: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


def assert_refused(authorization: str, error_class=InvalidToken) -> None:
    with pytest.raises(error_class) as caught:
        authenticate(authorization)
    assert caught.type is error_class
    assert caught.value.error_code == error_class.error_code


# --- accepted tokens -----------------------------------------------------------------------------


def test_valid_token_authenticates_as_its_subject():
    user, claims = authenticate(f"Bearer {encode_token('user_123')}")
    assert isinstance(user, TokenUser)
    assert user.id == "user_123"
    assert user.is_authenticated
    assert claims["sub"] == "user_123"


def test_verified_subject_is_the_request_users_id():
    request = request_with(f"Bearer {encode_token('user_123')}")
    request.authenticators = [BetterAuthJWTAuthentication()]
    assert request.user.id == "user_123"


@pytest.mark.parametrize("algorithm", ["HS256", "HS384", "HS512"])
def test_each_hmac_algorithm_is_accepted(algorithm):
    user, _ = authenticate(f"Bearer {encode_token('alice', algorithm=algorithm)}")
    assert user.id == "alice"


def test_scheme_is_case_insensitive():
    user, _ = authenticate(f"bearer {encode_token('alice')}")
    assert user.id == "alice"


def test_authentication_makes_no_database_query(django_assert_num_queries, db):
    with django_assert_num_queries(0):
        authenticate(f"Bearer {encode_token('alice')}")


def test_expired_token_within_leeway_is_accepted():
    token = encode_token("alice", expires_in=-(settings.JWT_LEEWAY_SECONDS - 5))
    user, _ = authenticate(f"Bearer {token}")
    assert user.id == "alice"


def test_issuer_and_audience_are_not_checked_when_not_configured():
    token = encode_token("alice", iss="https://anything.example", aud="whatever")
    user, _ = authenticate(f"Bearer {token}")
    assert user.id == "alice"


def test_matching_issuer_and_audience_are_accepted(settings):
    settings.BETTER_AUTH_ISSUER = "https://auth.example.com"
    settings.BETTER_AUTH_AUDIENCE = "https://api.example.com"
    token = encode_token("alice", iss="https://auth.example.com", aud="https://api.example.com")
    user, _ = authenticate(f"Bearer {token}")
    assert user.id == "alice"


# --- no credentials: not an error here, DRF answers AUTHENTICATION_REQUIRED ------------------------


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer   ", "Basic dXNlcjpwYXNz", "Token abc.def.ghi", "Bearerabc.def.ghi"],
    ids=["absent", "empty", "bare-bearer", "bearer-spaces", "basic", "other-scheme", "no-space"],
)
def test_request_without_bearer_credentials_is_not_authenticated(authorization):
    assert authenticate(authorization) is None


# --- refused tokens ------------------------------------------------------------------------------


def test_expired_token_is_rejected_with_token_expired():
    token = encode_token("alice", expires_in=-(settings.JWT_LEEWAY_SECONDS + 60))
    assert_refused(f"Bearer {token}", TokenExpired)


def test_expired_token_with_bad_signature_is_invalid_not_expired():
    token = encode_token("alice", key="x" * 40, expires_in=-3600)
    assert_refused(f"Bearer {token}")


def test_expired_token_with_wrong_issuer_is_invalid_not_expired(settings):
    settings.BETTER_AUTH_ISSUER = "https://auth.example.com"
    token = encode_token("alice", iss="https://evil.example", expires_in=-3600)
    assert_refused(f"Bearer {token}")


def test_token_signed_with_another_secret_is_rejected():
    assert_refused(f"Bearer {encode_token('alice', key='another-secret-that-is-long-enough-1234')}")


def test_alg_none_token_is_rejected():
    unsigned = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64({'sub': 'alice', 'exp': time.time() + 60})}."
    assert_refused(f"Bearer {unsigned}")


def test_alg_none_token_with_a_signature_segment_is_rejected():
    forged = f"{b64({'alg': 'none'})}.{b64({'sub': 'alice', 'exp': int(time.time()) + 60})}.c2ln"
    assert_refused(f"Bearer {forged}")


def test_asymmetric_algorithm_is_rejected_in_shared_secret_mode():
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = encode_token("alice", key=private_key, algorithm="RS256")
    assert_refused(f"Bearer {token}")


def test_hs256_token_signed_with_a_public_key_pem_is_rejected():
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = b64({"alg": "HS256", "typ": "JWT"})
    payload = b64({"sub": "alice", "exp": int(time.time()) + 60})
    signature = base64.urlsafe_b64encode(
        hmac.new(pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    ).rstrip(b"=").decode()
    assert_refused(f"Bearer {header}.{payload}.{signature}")


def test_token_without_sub_is_rejected():
    assert_refused(f"Bearer {encode_token(omit=('sub',))}")


def test_token_without_exp_is_rejected():
    assert_refused(f"Bearer {encode_token('alice', omit=('exp',))}")


@pytest.mark.parametrize("sub", ["", "   ", 42, None, ["alice"], {"id": "alice"}, "a" * 256, "al\x00ice"])
def test_token_with_unusable_sub_is_rejected(sub):
    assert_refused(f"Bearer {encode_token(sub)}")


def test_token_not_yet_valid_is_rejected():
    token = encode_token("alice", nbf=int(time.time()) + settings.JWT_LEEWAY_SECONDS + 120)
    assert_refused(f"Bearer {token}")


def test_token_issued_in_the_future_is_rejected():
    token = encode_token("alice", iat=int(time.time()) + settings.JWT_LEEWAY_SECONDS + 120)
    assert_refused(f"Bearer {token}")


def test_nbf_within_leeway_is_accepted():
    token = encode_token("alice", nbf=int(time.time()) + settings.JWT_LEEWAY_SECONDS - 5)
    user, _ = authenticate(f"Bearer {token}")
    assert user.id == "alice"


def test_wrong_issuer_is_rejected_when_issuer_is_configured(settings):
    settings.BETTER_AUTH_ISSUER = "https://auth.example.com"
    assert_refused(f"Bearer {encode_token('alice', iss='https://evil.example')}")


def test_missing_issuer_is_rejected_when_issuer_is_configured(settings):
    settings.BETTER_AUTH_ISSUER = "https://auth.example.com"
    assert_refused(f"Bearer {encode_token('alice')}")


def test_wrong_audience_is_rejected_when_audience_is_configured(settings):
    settings.BETTER_AUTH_AUDIENCE = "https://api.example.com"
    assert_refused(f"Bearer {encode_token('alice', aud='https://other.example')}")


def test_missing_audience_is_rejected_when_audience_is_configured(settings):
    settings.BETTER_AUTH_AUDIENCE = "https://api.example.com"
    assert_refused(f"Bearer {encode_token('alice')}")


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "a.b",
        "a.b.c.d",
        "....",
        "eyJhbGciOiJIUzI1NiJ9.not-json.c2ln",
        f"{b64({'alg': 'HS256'})}.{b64(['not', 'an', 'object'])}.c2ln",
        "ÿ" * 20,
        "abc\x00.def.ghi",
        "a.b.c with spaces",
        "x" * (1024 * 1024),
        "e" * 9000 + ".e.e",
    ],
    ids=[
        "one-segment",
        "two-segments",
        "four-segments",
        "empty-segments",
        "payload-not-json",
        "payload-not-object",
        "non-ascii",
        "nul",
        "spaces",
        "megabyte",
        "over-length-limit",
    ],
)
def test_garbled_token_is_rejected_as_invalid(token):
    assert_refused(f"Bearer {token}")


def test_claims_of_wrong_type_are_rejected():
    assert_refused(f"Bearer {encode_token('alice', exp='tomorrow')}")


# --- WWW-Authenticate ----------------------------------------------------------------------------


def test_authenticate_header_without_token_names_only_the_scheme():
    header = BetterAuthJWTAuthentication().authenticate_header(request_with(None))
    assert header == 'Bearer realm="api"'


def test_authenticate_header_with_a_token_says_invalid_token():
    header = BetterAuthJWTAuthentication().authenticate_header(request_with("Bearer a.b.c"))
    assert header == 'Bearer realm="api", error="invalid_token"'


def test_get_bearer_token_returns_the_token():
    assert get_bearer_token(request_with("Bearer abc.def.ghi")) == "abc.def.ghi"


def test_pyjwt_is_never_asked_to_decode_a_malformed_token(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("jwt.decode called for a malformed token")

    monkeypatch.setattr(jwt, "decode", fail)
    assert_refused("Bearer not a token")
