"""The attachment job: fetch photos, voice notes and files before LINE deletes them."""

from __future__ import annotations

from sqlalchemy import select

from handlers.sender import LineSender
from models import Attachment
from runtime import Runtime

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
MAX_ATTEMPTS = 5
PER_ROUND = 10


class AttachmentFetcher:
    """Downloads pending attachments' bytes from LINE's content endpoint."""

    def __init__(self, runtime: Runtime, sender: LineSender) -> None:
        self.runtime, self.sender = runtime, sender

    def run(self) -> int:
        """Fetch up to a round's worth of pending attachments; returns how many were tried."""
        with self.runtime.transaction() as s:
            ids = s.scalars(select(Attachment.id).where(
                Attachment.status == "pending", Attachment.attempts < MAX_ATTEMPTS)
                .limit(PER_ROUND)).all()
        for attachment_id in ids:
            self._fetch_one(attachment_id)
        return len(ids)

    def _fetch_one(self, attachment_id: int) -> None:
        with self.runtime.transaction() as s:
            message_id = s.get(Attachment, attachment_id).line_message_id
        try:  # the download happens outside any transaction
            data, content_type = self.sender.fetch_content(message_id)
            error = None
        except Exception as exc:
            data, content_type, error = b"", None, type(exc).__name__
        with self.runtime.transaction() as s:
            a = s.get(Attachment, attachment_id)
            a.attempts += 1
            if error:
                a.error, a.status = error, ("failed" if a.attempts >= MAX_ATTEMPTS else "pending")
                return
            a.size, a.content_type = len(data), content_type
            too_big = len(data) > MAX_ATTACHMENT_BYTES
            a.content, a.status = (None, "too_large") if too_big else (data, "stored")
