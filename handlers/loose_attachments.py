"""Which citizens of a worker's batch have photos, voice notes or files that no case holds yet.

A case made, a request cancelled or expired each asked the database to attach or delete
such attachments (an UPDATE or a DELETE, each after a flush of the session): 0.36
statements per event in a surge where almost nobody had sent one. The worker reads the
answer for its batch's citizens at the batch's start, and a media message handled in the
batch adds its citizen; outside a batch (no answer read) the statements always run.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from models import Attachment

_KEY = "loose_attachments"


def prefetch(session: Any, user_ids: list[str]) -> None:
    """Read which of these citizens have attachments no case holds (one statement)."""
    if not user_ids:
        return
    found = set(session.scalars(select(Attachment.line_user_id).distinct().where(
        Attachment.line_user_id.in_(user_ids), Attachment.case_id.is_(None))))
    session.info[_KEY] = (set(user_ids), found)


def may_have(session: Any, user_id: str | None) -> bool:
    """False only when the batch's reading says this citizen has none."""
    known = session.info.get(_KEY)
    return known is None or user_id not in known[0] or user_id in known[1]


def added(session: Any, user_id: str | None) -> None:
    """A media message of this citizen was kept in this session."""
    known = session.info.get(_KEY)
    if known is not None and user_id is not None:
        known[1].add(user_id)
