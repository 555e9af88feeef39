"""Safe retries of ``POST tasks`` with an ``Idempotency-Key`` header.

One transaction claims the (user, key) record, which is unique, creates the task and stores the
answer in the record. So a retry finds the stored answer and gets it again (same status, body,
``Location`` and ``ETag``, plus ``Idempotent-Replayed: true``) without creating a second task; and
a duplicate racing the first request waits on that unique key until the first commits, then
answers with the first's answer. No duplicate can create a second task, and none is told to come
back later: it gets the answer (so 409 is never needed).

The same key with another body is 422 ``IDEMPOTENCY_KEY_REUSED``. Keys are scoped per user and
expire after ``IDEMPOTENCY_KEY_TTL_HOURS``: an expired record is replaced on use and removed by
``manage.py cleanup_expired``. Requests refused by validation store nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from tasks.models import IdempotencyKey
from todo_backend.exceptions import IdempotencyKeyReused
from todo_backend.renderers import ORJSONRenderer

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
# Visible ASCII, as Stripe and the IETF draft use; the OpenAPI schema states the same pattern.
KEY_CHARACTERS = r"[\x21-\x7e]"
MAX_KEY_LENGTH = 255
_VALID_KEY = re.compile(f"{KEY_CHARACTERS}{{1,{MAX_KEY_LENGTH}}}")


@dataclass(frozen=True)
class Answer:
    """What a create answers; ``once`` gives it back with ``body`` rendered to the exact bytes it
    stored, for the first answer and every replay alike."""

    status: int
    body: Any
    headers: dict[str, str]


def key_of(request) -> str | None:
    """The request's Idempotency-Key, or None; 422 when it is not 1-255 visible ASCII characters."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not _VALID_KEY.fullmatch(key):
        raise ValidationError({HEADER: [f"Must be 1 to {MAX_KEY_LENGTH} visible ASCII characters (e.g. a UUID)."]})
    return key


def keys_valid_since() -> datetime:
    """The oldest moment a stored key is still honoured; older records have expired."""
    return timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)


def fingerprint(body: Any) -> str:
    """The request body as canonical JSON, hashed: the same task sent twice hashes the same.
    (The parser has refused lone surrogates, so every body encodes.)"""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def once(user_id: str, key: str, body: Any, create: Callable[[], Answer]) -> tuple[Answer, bool]:
    """Run ``create`` at most once per (user, key); returns the answer and whether it is a replay."""
    request_print = fingerprint(body)
    for _ in range(2):  # a second round only after removing an expired record
        reserved = False
        try:
            with transaction.atomic():
                # The unique key is claimed first: a duplicate blocks here until this commits.
                record = IdempotencyKey.objects.create(user_id=user_id, key=key, fingerprint=request_print)
                reserved = True
                created = create()
                answer = Answer(created.status, ORJSONRenderer().render(created.body), created.headers)
                record.response_status, record.response_content, record.response_headers = (
                    answer.status,
                    answer.body,
                    answer.headers,
                )
                record.save(update_fields=["response_status", "response_content", "response_headers"])
            return answer, False
        except IntegrityError:
            if reserved:
                raise  # not the key: a genuine error of the create
        stored = IdempotencyKey.objects.filter(user_id=user_id, key=key).first()
        if stored is None:
            continue  # expired and removed meanwhile
        if stored.created_at < keys_valid_since():
            stored.delete()
            continue
        if stored.fingerprint != request_print:
            raise IdempotencyKeyReused()
        return Answer(stored.response_status, bytes(stored.response_content), stored.response_headers), True
    raise IdempotencyKeyReused("This Idempotency-Key is being replaced; retry.")
