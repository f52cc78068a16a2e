"""The outbox job: deliver queued LINE messages, alerts first, each citizen's in order."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import aliased

from handlers.sender import LineSender, Outcome, next_attempt
from models import OutboundMessage, utcnow
from models.line import SendStatus
from runtime import Runtime

log = logging.getLogger("worker.outbox")

BATCH = 500
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


class OutboxSender:
    """Sends due outbox rows through the one LineSender; safe with several workers."""

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
        now = utcnow()
        self._recover_stale(now)
        with self.runtime.read() as s:
            rows = s.execute(select(OutboundMessage.id, OutboundMessage.to, OutboundMessage.ordered,
                                    OutboundMessage.purpose)
                             .where(OutboundMessage.status == SendStatus.PENDING,
                                    OutboundMessage.next_attempt_at <= now)
                             .order_by(OutboundMessage.id).limit(BATCH)).all()
        queues = plan([tuple(r) for r in rows])
        # Hotline alerts leave before anything else in the round starts: the 1300 team hears
        # of an emergency before the citizen is asked a question. That costs the other
        # messages one LINE call, only in a round that has an emergency.
        first = [q for q in queues if q.priority == PRIORITY["hotline_alert"]]
        rest = [q for q in queues if q.priority != PRIORITY["hotline_alert"]]
        return self._send_all(first) + self._send_all(rest)

    def _send_all(self, queues: list[Queue]) -> int:
        if self._pool is None or len(queues) < 2:
            return sum(self.send_queue(q) for q in queues)
        return sum(self._pool.map(self.send_queue, queues))

    def close(self) -> None:
        """Let running sends finish and release the threads."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)

    def send_queue(self, queue: Queue) -> int:
        """Send a queue's rows in order; an ordered queue stops at the first that does not go."""
        attempted = 0
        for row_id in queue.ids:
            if self._stop.is_set():
                break
            row = self._claim(row_id, queue)
            if row is None:
                if queue.ordered:
                    break  # an earlier message to this chat is still on its way
                continue
            attempted += 1
            if not self._record(row_id, self.sender.send(row)) and queue.ordered:
                break
        return attempted

    def _recover_stale(self, now: datetime) -> None:
        # A row still 'sending' past its lease belonged to a worker that died mid-send. If it
        # had a reply token, LINE may have used it: remember that, so a used token counts as
        # delivered instead of being pushed again.
        with self.runtime.transaction() as s:
            s.execute(update(OutboundMessage).where(
                OutboundMessage.status == SendStatus.SENDING, OutboundMessage.next_attempt_at < now)
                .values(status=SendStatus.PENDING,
                        delivery_unknown=OutboundMessage.reply_token.is_not(None)
                        | OutboundMessage.delivery_unknown))

    def _claim(self, row_id: int, queue: Queue) -> OutboundMessage | None:
        """Take the row if it is still pending (and, if ordered, nothing earlier is unsent)."""
        now = utcnow()
        claim = update(OutboundMessage).where(OutboundMessage.id == row_id,
                                              OutboundMessage.status == SendStatus.PENDING)
        if queue.ordered:
            claim = claim.where(~_unsent_before(row_id, queue.to).exists())
        with self.runtime.transaction() as s:
            won = s.execute(claim.values(status=SendStatus.SENDING,
                                         attempts=OutboundMessage.attempts + 1,
                                         next_attempt_at=now + self.lease))
            if won.rowcount != 1:
                return None
            row = s.get(OutboundMessage, row_id)
            s.expunge(row)
        return row

    def _record(self, row_id: int, outcome: Outcome) -> bool:
        """Store what LINE answered; True if the row is done (sent)."""
        now = utcnow()
        with self.runtime.transaction() as s:
            row = s.get(OutboundMessage, row_id)
            if outcome.status == "sent":
                row.status, row.sent_at, row.line_request_id = SendStatus.SENT, now, outcome.request_id
                return True
            row.last_error = (outcome.error or "")[:2000]
            if outcome.status == "retry":
                row.status, row.next_attempt_at = SendStatus.PENDING, next_attempt(row, outcome, now)
                row.delivery_unknown = row.delivery_unknown or (outcome.maybe_delivered
                                                                and row.reply_token is not None)
                log.warning("LINE send %s deferred (attempt %d)", row.id, row.attempts)
            else:
                row.status = SendStatus.FAILED
                log.error("LINE send %s failed for good: %s", row.id, row.last_error.split(":")[0])
        return False


def _unsent_before(row_id: int, to: str) -> Any:
    """Earlier ordered rows to the same chat that are still unsent and still holding it."""
    earlier = aliased(OutboundMessage)
    return select(earlier.id).where(
        earlier.to == to, earlier.ordered.is_(True), earlier.id < row_id,
        earlier.status.in_((SendStatus.PENDING, SendStatus.SENDING)),
        earlier.attempts < ORDER_HOLD_ATTEMPTS)
