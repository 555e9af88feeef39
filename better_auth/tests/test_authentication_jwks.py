"""JWKS mode: Better Auth's asymmetric tokens, verified with keys from its JWKS endpoint.

Keys are generated here; the JWKS is served by a local HTTP server (``jwks_server``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import pytest
from cryptography.hazmat.primitives import serialization

from better_auth.tests.helpers import encode_token
from tasks.models import Task
from better_auth.tests.helpers import BETTER_AUTH_URL
from better_auth.tokens import verify_token
from todo_backend.exceptions import InvalidToken

pytestmark = pytest.mark.django_db

ALGORITHMS = ["EdDSA", "ES256", "RS256", "PS256", "ES512"]


def call(api_client, token: str, method: str = "get", path: str = "/api/tasks", body: dict | None = None):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return getattr(api_client, method)(path, body, format="json")


def assert_401(response, code: str = "INVALID_TOKEN") -> None:
    assert response.status_code == 401, response.content
    assert response.json()["error_code"] == code
    assert response["WWW-Authenticate"] == 'Bearer realm="api", error="invalid_token"'


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hs256_signed_with(key_bytes: bytes, kid: str) -> str:
    """An HS256 token whose HMAC key is ``key_bytes``: the algorithm-confusion attack."""
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    payload = b64(json.dumps({"sub": "attacker", "exp": int(time.time()) + 600, "iss": BETTER_AUTH_URL, "aud": BETTER_AUTH_URL}).encode())
    signature = b64(hmac.new(key_bytes, f"{header}.{payload}".encode(), hashlib.sha256).digest())
    return f"{header}.{payload}.{signature}"


# --- accepted --------------------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_better_auth_token_of_each_algorithm_creates_a_task_for_its_user(api_client, jwks_mode, make_signing_key, algorithm):
    key = make_signing_key(algorithm)
    jwks_mode.publish(key)
    response = call(api_client, key.sign("ba-user-42"), "post", body={"title": f"via {algorithm}"})
    assert response.status_code == 201, response.content
    assert Task.objects.get(pk=response.json()["id"]).user_id == "ba-user-42"


@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
def test_jwk_without_an_alg_member_is_used_for_a_fitting_algorithm(api_client, jwks_mode, make_signing_key, algorithm):
    key = make_signing_key(algorithm, publish_alg=False)
    jwks_mode.publish(key)
    assert call(api_client, key.sign()).status_code == 200


def test_shared_secret_tokens_keep_working_beside_jwks(api_client, jwks_mode, make_signing_key):
    jwks_mode.publish(make_signing_key("EdDSA"))
    assert call(api_client, encode_token("hs-user")).status_code == 200
    assert jwks_mode.requests == 0


def test_rotated_key_is_accepted_once_published(api_client, jwks_mode, make_signing_key, settings):
    settings.JWKS_MIN_REFRESH_SECONDS = 0
    old = make_signing_key("EdDSA")
    jwks_mode.publish(old)
    assert call(api_client, old.sign()).status_code == 200
    new = make_signing_key("EdDSA", fresh=True)
    jwks_mode.publish(old, new)
    assert call(api_client, new.sign()).status_code == 200
    assert call(api_client, old.sign()).status_code == 200
    assert jwks_mode.requests == 2


def test_keys_are_fetched_once_for_many_requests(api_client, jwks_mode, make_signing_key):
    key = make_signing_key("ES256")
    jwks_mode.publish(key)
    for index in range(20):
        assert call(api_client, key.sign(f"user-{index}")).status_code == 200
    assert jwks_mode.requests == 1


def test_a_published_key_is_built_once_for_many_tokens(api_client, jwks_mode, make_signing_key, monkeypatch):
    import jwt

    from better_auth import tokens

    key = make_signing_key("ES256")
    jwks_mode.publish(key)
    built = []
    build = jwt.PyJWK
    monkeypatch.setattr(tokens.jwt, "PyJWK", lambda *args, **kwargs: built.append(args) or build(*args, **kwargs))
    for index in range(5):
        assert call(api_client, key.sign(f"user-{index}")).status_code == 200
    assert len(built) == 1


def test_a_key_replaced_under_the_same_kid_refuses_tokens_of_the_old_one(api_client, jwks_mode, make_signing_key, settings):
    settings.JWKS_MIN_REFRESH_SECONDS = 0
    old = make_signing_key("EdDSA", kid="rotating")
    jwks_mode.publish(old)
    token = old.sign()
    assert call(api_client, token).status_code == 200
    replacement = make_signing_key("EdDSA", kid="rotating", fresh=True)
    jwks_mode.publish(replacement)
    # A token naming a kid the worker does not know makes it refresh the key set.
    assert_401(call(api_client, make_signing_key("EdDSA", kid="not-published").sign()))
    assert jwks_mode.requests == 2
    assert_401(call(api_client, token))
    assert call(api_client, replacement.sign()).status_code == 200


# --- refused: claims -------------------------------------------------------------------------------


def test_expired_better_auth_token_is_token_expired(api_client, jwks_mode, make_signing_key):
    key = make_signing_key("EdDSA")
    jwks_mode.publish(key)
    assert_401(call(api_client, key.sign(expires_in=-3600)), "TOKEN_EXPIRED")


@pytest.mark.parametrize(
    "claims",
    [
        {"iss": "http://evil.test"},
        {"aud": "http://evil.test"},
        {"iss": None},
        {"aud": None},
        {"sub": None},
        {"exp": None},
    ],
    ids=["wrong-iss", "wrong-aud", "no-iss", "no-aud", "no-sub", "no-exp"],
)
def test_mis_addressed_or_incomplete_token_is_invalid(api_client, jwks_mode, make_signing_key, claims):
    key = make_signing_key("EdDSA")
    jwks_mode.publish(key)
    assert_401(call(api_client, key.sign(**claims)))


def test_expired_token_with_wrong_issuer_is_invalid_not_expired(api_client, jwks_mode, make_signing_key):
    key = make_signing_key("EdDSA")
    jwks_mode.publish(key)
    assert_401(call(api_client, key.sign(expires_in=-3600, iss="http://evil.test")))


def test_explicit_issuer_and_audience_override_the_better_auth_url(api_client, jwks_mode, make_signing_key, settings):
    settings.BETTER_AUTH_JWKS_ISSUER = "https://issuer.example"
    settings.BETTER_AUTH_JWKS_AUDIENCE = "https://api.example"
    key = make_signing_key("EdDSA")
    jwks_mode.publish(key)
    assert call(api_client, key.sign(iss="https://issuer.example", aud="https://api.example")).status_code == 200
    assert_401(call(api_client, key.sign()))


# --- refused: keys and algorithms -------------------------------------------------------------------


def test_token_signed_by_another_key_under_a_published_kid_is_invalid(api_client, jwks_mode, make_signing_key):
    published = make_signing_key("EdDSA")
    impostor = make_signing_key("EdDSA", kid=published.kid, fresh=True)
    jwks_mode.publish(published)
    assert_401(call(api_client, impostor.sign()))


def test_unknown_kid_is_invalid(api_client, jwks_mode, make_signing_key):
    jwks_mode.publish(make_signing_key("EdDSA"))
    stranger = make_signing_key("EdDSA", fresh=True)
    assert_401(call(api_client, stranger.sign()))


def test_token_without_kid_is_invalid(api_client, jwks_mode, make_signing_key):
    key = make_signing_key("EdDSA")
    jwks_mode.publish(key)
    assert call(api_client, key.sign_with_header({"alg": "EdDSA", "kid": key.kid})).status_code == 200
    assert_401(call(api_client, key.sign_with_header({"alg": "EdDSA"})))


def test_eddsa_header_with_the_kid_of_an_rsa_key_is_invalid(api_client, jwks_mode, make_signing_key):
    rsa_key = make_signing_key("RS256", publish_alg=False)
    jwks_mode.publish(rsa_key)
    forged = make_signing_key("EdDSA", kid=rsa_key.kid, fresh=True).sign()
    assert_401(call(api_client, forged))


def test_es256_header_with_the_kid_of_a_p521_key_is_invalid(api_client, jwks_mode, make_signing_key):
    p521 = make_signing_key("ES512", publish_alg=False)
    jwks_mode.publish(p521)
    forged = make_signing_key("ES256", kid=p521.kid, fresh=True).sign()
    assert_401(call(api_client, forged))


def test_ps256_token_against_a_key_published_for_rs256_is_invalid(api_client, jwks_mode, make_signing_key):
    rs256 = make_signing_key("RS256")
    jwks_mode.publish(rs256)
    ps256_same_key = make_signing_key("PS256", kid=rs256.kid)
    ps256_same_key.private_key = rs256.private_key
    assert_401(call(api_client, ps256_same_key.sign()))


@pytest.mark.parametrize("encoding", ["pem", "der", "jwk-json", "raw"])
def test_hs256_token_signed_with_the_public_key_is_invalid(api_client, jwks_mode, make_signing_key, encoding):
    key = make_signing_key("EdDSA")
    jwks_mode.publish(key)
    public = key.public_key
    key_bytes = {
        "pem": lambda: public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
        "der": lambda: public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo),
        "jwk-json": lambda: json.dumps(key.jwk).encode(),
        "raw": lambda: public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw),
    }[encoding]()
    assert_401(call(api_client, hs256_signed_with(key_bytes, key.kid)))


def test_hs256_token_signed_with_an_rsa_public_key_pem_is_invalid(api_client, jwks_mode, make_signing_key):
    key = make_signing_key("RS256")
    jwks_mode.publish(key)
    pem = key.public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert_401(call(api_client, hs256_signed_with(pem, key.kid)))


def test_symmetric_key_in_the_jwks_is_never_used(api_client, jwks_mode):
    secret = b"a-symmetric-key-someone-published-in-the-jwks"
    jwks_mode.keys = [{"kty": "oct", "kid": "oct-1", "k": b64(secret), "alg": "HS256"}]
    assert_401(call(api_client, hs256_signed_with(secret, "oct-1")))


def test_alg_none_with_a_kid_is_invalid(api_client, jwks_mode, make_signing_key):
    key = make_signing_key("EdDSA")
    jwks_mode.publish(key)
    header = b64(json.dumps({"alg": "none", "kid": key.kid}).encode())
    payload = b64(json.dumps({"sub": "x", "exp": int(time.time()) + 60}).encode())
    assert_401(call(api_client, f"{header}.{payload}.c2ln"))


def test_algorithm_outside_the_allow_list_is_invalid_without_fetching_keys(api_client, jwks_mode, make_signing_key):
    key = make_signing_key("ES384")
    jwks_mode.publish(key)
    assert_401(call(api_client, key.sign()))
    assert jwks_mode.requests == 0


def test_allow_list_is_configurable(api_client, jwks_mode, make_signing_key, settings):
    settings.JWT_ASYMMETRIC_ALGORITHMS = ("ES256",)
    eddsa = make_signing_key("EdDSA")
    es256 = make_signing_key("ES256")
    jwks_mode.publish(eddsa, es256)
    assert_401(call(api_client, eddsa.sign()))
    assert call(api_client, es256.sign()).status_code == 200


def test_asymmetric_token_without_jwks_configured_is_invalid(api_client, make_signing_key, settings):
    settings.BETTER_AUTH_JWKS_URL = ""
    assert_401(call(api_client, make_signing_key("EdDSA").sign()))


def test_shared_secret_token_is_refused_when_no_secret_is_configured(api_client, jwks_mode, settings):
    token = encode_token("hs-user")
    settings.BETTER_AUTH_SECRET = ""
    assert_401(call(api_client, token))


# --- the key server misbehaving ------------------------------------------------------------------


def test_cold_cache_with_jwks_down_is_503_with_retry_after(api_client, jwks_mode, make_signing_key):
    key = make_signing_key("EdDSA")
    jwks_mode.stop()
    response = call(api_client, key.sign())
    assert response.status_code == 503
    assert response.json()["error_code"] == "SERVICE_UNAVAILABLE"
    assert int(response["Retry-After"]) >= 1


def test_warm_cache_keeps_serving_known_keys_with_jwks_down(api_client, jwks_mode, make_signing_key, settings):
    settings.JWKS_CACHE_SECONDS = 1
    key = make_signing_key("EdDSA")
    jwks_mode.publish(key)
    assert call(api_client, key.sign()).status_code == 200
    jwks_mode.stop()
    time.sleep(1.1)  # past the cache lifetime: the refresh fails, the known key still verifies
    assert call(api_client, key.sign()).status_code == 200
    assert_401(call(api_client, make_signing_key("EdDSA", fresh=True).sign()))


def test_slow_jwks_neither_hangs_the_request_nor_errors_500(api_client, jwks_mode, make_signing_key):
    key = make_signing_key("EdDSA")
    jwks_mode.publish(key)
    jwks_mode.mode, jwks_mode.delay = "slow", 5
    started = time.monotonic()
    response = call(api_client, key.sign())
    assert time.monotonic() - started < 3
    assert response.status_code == 503


def test_flood_of_random_kids_causes_one_fetch(api_client, jwks_mode, make_signing_key):
    key = make_signing_key("EdDSA")
    jwks_mode.publish(key)
    call(api_client, key.sign())
    for index in range(50):
        forged = make_signing_key("EdDSA", kid=f"random-{index}").sign()
        assert_401(call(api_client, forged))
    assert jwks_mode.requests == 1


# --- the verifier, called directly -------------------------------------------------------------------


def test_verified_claims_are_better_auths(jwks_mode, make_signing_key):
    key = make_signing_key("EdDSA")
    jwks_mode.publish(key)
    claims = verify_token(key.sign("ba-user-7"))
    assert claims["sub"] == claims["id"] == "ba-user-7"
    assert claims["email"] == "user@example.com"


def test_token_without_typ_header_is_accepted(jwks_mode, make_signing_key):
    key = make_signing_key("EdDSA")
    jwks_mode.publish(key)
    token = key.sign()
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert "typ" not in header
    assert verify_token(token)["sub"] == "ba-user-1"


def test_kid_that_is_not_a_string_is_invalid(jwks_mode, make_signing_key):
    key = make_signing_key("EdDSA")
    jwks_mode.publish(key)
    with pytest.raises(InvalidToken):
        verify_token(key.sign_with_header({"alg": "EdDSA", "kid": ["a", "list"]}))
