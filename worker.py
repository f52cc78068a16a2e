"""The background worker: handles stored events, sends the outbox, fetches attachments,
escalates unacknowledged cases and expires idle conversations.

Run it with `python worker.py` (Procfile `worker:`); `make run` starts one beside the web.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import case, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased

from handlers import cases as c
from handlers import conversation as flow
from handlers.events import handle_event
from handlers.outbox import queue_push
from handlers.sender import LineSender, next_attempt
from handlers.turn import Turn
from models import Attachment, Conversation, InboundEvent, LineUser, OutboundMessage, utcnow
from runtime import Runtime

log = logging.getLogger("worker")

LOCK_SECONDS = 60
SENDING_LEASE = timedelta(seconds=120)
MAX_EVENT_ATTEMPTS = 3
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024


class Worker:
    """One worker process (or thread); several may run against the same database."""

    def __init__(self, runtime: Runtime, sender: LineSender | None = None) -> None:
        self.runtime = runtime
        self.settings = runtime.settings
        self.sender = sender or LineSender(runtime.settings)
        self.name = f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._last_purge = -3600.0

    # ------------------------------------------------------------ loop

    def run_once(self) -> int:
        """Do one round of every kind of work; returns how many items were handled."""
        done = 0
        for step in (self.process_events, self.send_outbox, self.fetch_attachments,
                     self.escalate, self.expire_conversations, self._purge_hourly):
            try:  # one failing step must not stop the others (alerts, escalation)
                done += step()
            except Exception:
                log.exception("worker step %s failed", step.__name__)
        return done

    def run_until_idle(self, max_rounds: int = 50) -> int:
        """Repeat rounds until nothing is left to do now (tests and one-shot runs)."""
        total = 0
        for _ in range(max_rounds):
            done = self.run_once()
            total += done
            if done == 0:
                break
        return total

    def run_forever(self) -> None:
        """Work until stopped; SIGTERM lets the current item finish, then exits."""
        log.info("worker %s started", self.name)
        while not self._stop.is_set():
            try:
                busy = self.run_once()
            except Exception:
                log.exception("worker round failed; retrying")
                busy = 0
            if not busy:
                self._wake.wait(self.settings.worker_poll_seconds)
                self._wake.clear()
        log.info("worker %s stopped", self.name)

    def wake(self) -> None:
        """Start the next round now (the web process calls this after storing events)."""
        self._wake.set()

    def stop(self, *_: Any) -> None:
        """Finish the current item and leave the loop."""
        self._stop.set()
        self._wake.set()

    # ------------------------------------------------------------ inbound events

    def _chats_with_work(self) -> list[str]:
        with self.runtime.transaction() as s:
            rows = s.execute(
                select(InboundEvent.chat_id, func.min(InboundEvent.id).label("first"))
                .where(InboundEvent.status == "pending", _event_due(utcnow()))
                .group_by(InboundEvent.chat_id)
                .order_by("first").limit(20)).all()
        return [r.chat_id for r in rows]

    def _lock_chat(self, chat_id: str) -> bool:
        now = utcnow()
        with self.runtime.transaction() as s:
            insert = pg_insert if s.bind.dialect.name == "postgresql" else sqlite_insert
            s.execute(insert(Conversation).values(chat_id=chat_id, state=flow.IDLE, data={},
                                                  language="th", updated_at=now)
                      .on_conflict_do_nothing(index_elements=["chat_id"]))
            won = s.execute(update(Conversation).where(
                Conversation.chat_id == chat_id,
                or_(Conversation.locked_until.is_(None), Conversation.locked_until < now))
                .values(locked_by=self.name, locked_until=now + timedelta(seconds=LOCK_SECONDS)))
        return won.rowcount == 1

    def _unlock_chat(self, chat_id: str) -> None:
        with self.runtime.transaction() as s:
            s.execute(update(Conversation).where(Conversation.chat_id == chat_id,
                                                 Conversation.locked_by == self.name)
                      .values(locked_by=None, locked_until=None))

    def process_events(self) -> int:
        """Handle pending events chat by chat, in the order LINE sent them."""
        handled = 0
        for chat_id in self._chats_with_work():
            if self._stop.is_set() or not self._lock_chat(chat_id):
                continue
            try:
                handled += self._drain_chat(chat_id)
            finally:
                self._unlock_chat(chat_id)
        return handled

    def _drain_chat(self, chat_id: str) -> int:
        with self.runtime.transaction() as s:
            rows = s.execute(select(InboundEvent.id, InboundEvent.next_attempt_at).where(
                InboundEvent.chat_id == chat_id, InboundEvent.status == "pending")
                .order_by(InboundEvent.timestamp_ms, InboundEvent.id)).all()
        handled = 0
        for event_id, due in rows:
            # Stop at an event waiting for its retry: later messages must not overtake it.
            if (due and due > utcnow()) or not self._handle_one(event_id, chat_id):
                break
            handled += 1
        return handled

    def _handle_one(self, event_id: int, chat_id: str) -> bool:
        """Handle one event in one transaction; False if it failed (it will be retried)."""
        try:
            with self.runtime.transaction() as s:
                row = s.get(InboundEvent, event_id, with_for_update=True)
                if row is None or row.status != "pending":
                    return True
                self._renew_lock(s, chat_id)
                outcome = handle_event(s, self.settings, row.payload or {}, utcnow())
                row.status, row.processed_at, row.payload = "done", utcnow(), None
        except Exception as exc:
            log.exception("event %s failed", event_id)
            self._event_failed(event_id, exc)
            return False
        if outcome.leave_group:
            self._leave(outcome.leave_group)
        return True

    def _renew_lock(self, s: Any, chat_id: str) -> None:
        s.execute(update(Conversation).where(Conversation.chat_id == chat_id,
                                             Conversation.locked_by == self.name)
                  .values(locked_until=utcnow() + timedelta(seconds=LOCK_SECONDS)))

    def _event_failed(self, event_id: int, exc: Exception) -> None:
        with self.runtime.transaction() as s:
            row = s.get(InboundEvent, event_id)
            row.attempts += 1
            row.error = f"{type(exc).__name__}"[:500]
            row.next_attempt_at = utcnow() + timedelta(seconds=2 ** row.attempts)
            if row.attempts < MAX_EVENT_ATTEMPTS:
                return
            row.status, row.payload = "failed", None
            log.error("event %s failed for good; the citizen is given the emergency numbers", event_id)
            if row.chat_id.startswith("U"):
                # A fault of ours must not leave a citizen in silence: apologise and show the
                # numbers to call — the message we could not read may have been an emergency.
                queue_push(s, row.chat_id, [flow.m.emergency_numbers("th", "none"),
                                            flow.m.text(flow.m.t("system_error"))], "error_apology")

    def _leave(self, group_id: str) -> None:
        try:
            self.sender.leave_group(group_id)
        except Exception as exc:  # the group can remove the bot by hand; nothing is lost
            log.warning("could not leave group: %s", type(exc).__name__)

    # ------------------------------------------------------------ outbox

    def _recover_stale_sending(self, now: Any) -> None:
        with self.runtime.transaction() as s:
            s.execute(update(OutboundMessage).where(
                OutboundMessage.status == "sending", OutboundMessage.next_attempt_at < now)
                .values(status="pending"))

    def _claim(self, row_id: int, to: str, now: Any) -> bool:
        # Won only if no earlier message to the same chat is still unsent: with several
        # workers, this keeps each citizen's messages in the order they were written.
        earlier = aliased(OutboundMessage)
        unsent_before = select(earlier.id).where(
            earlier.to == to, earlier.id < row_id, earlier.status.in_(("pending", "sending")))
        with self.runtime.transaction() as s:
            won = s.execute(update(OutboundMessage).where(
                OutboundMessage.id == row_id, OutboundMessage.status == "pending",
                ~unsent_before.exists())
                .values(status="sending", attempts=OutboundMessage.attempts + 1,
                        next_attempt_at=now + SENDING_LEASE))
        return won.rowcount == 1

    def send_outbox(self) -> int:
        """Send due messages in order per recipient; a failure holds that recipient's queue."""
        now = utcnow()
        self._recover_stale_sending(now)
        with self.runtime.transaction() as s:
            # Only what is due, hotline alerts and citizens' replies first: a backlog of
            # deferred group notifications must never hold up an emergency or a reply token.
            urgent = case((OutboundMessage.purpose.in_(("hotline_alert", "reply")), 0), else_=1)
            rows = s.execute(select(OutboundMessage.id, OutboundMessage.to,
                                    OutboundMessage.next_attempt_at)
                             .where(OutboundMessage.status == "pending",
                                    OutboundMessage.next_attempt_at <= now)
                             .order_by(urgent, OutboundMessage.id).limit(200)).all()
        blocked: set[str] = set()
        sent = 0
        for row_id, to, due in rows:
            if to in blocked or due > now or self._stop.is_set():
                blocked.add(to)
                continue
            if not self._claim(row_id, to, now):
                blocked.add(to)
                continue
            if not self._deliver(row_id):
                blocked.add(to)
            sent += 1
        return sent

    def _deliver(self, row_id: int) -> bool:
        # The HTTP call happens outside any transaction: SQLite would otherwise hold its
        # write lock for up to the LINE timeout and stall the webhook.
        with self.runtime.transaction() as s:
            row = s.get(OutboundMessage, row_id)
            s.expunge(row)
        outcome = self.sender.send(row)
        with self.runtime.transaction() as s:
            row = s.get(OutboundMessage, row_id)
            return self._record_outcome(row, outcome)

    def _record_outcome(self, row: OutboundMessage, outcome: Any) -> bool:
        now = utcnow()
        if outcome.status == "sent":
            row.status, row.sent_at, row.line_request_id = "sent", now, outcome.request_id
            row.reply_token = None
            return True
        row.last_error = (outcome.error or "")[:2000]
        if outcome.status == "retry":
            row.status, row.next_attempt_at = "pending", next_attempt(row, outcome, now)
            log.warning("LINE send %s deferred (attempt %d)", row.id, row.attempts)
        else:
            row.status = "failed"
            log.error("LINE send %s failed for good: %s", row.id, row.last_error.split(":")[0])
        return False

    # ------------------------------------------------------------ attachments

    def fetch_attachments(self) -> int:
        """Download new attachments from LINE before LINE deletes them."""
        with self.runtime.transaction() as s:
            ids = s.scalars(select(Attachment.id).where(
                Attachment.status == "pending", Attachment.attempts < 5).limit(10)).all()
        for attachment_id in ids:
            self._fetch_one(attachment_id)
        return len(ids)

    def _fetch_one(self, attachment_id: int) -> None:
        with self.runtime.transaction() as s:
            message_id = s.get(Attachment, attachment_id).line_message_id
        try:
            data, content_type = self.sender.fetch_content(message_id)
            error = None
        except Exception as exc:
            data, content_type, error = b"", None, type(exc).__name__
        with self.runtime.transaction() as s:
            a = s.get(Attachment, attachment_id)
            a.attempts += 1
            if error:
                a.error, a.status = error, ("failed" if a.attempts >= 5 else "pending")
                return
            a.size, a.content_type = len(data), content_type
            too_big = len(data) > MAX_ATTACHMENT_BYTES
            a.content, a.status = (None, "too_large") if too_big else (data, "stored")

    # ------------------------------------------------------------ escalation and expiry

    def escalate(self) -> int:
        """Move cases nobody acknowledged in time up their chain."""
        with self.runtime.transaction() as s:
            return c.escalate_overdue(s, self.settings)

    def expire_conversations(self) -> int:
        """Unanswered danger questions become emergencies; idle conversations expire politely."""
        now = utcnow()
        with self.runtime.transaction() as s:
            # Skip chats a worker is handling right now, and rows another sweep holds.
            stale = s.scalars(select(Conversation).where(
                Conversation.state != flow.IDLE,
                or_(Conversation.locked_until.is_(None), Conversation.locked_until < now),
                flow.timed_out(now, self.settings))
                .limit(50).with_for_update(skip_locked=True)).all()
            for conv in stale:
                self._expire_one(s, conv, now)
        return len(stale)

    def _expire_one(self, s: Any, conv: Conversation, now: Any) -> None:
        turn = Turn(s, self.settings, conv, conv.chat_id, now)
        flow.on_timeout(turn, now)
        user = s.get(LineUser, conv.chat_id)
        if turn.replies and (user is None or user.following):
            queue_push(s, conv.chat_id, turn.replies, "conversation", conv.case_id)


    def _purge_hourly(self) -> int:
        now = time.monotonic()
        if now - self._last_purge < 3600:
            return 0
        self._last_purge = now
        self.purge_sent_messages()
        return 0

    def purge_sent_messages(self) -> int:
        """Blank the bodies of delivered messages past retention (PDPA: they hold phones and
        stories); the row stays as a record that the message was sent."""
        cutoff = utcnow() - timedelta(days=self.settings.outbox_retention_days)
        with self.runtime.transaction() as s:
            # Photos no case took (sent outside any conversation) are kept one day at most.
            s.execute(delete(Attachment).where(Attachment.case_id.is_(None),
                                               Attachment.created_at < utcnow() - timedelta(days=1)))
            done = s.execute(update(OutboundMessage).where(
                OutboundMessage.status.in_(("sent", "failed", "skipped")),
                OutboundMessage.created_at < cutoff, OutboundMessage.purged_at.is_(None))
                .values(messages=[], purged_at=utcnow()))
        return done.rowcount or 0


def _event_due(now: Any) -> Any:
    return or_(InboundEvent.next_attempt_at.is_(None), InboundEvent.next_attempt_at <= now)


def main() -> None:
    """Entry point of the worker process."""
    import settings as app_settings

    settings = app_settings.from_env().check()
    logging.basicConfig(level=settings.log_level,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    runtime = Runtime.build(settings)
    worker = Worker(runtime)
    signal.signal(signal.SIGTERM, worker.stop)
    signal.signal(signal.SIGINT, worker.stop)
    worker.run_forever()


if __name__ == "__main__":
    main()
