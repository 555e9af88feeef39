"""Which text can be stored: one rule for request bodies, user ids and cursors alike."""

from __future__ import annotations


def unstorable_text(value: str) -> str | None:
    """Why PostgreSQL could not store or compare ``value``, or None when it can.

    NUL is not allowed in its text, and a lone surrogate (a JSON ``\\ud800`` escape without its
    pair) cannot be encoded as UTF-8 at all.
    """
    if "\x00" in value:
        return "Null characters are not allowed."
    try:
        value.encode()
    except UnicodeEncodeError as exc:
        return f"Surrogate characters are not allowed: U+{ord(value[exc.start]):X}."
    return None
