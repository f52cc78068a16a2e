"""Identifiers shaped like LINE's: user, group and room ids, event ids, message ids."""

from __future__ import annotations

import hashlib
import re
import secrets
import time

BOT_USER_ID = "Ua0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5"
CHAT_ID_PATTERN = re.compile(r"^[UCR][0-9a-f]{32}$")
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def random_user_id() -> str:
    """A new user id: "U" + 32 hex digits."""
    return "U" + secrets.token_hex(16)


def random_group_id() -> str:
    """A new group id: "C" + 32 hex digits."""
    return "C" + secrets.token_hex(16)


def random_room_id() -> str:
    """A new room id: "R" + 32 hex digits."""
    return "R" + secrets.token_hex(16)


def stable_id(prefix: str, name: str) -> str:
    """A deterministic LINE-shaped id (prefix U, C or R) derived from a name."""
    return prefix + hashlib.sha256(name.encode()).hexdigest()[:32]


def is_chat_id(value: object) -> bool:
    """Whether value looks like a LINE user, group or room id."""
    return isinstance(value, str) and bool(CHAT_ID_PATTERN.match(value))


def webhook_event_id() -> str:
    """A 26-character ULID-like id (ms timestamp + randomness, Crockford base32)."""
    number = (int(time.time() * 1000) << 80) | secrets.randbits(80)
    chars = []
    for _ in range(26):
        number, index = divmod(number, 32)
        chars.append(_CROCKFORD[index])
    return "".join(reversed(chars))


def message_id() -> str:
    """A numeric message id string like LINE's."""
    return str(secrets.randbelow(9 * 10**17) + 10**17)
