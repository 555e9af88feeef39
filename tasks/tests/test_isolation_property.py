"""Isolation as a property: random sequences of every action, by three users, on both route
families. After every step each user's list and deletions equal a model of that user's tasks, and
every attempt on another user's task was a 404 (or a 403 for a path naming another user) that
changed nothing, whatever conditional header it carried."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import (
    Bundle, RuleBasedStateMachine, consumes, initialize, invariant, multiple, rule, run_state_machine_as_test,
)
from rest_framework.test import APIClient

from better_auth.tests.helpers import encode_token
from tasks.models import IdempotencyKey, Task
from todo_backend.counters import shared_counters

# Slow: a stateful property test.
pytestmark = pytest.mark.slow

USERS = ("alice", "bob", "carol")
FAMILIES = ("token", "path")
FIELDS = ("title", "description", "completed")

titles = st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=20).filter(str.strip)
descriptions = st.none() | st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=30)


def prefix(family: str, user: str) -> str:
    return "/api" if family == "token" else f"/api/{user}"


class IsolationMachine(RuleBasedStateMachine):
    tasks = Bundle("tasks")

    @initialize()
    def start(self) -> None:
        Task.objects.all().delete()
        IdempotencyKey.objects.all().delete()
        shared_counters().clear()  # each run starts with fresh rate-limit counters
        self.clients = {}
        for user in USERS:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {encode_token(user)}")
            self.clients[user] = client
        self.model: dict[str, dict[int, dict]] = {user: {} for user in USERS}
        self.deleted: dict[str, set[int]] = {user: set() for user in USERS}
        self.keyed: dict[tuple[str, str], int] = {}  # (user, Idempotency-Key) -> the task it created

    # --- the owner's actions --------------------------------------------------------------------

    @rule(target=tasks, owner=st.sampled_from(USERS), family=st.sampled_from(FAMILIES), title=titles,
          description=descriptions, completed=st.booleans())
    def create(self, owner, family, title, description, completed):
        body = {"title": title, "description": description, "completed": completed, "user_id": "someone-else"}
        response = self.clients[owner].post(f"{prefix(family, owner)}/tasks", body, format="json")
        assert response.status_code == 201, response.content
        task = response.json()
        assert task["user_id"] == owner
        self.model[owner][task["id"]] = {"title": title.strip(), "description": description, "completed": completed}
        return (owner, task["id"])

    @rule(target=tasks, owner=st.sampled_from(USERS), family=st.sampled_from(FAMILIES), key=st.sampled_from(["k1", "k2"]))
    def create_with_idempotency_key(self, owner, family, key):
        # Keys are per user: "k1" of alice and "k1" of bob are two different tasks.
        response = self.clients[owner].post(
            f"{prefix(family, owner)}/tasks", {"title": f"keyed {key}"}, format="json", HTTP_IDEMPOTENCY_KEY=key
        )
        assert response.status_code == 201, response.content
        task_id = response.json()["id"]
        if (owner, key) in self.keyed:
            assert task_id == self.keyed[owner, key]
            assert response["Idempotent-Replayed"] == "true"
            return multiple()
        self.keyed[owner, key] = task_id
        self.model[owner][task_id] = {"title": f"keyed {key}", "description": None, "completed": False}
        return (owner, task_id)

    @rule(task=tasks, family=st.sampled_from(FAMILIES), title=titles)
    def put(self, task, family, title):
        owner, task_id = task
        response = self.clients[owner].put(f"{prefix(family, owner)}/tasks/{task_id}", {"title": title}, format="json")
        if task_id in self.model[owner]:
            assert response.status_code == 200
            self.model[owner][task_id]["title"] = title.strip()
        else:
            assert response.status_code == 404

    @rule(task=tasks, family=st.sampled_from(FAMILIES), description=descriptions)
    def patch(self, task, family, description):
        owner, task_id = task
        response = self.clients[owner].patch(f"{prefix(family, owner)}/tasks/{task_id}", {"description": description}, format="json")
        if task_id in self.model[owner]:
            assert response.status_code == 200
            self.model[owner][task_id]["description"] = description
        else:
            assert response.status_code == 404

    @rule(task=tasks, family=st.sampled_from(FAMILIES), value=st.none() | st.booleans())
    def complete(self, task, family, value):
        owner, task_id = task
        body = {} if value is None else {"completed": value}
        response = self.clients[owner].patch(f"{prefix(family, owner)}/tasks/{task_id}/complete", body, format="json")
        if task_id in self.model[owner]:
            assert response.status_code == 200
            current = self.model[owner][task_id]["completed"]
            self.model[owner][task_id]["completed"] = (not current) if value is None else value
        else:
            assert response.status_code == 404

    @rule(task=consumes(tasks), family=st.sampled_from(FAMILIES))
    def delete(self, task, family):
        owner, task_id = task
        response = self.clients[owner].delete(f"{prefix(family, owner)}/tasks/{task_id}")
        assert response.status_code == 204
        del self.model[owner][task_id]
        self.deleted[owner].add(task_id)

    # --- everyone else's attempts ----------------------------------------------------------------

    @rule(task=tasks, intruder=st.sampled_from(USERS), family=st.sampled_from(FAMILIES),
          action=st.sampled_from(["get", "put", "patch", "complete", "delete"]),
          condition=st.sampled_from([None, "*", "owner's etag"]))
    def intrude(self, task, intruder, family, action, condition):
        owner, task_id = task
        if intruder == owner:
            return
        headers = {}
        if condition == "*":
            headers = {"HTTP_IF_MATCH": "*", "HTTP_IF_NONE_MATCH": "*"}
        elif condition and task_id in self.model[owner]:
            etag = self.clients[owner].get(f"/api/tasks/{task_id}")["ETag"]  # the real, current one
            headers = {"HTTP_IF_MATCH": etag, "HTTP_IF_NONE_MATCH": etag}
        client, base = self.clients[intruder], f"{prefix(family, intruder)}/tasks/{task_id}"
        response = {
            "get": lambda: client.get(base, **headers),
            "put": lambda: client.put(base, {"title": "stolen"}, format="json", **headers),
            "patch": lambda: client.patch(base, {"completed": True}, format="json", **headers),
            "complete": lambda: client.patch(f"{base}/complete", format="json", **headers),
            "delete": lambda: client.delete(base, **headers),
        }[action]()
        assert response.status_code == 404, (action, response.content)
        assert response.json()["error_code"] == "RESOURCE_NOT_FOUND"

    @rule(intruder=st.sampled_from(USERS), victim=st.sampled_from(USERS), write=st.booleans())
    def name_another_user_in_the_path(self, intruder, victim, write):
        if intruder == victim:
            return
        client = self.clients[intruder]
        if write:
            response = client.post(f"/api/{victim}/tasks", {"title": "planted"}, format="json")
        else:
            response = client.get(f"/api/{victim}/tasks")
        assert response.status_code == 403
        assert response.json()["error_code"] == "FORBIDDEN"

    # --- after every step ------------------------------------------------------------------------

    @invariant()
    def every_list_is_exactly_its_owners_tasks(self):
        if not hasattr(self, "model"):
            return
        for user in USERS:
            for family in FAMILIES:
                listed = self.clients[user].get(f"{prefix(family, user)}/tasks").json()
                assert {task["id"]: {field: task[field] for field in FIELDS} for task in listed} == self.model[user]
                assert all(task["user_id"] == user for task in listed)
            gone = self.clients[user].get("/api/tasks/deleted").json()
            assert {tombstone["id"] for tombstone in gone} == self.deleted[user]


@pytest.mark.django_db
def test_users_only_ever_see_and_change_their_own_tasks():
    run_state_machine_as_test(
        IsolationMachine,
        settings=settings(
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
