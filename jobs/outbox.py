"""The outbox job: deliver queued LINE messages, alerts first, each citizen's in order."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, or_, select, update

from handlers.sender import LineSender, Outcome, next_attempt
from models import OutboundMessage, utcnow
from models.line import SendStatus
from runtime import Runtime

log = logging.getLogger("worker.outbox")

# A round's rows must all be answered before the next round starts, so a round is kept
# small: in a surge a fresh reply waits for one short round, not for 500 staff updates.
BATCH = 100
# Hotline alerts first, then replies (their token is only good for about a minute), then
# other alerts to staff, then everything else.
PRIORITY = {"hotline_alert": 0, "reply": 1}
ALERT_PRIORITY, OTHER_PRIORITY = 2, 3
# An ordered message that has failed this often stops holding back later messages to the
# same chat: order matters to a citizen, but not more than hearing from us at all.
ORDER_HOLD_ATTEMPTS = 5


@dataclass
class Queue:
    """Rows to send one after another: one chat's ordered rows, or a single alert."""

    priority: int
    to: str
    ordered: bool
    ids: list[int] = field(default_factory=list)


def plan(rows: list[tuple[int, str, bool, str]]) -> list[Queue]:
    """Group due rows (id order) into queues: ordered rows per chat, each alert alone."""
    per_chat: dict[str, Queue] = {}
    queues: list[Queue] = []
    for row_id, to, ordered, purpose in rows:
        rank = PRIORITY.get(purpose, OTHER_PRIORITY if ordered else ALERT_PRIORITY)
        if not ordered:
            queues.append(Queue(rank, to, False, [row_id]))
            continue
        queue = per_chat.get(to)
        if queue is None:
            queue = per_chat[to] = Queue(rank, to, True)
            queues.append(queue)
        queue.priority = min(queue.priority, rank)
        queue.ids.append(row_id)
    return sorted(queues, key=lambda q: (q.priority, q.ids[0]))


_ROWS = OutboundMessage.__table__
_MARK_SENT = (update(_ROWS).where(_ROWS.c.id == bindparam("row_id"), _ROWS.c.status == SendStatus.SENDING)
              .values(status=SendStatus.SENT, line_request_id=bindparam("request_id")))


class OutboxSender:
    """Sends due outbox rows through the one LineSender; safe with several workers.

    A round is three steps: claim every due row in one transaction, send without touching
    the database (queues side by side, each chat's in order), record every answer in one
    transaction. The sending threads never wait for the database's write lock, and a round
    of a hundred messages costs two transactions instead of two hundred."""

    def __init__(self, runtime: Runtime, sender: LineSender, stop: threading.Event) -> None:
        self.runtime, self.sender, self._stop = runtime, sender, stop
        # Queues go out side by side (each chat's own queue stays in order in one thread):
        # most of a send is waiting for LINE, and a slow answer must not hold up the rest.
        concurrency = runtime.settings.outbox_concurrency
        self._pool = ThreadPoolExecutor(concurrency, "outbox") if concurrency > 1 else None
        # A claimed row is ours for as long as one reply and one push can take; after a
        # crash another worker takes it over in seconds, not minutes.
        self.lease = timedelta(seconds=2 * runtime.settings.line_timeout_seconds + 5)

    def run(self) -> int:
        """Send what is due now; returns how many rows were attempted."""
        queues, rows = self._claim_due(utcnow())
        if not queues:
            return 0
        # Hotline alerts leave before anything else in the round starts: the 1300 team hears
        # of an emergency before the citizen is asked a question. That costs the other
        # messages one LINE call, only in a round that has an emergency.
        first = [q for q in queues if q.priority == PRIORITY["hotline_alert"]]
        rest = [q for q in queues if q.priority != PRIORITY["hotline_alert"]]
        outcomes: dict[int, Outcome | None] = {}
        try:
            for group in (first, rest):
                for result in self._send_all(group, rows):
                    outcomes.update(result)
        finally:
            # Whatever happens while sending, every claimed row is recorded: sent, to retry,
            # failed, or (not tried: stopped, or held behind an earlier message) released.
            self._record_all(rows, outcomes)
        return sum(1 for o in outcomes.values() if o is not None)

    def _send_all(self, queues: list[Queue], rows: dict[int, OutboundMessage]) -> list[dict[int, Outcome | None]]:
        send = lambda q: self.send_queue(q, rows)  # noqa: E731
        if self._pool is None or len(queues) < 2:
            return [send(q) for q in queues]
        return list(self._pool.map(send, queues))

    def close(self) -> None:
        """Let running sends finish and release the threads."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)

    def send_queue(self, queue: Queue, rows: dict[int, OutboundMessage]) -> dict[int, Outcome | None]:
        """Send a queue's claimed rows in order; an ordered queue stops at the first that does
        not go (the rest are released untried, None)."""
        outcomes: dict[int, Outcome | None] = {}
        blocked = False
        for row_id in queue.ids:
            if blocked or self._stop.is_set() or row_id not in rows:
                # Not ours (another worker claimed it first) or not reached: later rows of an
                # ordered queue must not overtake it.
                blocked = blocked or queue.ordered
                outcomes[row_id] = None
                continue
            outcome = self.sender.send(rows[row_id])
            outcomes[row_id] = outcome
            if outcome.status != "sent" and queue.ordered:
                blocked = True
        return outcomes

    def _claim_due(self, now: datetime) -> tuple[list[Queue], dict[int, OutboundMessage]]:
        """Take every due row this worker may send now, in one transaction."""
        with self.runtime.read() as s:  # an idle poll must not take the write lock
            work = s.scalar(select(OutboundMessage.id).where(or_(
                and_(OutboundMessage.status == SendStatus.PENDING, OutboundMessage.next_attempt_at <= now),
                and_(OutboundMessage.status == SendStatus.SENDING, OutboundMessage.next_attempt_at < now)))
                .limit(1))
        if work is None:
            return [], {}
        with self.runtime.transaction() as s:
            self._recover_stale(s, now)
            columns = (OutboundMessage.id, OutboundMessage.to, OutboundMessage.ordered, OutboundMessage.purpose)
            is_due = and_(OutboundMessage.status == SendStatus.PENDING, OutboundMessage.next_attempt_at <= now)
            # The oldest due rows, and every due hotline alert however many are older: an alert
            # is never held behind anything (it is not ordered), so it may jump the queue.
            due = {tuple(r) for r in s.execute(select(*columns).where(is_due)
                                               .order_by(OutboundMessage.id).limit(BATCH))}
            due |= {tuple(r) for r in s.execute(select(*columns).where(
                is_due, OutboundMessage.purpose == "hotline_alert").limit(BATCH))}
            due = sorted(due)
            if not due:
                return [], {}
            queues = self._clear_to_send(s, plan(due))
            ids = [i for q in queues for i in q.ids]
            claimed: dict[int, OutboundMessage] = {}
            for chunk in range(0, len(ids), 400):  # within every database's parameter limit
                part = ids[chunk:chunk + 400]
                won = s.execute(update(OutboundMessage)
                                .where(OutboundMessage.id.in_(part), OutboundMessage.status == SendStatus.PENDING)
                                .values(status=SendStatus.SENDING, attempts=OutboundMessage.attempts + 1,
                                        next_attempt_at=now + self.lease)
                                .returning(OutboundMessage.id),
                                execution_options={"synchronize_session": False}).scalars().all()
                for row in s.scalars(select(OutboundMessage).where(OutboundMessage.id.in_(won))):
                    claimed[row.id] = row
            for row in claimed.values():
                s.expunge(row)
        return [q for q in queues if q.ids[0] in claimed], claimed

    @staticmethod
    def _clear_to_send(s: Any, queues: list[Queue]) -> list[Queue]:
        """Cut each ordered queue before the first row that an earlier unsent message to the
        same chat (one not in this queue: not due yet, or another worker's) still holds back;
        the queues left with rows. One SELECT for every chat of the round, not one per chat."""
        ordered = [q for q in queues if q.ordered]
        waiting: dict[str, list[int]] = {}
        chats = sorted({q.to for q in ordered})
        top = max((q.ids[-1] for q in ordered), default=0)
        for chunk in range(0, len(chats), 400):  # within every database's parameter limit
            for to, row_id in s.execute(select(OutboundMessage.to, OutboundMessage.id).where(
                    OutboundMessage.to.in_(chats[chunk:chunk + 400]), OutboundMessage.ordered.is_(True),
                    OutboundMessage.id < top,
                    OutboundMessage.status.in_((SendStatus.PENDING, SendStatus.SENDING)),
                    OutboundMessage.attempts < ORDER_HOLD_ATTEMPTS)):
                waiting.setdefault(to, []).append(row_id)
        for queue in ordered:
            mine = set(queue.ids)
            holding = min((i for i in waiting.get(queue.to, ()) if i < queue.ids[-1] and i not in mine),
                          default=None)
            if holding is not None:
                queue.ids = [i for i in queue.ids if i < holding]
        return [q for q in queues if q.ids]

    @staticmethod
    def _recover_stale(s: Any, now: datetime) -> None:
        # A row still 'sending' past its lease belonged to a worker that died mid-send. If it
        # had a reply token, LINE may have used it: remember that, so a used token counts as
        # delivered instead of being pushed again.
        s.execute(update(OutboundMessage).where(
            OutboundMessage.status == SendStatus.SENDING, OutboundMessage.next_attempt_at < now)
            .values(status=SendStatus.PENDING,
                    delivery_unknown=OutboundMessage.reply_token.is_not(None)
                    | OutboundMessage.delivery_unknown))

    def _record_all(self, claimed: dict[int, OutboundMessage], outcomes: dict[int, Outcome | None]) -> None:
        """Store what LINE answered for every claimed row, in one transaction."""
        now = utcnow()
        sent = [{"row_id": i, "request_id": o.request_id} for i, o in outcomes.items()
                if i in claimed and o is not None and o.status == "sent"]
        rest = [i for i in claimed if outcomes.get(i) is None or outcomes[i].status != "sent"]
        with self.runtime.transaction() as s:
            if sent:
                # Most rows: one statement run for all of them, not a row loaded (with its
                # messages) and updated one at a time (half the sender's database time).
                # A row taken over after our lease ran out is left to its new owner.
                s.execute(_MARK_SENT.values(sent_at=now), sent)
            if rest:
                for row in s.scalars(select(OutboundMessage).where(OutboundMessage.id.in_(rest))):
                    if row.status != SendStatus.SENDING:
                        continue  # taken over after our lease ran out: its new owner records it
                    self._record(row, outcomes.get(row.id), now)

    @staticmethod
    def _record(row: OutboundMessage, outcome: Outcome | None, now: datetime) -> None:
        if outcome is None:  # claimed but not tried: it goes back as it was
            row.status, row.attempts, row.next_attempt_at = SendStatus.PENDING, row.attempts - 1, now
            return
        if outcome.status == "sent":
            row.status, row.sent_at, row.line_request_id = SendStatus.SENT, now, outcome.request_id
            return
        row.last_error = (outcome.error or "")[:2000]
        if outcome.status == "retry":
            row.status, row.next_attempt_at = SendStatus.PENDING, next_attempt(row, outcome, now)
            row.delivery_unknown = row.delivery_unknown or (outcome.maybe_delivered
                                                            and row.reply_token is not None)
            log.warning("LINE send %s deferred (attempt %d)", row.id, row.attempts)
        else:
            row.status = SendStatus.FAILED
            log.error("LINE send %s failed for good: %s", row.id, row.last_error.split(":")[0])

