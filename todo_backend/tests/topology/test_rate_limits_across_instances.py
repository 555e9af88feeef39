"""Rate limits behind nginx: one count per user for every worker of every instance (Redis), and
one per client address, the address nginx saw (NUM_PROXIES=1), whatever the client claims."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

from todo_backend.tests.topology.clients import Answer, fetch
from todo_backend.tests.topology.deployment import ANON_LIMIT, USER_LIMIT, Deployment, fresh_user, token_for

EXTRA = 20


def fresh_addresses(count: int) -> list[str]:
    """Loopback addresses (127.0.0.0/8) no earlier run has likely used: their counters in the
    shared Redis are new."""
    network = random.randrange(1, 255), random.randrange(1, 255)
    return [f"127.{network[0]}.{network[1]}.{host}" for host in range(2, 2 + count)]


def without_token(deployed: Deployment, source: str, headers: dict[str, str] | None = None) -> Answer:
    return fetch(f"{deployed.base}/api/tasks", source=source, headers=headers)


def test_a_users_limit_is_shared_by_every_worker_of_every_instance(deployed):
    token = token_for(fresh_user("limited"))

    def get(_: int) -> Answer:
        return fetch(f"{deployed.base}/api/tasks", token=token)

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(get, range(USER_LIMIT + EXTRA)))
    statuses = [answer.status for answer in answers]
    assert statuses.count(200) == USER_LIMIT
    assert statuses.count(429) == EXTRA
    assert len({deployed.instance_of(answer) for answer in answers if answer.status == 200}) == 2
    assert len({deployed.instance_of(answer) for answer in answers if answer.status == 429}) == 2


def test_distinct_client_addresses_are_distinct_clients_to_the_limiter(deployed):
    first, second = fresh_addresses(2)
    statuses = [without_token(deployed, first).status for _ in range(ANON_LIMIT + 2)]
    assert statuses == [401] * ANON_LIMIT + [429, 429]
    assert without_token(deployed, second).status == 401, "another address has its own count"


def test_a_forged_x_forwarded_for_does_not_change_the_clients_address(deployed):
    over_limit, innocent, forger = fresh_addresses(3)
    for _ in range(ANON_LIMIT):
        assert without_token(deployed, over_limit).status == 401
    assert without_token(deployed, over_limit).status == 429

    # The over-limit client claims to be someone else: still counted as itself.
    claims = {"X-Forwarded-For": innocent}
    assert without_token(deployed, over_limit, claims).status == 429
    # Another client blames the over-limit one: counted as itself, not refused for the other's count.
    blame = {"X-Forwarded-For": over_limit}
    assert [without_token(deployed, forger, blame).status for _ in range(ANON_LIMIT)] == [401] * ANON_LIMIT
