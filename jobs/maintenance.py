"""The maintenance job: hourly clean-up of what PDPA says not to keep."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, update

from models import Attachment, OutboundMessage, utcnow
from models.line import SendStatus
from runtime import Runtime

UNCLAIMED_ATTACHMENT_DAYS = 1


def purge_sent_messages(runtime: Runtime) -> int:
    """Blank the bodies of delivered messages past retention (they hold phones and stories);
    the row stays as a record that the message was sent. Returns how many were blanked."""
    now = utcnow()
    cutoff = now - timedelta(days=runtime.settings.outbox_retention_days)
    with runtime.transaction() as s:
        # Photos no case took (sent outside any conversation) are kept one day at most.
        s.execute(delete(Attachment).where(
            Attachment.case_id.is_(None),
            Attachment.created_at < now - timedelta(days=UNCLAIMED_ATTACHMENT_DAYS)))
        done = s.execute(update(OutboundMessage).where(
            OutboundMessage.status.in_((SendStatus.SENT, SendStatus.FAILED, SendStatus.SKIPPED)),
            OutboundMessage.created_at < cutoff, OutboundMessage.purged_at.is_(None))
            .values(messages=[], purged_at=now))
    return done.rowcount or 0
