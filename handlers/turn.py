"""One citizen input being handled: what came in, what we know, what we will answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from models import Conversation
from settings import Settings


@dataclass
class Input:
    """A citizen's input reduced to what the conversation needs."""

    kind: str  # text | location | postback
    text: str = ""
    action: str = ""
    params: dict[str, str] = field(default_factory=dict)
    location: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The table key this input is looked up by: 'text', 'location' or 'postback:<action>'."""
        return f"postback:{self.action}" if self.kind == "postback" else self.kind


@dataclass
class Turn:
    """The context of one handled input; handlers read it and add replies to it."""

    session: Session
    settings: Settings
    conv: Conversation
    user_id: str
    now: datetime
    replies: list[dict[str, Any]] = field(default_factory=list)
    sent_at: datetime | None = None  # when LINE sent the input (None: now)

    @property
    def lang(self) -> str:
        """The language we answer this citizen in."""
        return self.conv.language or "th"

    @property
    def data(self) -> dict[str, Any]:
        """What the citizen has told us so far in this conversation."""
        if self.conv.data is None:
            self.conv.data = {}
        return self.conv.data

    def remember(self, **values: Any) -> None:
        """Store answers in the conversation (JSON column: mark it changed)."""
        self.data.update(values)
        flag_modified(self.conv, "data")

    def forget(self) -> None:
        """Clear the conversation's answers (after a case is made, cancel, or expiry).

        Photos sent during it that no case took are deleted too (PDPA: nothing kept
        without a purpose)."""
        from handlers import loose_attachments
        from models import Attachment

        if loose_attachments.may_have(self.session, self.user_id):
            self.session.execute(delete(Attachment).where(
                Attachment.line_user_id == self.user_id, Attachment.case_id.is_(None)))
        self.conv.data = {}
        self.conv.case_id = None
        flag_modified(self.conv, "data")

    def say(self, *messages: dict[str, Any]) -> None:
        """Add messages to this turn's answer."""
        self.replies.extend(messages)
