"""nginx tells the app what it saw, and only that: the scheme (X-Forwarded-Proto, trusted with
TRUST_X_FORWARDED_PROTO=1) and the client's address (X-Forwarded-For, see the rate-limit tests)."""

from __future__ import annotations

import pytest

from todo_backend.tests.topology.clients import fetch


@pytest.mark.parametrize(
    "claim",
    [{"X-Forwarded-Proto": "https"}, {"X-Forwarded-Ssl": "on"}, {"X-Forwarded-Protocol": "ssl"}],
    ids=["x-forwarded-proto", "x-forwarded-ssl", "x-forwarded-protocol"],
)
def test_a_clients_claim_of_https_is_replaced_by_the_scheme_nginx_saw(deployed, claim):
    # Straight to an instance the claim is believed (it comes from a trusted address), and the
    # answer carries HSTS, as answers over HTTPS do...
    direct = fetch(f"{deployed.instances[0]}/api/health", headers=claim)
    assert "Strict-Transport-Security" in direct.headers
    # ...but nginx received plain HTTP, and says so.
    proxied = fetch(f"{deployed.base}/api/health", headers=claim)
    assert proxied.status == 200, proxied.body
    assert "Strict-Transport-Security" not in proxied.headers
