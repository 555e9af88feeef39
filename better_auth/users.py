"""Who the caller is: a Better Auth user id, and the user object DRF hands to views."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from todo_backend.text import unstorable_text

# Better Auth's ids are short; the column that stores them (tasks.user_id) holds this many.
USER_ID_MAX_LENGTH = 255


def user_id_error(value: Any) -> str | None:
    """Why ``value`` cannot be a user id, or None when it can.

    A user id is a non-blank string of 1 to 255 characters that the database can store (no NUL,
    no lone surrogate). Tokens, the token login page and the commands all check it here, so what
    one accepts the database can store.
    """
    if not isinstance(value, str) or not value.strip():
        return "A user id must be a non-blank string."
    if len(value) > USER_ID_MAX_LENGTH:
        return f"A user id has at most {USER_ID_MAX_LENGTH} characters."
    return unstorable_text(value)


@dataclass(frozen=True)
class TokenUser:
    """The caller, as the verified token describes them: no database row behind it."""

    id: str
    claims: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    is_authenticated: bool = True
    is_anonymous: bool = False

    @property
    def pk(self) -> str:
        return self.id

    def __str__(self) -> str:
        return self.id
