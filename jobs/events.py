"""The event job: handle stored webhook events, each chat's in the order LINE sent them."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select, update

from handlers import conversation as flow
from handlers import loose_attachments, ratelimit, staff_core
from handlers.cases import prefetch_recent_cases
from handlers.events import EventOutcome, handle_event, prefetch_line_users
from handlers.loading import LOADING_SECONDS, loading_seconds, queued_messages
from handlers.outbox import queue_push
from handlers.sender import LineSender
from handlers.staff_actions import prefetch_relay_cases
from models import Case, Conversation, InboundEvent, utcnow
from models.base import insert_ignore
from models.inbox import MOVED_COLUMNS, InboxEvent
from models.line import EventStatus
from runtime import Runtime, keep_loaded

log = logging.getLogger("worker.events")

# A chat is locked while one worker handles it; the lock is renewed with every event, so a
# worker that died holds it only this long.
LOCK_SECONDS = 15
MAX_EVENT_ATTEMPTS = 3
# A round takes the chats whose oldest waiting event is oldest, and at most a few events of
# each: in a surge every new person's first message is answered in the next round instead
# of after everything the people before them wrote. Per-chat order is kept. A round is 50
# chats, not all of them: with several workers the first to lock would take every chat and
# leave the others idle.
CHATS_PER_ROUND = 50
EVENTS_PER_CHAT_PER_ROUND = 1
# A round ends after this long (the rest waits for the next one), so locks never run out
# while a chat waits its turn.
ROUND_SECONDS = 2.0
# Events handled in one transaction (each in a savepoint of its own): a commit, and on
# SQLite the wait for the write lock, per batch instead of per event. Short enough that
# replies are queued within a fraction of a second and the sender gets the lock between.
BATCH_EVENTS = 20
BATCH_SECONDS = 0.25


class EventQueue:
    """Claims chats with pending events and handles their events one transaction each."""

    def __init__(self, runtime: Runtime, sender: LineSender, name: str, stop: threading.Event) -> None:
        self.runtime, self.settings, self.sender = runtime, runtime.settings, sender
        self.name, self._stop = name, stop
        self._side_calls = ThreadPoolExecutor(2, "loading")
        self._locked_at: dict[str, datetime] = {}
        self._loading_shown: dict[str, float] = {}

    def run(self) -> int:
        """Handle one fair round of pending events; returns how many were handled."""
        take_inbox(self.runtime)
        chats = self._chats_with_work()
        if not chats:
            return 0
        pending = self._lock_chats(chats)
        handled = 0
        try:
            handled = self._round(pending)
        finally:
            with self.runtime.transaction() as s:
                self._unlock_chats(s, list(pending))
        return handled

    def _round(self, pending: dict[str, list[tuple[int, Any]]]) -> int:
        """Each locked chat's next events in turn: the first of every chat, then the second.

        Several events share one transaction (a batch). If one of them fails, nothing of the
        batch is committed and its events are handled again one transaction each, so the
        failing one is rolled back alone and retried later while the others commit. A batch
        ends after BATCH_EVENTS events or BATCH_SECONDS, so replies leave and SQLite's write
        lock passes to the sender between batches."""
        order = [(chat_id, events[turn]) for turn in range(EVENTS_PER_CHAT_PER_ROUND)
                 for chat_id, events in pending.items() if turn < len(events)]
        handled, stopped = 0, set()
        deadline = time.monotonic() + ROUND_SECONDS
        while order and not self._stop.is_set() and time.monotonic() <= deadline:
            done, order = self._batch(order, stopped, deadline)
            handled += done
        return handled

    def _batch(self, order: list[tuple[str, tuple[int, Any]]], stopped: set[str],
               deadline: float) -> tuple[int, list[tuple[str, tuple[int, Any]]]]:
        """Handle events from the front of `order` in one transaction; returns how many were
        handled and what is left. A chat whose event waits for its retry (or failed, in the
        one-at-a-time pass) is added to `stopped`: its later events must not overtake it.

        No savepoint per event: one cost two statements and a flush of its own per event
        (a fifth of the worker's time in cProfile), while a failing event is rare and its
        batch is simply done again one event at a time."""
        handled: list[EventOutcome] = []
        finished: list[tuple[InboundEvent, datetime]] = []
        stopping: set[str] = set()
        taken = 0
        try:
            with self.runtime.transaction() as s:
                locked = self._prefetch(keep_loaded(s), order[:BATCH_EVENTS], stopped)
                ends = min(deadline, time.monotonic() + BATCH_SECONDS)
                while taken < len(order) and len(handled) < BATCH_EVENTS:
                    # The time limits count from the first event on: a batch that waited
                    # long for the write lock still handles one (else a slow machine could
                    # spend a round on batches that handle nothing, and the round look idle).
                    if self._stop.is_set() or handled and time.monotonic() > ends:
                        break
                    chat_id, (event_id, due) = order[taken]
                    taken += 1
                    if chat_id in stopped or chat_id in stopping:
                        continue
                    if due and due > utcnow():  # waiting for its retry
                        stopping.add(chat_id)
                        continue
                    handled.append(self._handle_in(s, event_id, chat_id, event_id in locked, finished))
                # Marked done together: one UPDATE for the batch, in its transaction.
                for row, at in finished:
                    row.status, row.processed_at, row.payload = EventStatus.DONE, at, None
        except Exception:
            # Nothing of this batch was committed: its events again, each in a transaction of
            # its own, so one that fails cannot take the others with it.
            log.warning("a batch of events failed; handling them one at a time")
            return self._one_by_one(order[:taken], stopped), order[taken:]
        stopped |= stopping
        for outcome in handled:
            self._after(outcome)
        return len(handled), order[taken:]

    def _prefetch(self, s: Any, order: list[tuple[str, tuple[int, Any]]], stopped: set[str]) -> set[int]:
        """Read the batch's events (locked), conversations, their open cases, citizens, the
        citizens' counts of recent messages (the rate limit), their newest cases, the staff
        messages awaiting their answer, their photos no case holds yet and which of them
        are staff in nine statements instead of nine or more per event; the session holds them (keep_loaded).
        Returns the ids of the events read."""
        chats = [chat_id for chat_id, _ in order if chat_id not in stopped]
        if not chats:
            return set()
        ids = [event_id for chat_id, (event_id, _) in order if chat_id not in stopped]
        rows = s.scalars(select(InboundEvent).where(InboundEvent.id.in_(ids)).with_for_update()).all()
        conversations = s.scalars(select(Conversation).where(Conversation.chat_id.in_(chats))).all()
        # The cases the conversations are filling in (an emergency's questions read theirs
        # at every answer): in the session too, not read one at a time, each after a flush.
        cases = sorted({c.case_id for c in conversations if c.case_id})
        if cases:
            s.scalars(select(Case).where(Case.id.in_(cases))).all()
        users = [c for c in chats if c.startswith("U")]
        prefetch_line_users(s, sorted(set(users)))
        ratelimit.count_recent(s, sorted(set(users)), utcnow())
        prefetch_recent_cases(s, sorted(set(users)))
        prefetch_relay_cases(s, sorted(set(users)), utcnow())
        loose_attachments.prefetch(s, sorted(set(users)))
        staff_core.note_not_staff(s, sorted(set(users)))
        return {row.id for row in rows}

    def _one_by_one(self, order: list[tuple[str, tuple[int, Any]]], stopped: set[str]) -> int:
        handled = 0
        for chat_id, (event_id, due) in order:
            if chat_id in stopped:
                continue
            if (due and due > utcnow()) or not self._handle_one(event_id, chat_id):
                stopped.add(chat_id)
                continue
            handled += 1
        return handled

    def _chats_with_work(self) -> list[str]:
        """Chats with due events that no other worker is handling, oldest first."""
        now = utcnow()
        with self.runtime.read() as s:
            rows = s.execute(
                select(InboundEvent.chat_id, func.min(InboundEvent.id).label("first"))
                .outerjoin(Conversation, Conversation.chat_id == InboundEvent.chat_id)
                .where(InboundEvent.status == EventStatus.PENDING, _event_due(now),
                       or_(Conversation.locked_until.is_(None), Conversation.locked_until < now))
                .group_by(InboundEvent.chat_id)
                .order_by("first").limit(CHATS_PER_ROUND)).all()
        return [r.chat_id for r in rows]

    def _lock_chats(self, chats: list[str]) -> dict[str, list[tuple[int, Any]]]:
        """Lock the chats for this worker (one transaction) and list each one's next events;
        chats another worker holds are left out."""
        now = utcnow()
        with self.runtime.transaction() as s:
            insert_ignore(s, Conversation, [{"chat_id": c, "state": flow.IDLE, "data": {}, "language": "th",
                                             "updated_at": now} for c in chats], ["chat_id"])
            won = set(s.execute(update(Conversation).where(
                Conversation.chat_id.in_(chats),
                or_(Conversation.locked_until.is_(None), Conversation.locked_until < now))
                .values(locked_by=self.name, locked_until=now + timedelta(seconds=LOCK_SECONDS))
                .returning(Conversation.chat_id),
                execution_options={"synchronize_session": False}).scalars())
            pending: dict[str, list[tuple[int, Any]]] = {c: [] for c in chats if c in won}
            for chat_id, event_id, due in s.execute(
                    select(InboundEvent.chat_id, InboundEvent.id, InboundEvent.next_attempt_at)
                    .where(InboundEvent.chat_id.in_(list(pending)), InboundEvent.status == EventStatus.PENDING)
                    .order_by(InboundEvent.chat_id, InboundEvent.timestamp_ms, InboundEvent.id)):
                if len(pending[chat_id]) < EVENTS_PER_CHAT_PER_ROUND:
                    pending[chat_id].append((event_id, due))
            for chat_id in pending:
                self._locked_at[chat_id] = now
            # LINE animates one-to-one chats only
            self._maybe_show_loading(s, {c: e[0][0] for c, e in pending.items() if e and c.startswith("U")})
        return pending

    def _maybe_show_loading(self, s: Any, first_ids: dict[str, int]) -> None:
        # At most one animation per chat while one could still be running: in a surge a
        # citizen writing line after line got one call to LINE per line (a third of the
        # worker's time), and LINE ends the animation anyway when the answer arrives.
        # The round's chats are looked up together: two statements, not two per chat.
        now = time.monotonic()
        if len(self._loading_shown) > 10_000:
            self._loading_shown = {c: t for c, t in self._loading_shown.items() if now - t < LOADING_SECONDS}
        first_ids = {c: i for c, i in first_ids.items()
                     if now - self._loading_shown.get(c, -LOADING_SECONDS) >= LOADING_SECONDS}
        if not first_ids:
            return
        payloads = dict(s.execute(select(InboundEvent.id, InboundEvent.payload)
                                  .where(InboundEvent.id.in_(list(first_ids.values())))).all())
        # The cheap test first; the count of queued messages only when it could matter.
        stories = {c: payloads.get(i) or {} for c, i in first_ids.items()
                   if loading_seconds(payloads.get(i) or {}, 0)}
        if not stories:
            return
        queued = queued_messages(s, list(stories))
        for chat_id, payload in stories.items():
            if seconds := loading_seconds(payload, queued.get(chat_id, 0)):
                self._loading_shown[chat_id] = now
                self._show_loading(chat_id, seconds)

    def _show_loading(self, chat_id: str, seconds: int) -> None:
        # LINE's typing dots while the answer is being made; sent beside the work, never
        # in its way (a failure only means no dots).
        self._side_calls.submit(self.sender.show_loading, chat_id, seconds)

    def _unlock_chats(self, s: Any, chat_ids: list[str]) -> None:
        for chat_id in chat_ids:
            self._locked_at.pop(chat_id, None)
        if chat_ids:
            s.execute(update(Conversation).where(Conversation.chat_id.in_(chat_ids),
                                                 Conversation.locked_by == self.name)
                      .values(locked_by=None, locked_until=None),
                      execution_options={"synchronize_session": False})

    def _handle_one(self, event_id: int, chat_id: str) -> bool:
        """Handle one event in one transaction; False if it failed (it will be retried)."""
        try:
            with self.runtime.transaction() as s:
                outcome = self._handle_in(s, event_id, chat_id)
        except Exception as exc:
            log.exception("event %s failed", event_id)
            self._event_failed(event_id, exc)
            return False
        self._after(outcome)
        return True

    def _handle_in(self, s: Any, event_id: int, chat_id: str, locked: bool = False,
                   done: list[tuple[InboundEvent, datetime]] | None = None) -> EventOutcome:
        """Handle one event inside the caller's transaction (nothing if it was done already);
        `locked`: the transaction read the row FOR UPDATE already (the session holds it);
        `done`: the row and its time are added there, for the caller to mark it done in the
        same transaction, instead of being marked now."""
        row = s.get(InboundEvent, event_id, with_for_update=None if locked else True)
        if row is None or row.status != EventStatus.PENDING:
            return EventOutcome()
        self._renew_lock_if_old(s, chat_id)
        outcome = handle_event(s, self.settings, row.payload or {}, utcnow())
        if done is None:
            row.status, row.processed_at, row.payload = EventStatus.DONE, utcnow(), None
        else:
            done.append((row, utcnow()))
        return outcome

    def _after(self, outcome: EventOutcome) -> None:
        """What an event asked for once its work is committed."""
        if outcome.leave_group:
            self._leave(outcome.leave_group)

    def _renew_lock_if_old(self, s: Any, chat_id: str) -> None:
        # Renewed only once a third of it has passed: a long chat keeps its lock, and a
        # short one is not charged an extra UPDATE per event.
        now = utcnow()
        if now < self._locked_at.get(chat_id, now) + timedelta(seconds=LOCK_SECONDS / 3):
            return
        self._locked_at[chat_id] = now
        s.execute(update(Conversation).where(Conversation.chat_id == chat_id,
                                             Conversation.locked_by == self.name)
                  .values(locked_until=now + timedelta(seconds=LOCK_SECONDS)),
                  execution_options={"synchronize_session": False})

    def _event_failed(self, event_id: int, exc: Exception) -> None:
        with self.runtime.transaction() as s:
            row = s.get(InboundEvent, event_id)
            row.attempts += 1
            row.error = f"{type(exc).__name__}"[:500]
            row.next_attempt_at = utcnow() + timedelta(seconds=2 ** row.attempts)
            if row.attempts < MAX_EVENT_ATTEMPTS:
                return
            row.status, row.payload = EventStatus.FAILED, None
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


    def close(self) -> None:
        """Let pending side calls finish."""
        self._side_calls.shutdown(wait=True)


INBOX_BATCH = 1000


def take_inbox(runtime: Runtime) -> int:
    """Move what the webhook stored in the SQLite inbox into `inbound_events` (see
    models/inbox.py); returns how many rows were moved. Nothing to do on PostgreSQL."""
    if runtime.inbox_engine is None:
        return 0
    moved = 0
    while True:
        with runtime.inbox(readonly=True) as s:  # the webhook keeps writing meanwhile
            rows = s.execute(select(*(getattr(InboxEvent, c) for c in ("id", *MOVED_COLUMNS)))
                             .order_by(InboxEvent.id).limit(INBOX_BATCH)).all()
        if not rows:
            return moved
        with runtime.transaction() as s:
            insert_ignore(s, InboundEvent, [{**{c: getattr(r, c) for c in MOVED_COLUMNS},
                                             "status": EventStatus.PENDING, "attempts": 0} for r in rows],
                          ["webhook_event_id"])
        # Only now out of the inbox: a crash before this line moves them again, and the unique
        # webhookEventId drops the copies.
        with runtime.inbox() as s:
            s.execute(delete(InboxEvent).where(InboxEvent.id <= rows[-1].id))
        moved += len(rows)
        if len(rows) < INBOX_BATCH:
            return moved


def inbox_waiting(runtime: Runtime) -> int:
    """How many stored events wait in the SQLite inbox to be moved (0 on PostgreSQL)."""
    if runtime.inbox_engine is None:
        return 0
    with runtime.inbox(readonly=True) as s:
        return s.scalar(select(func.count(InboxEvent.id))) or 0


def _event_due(now: Any) -> Any:
    return or_(InboundEvent.next_attempt_at.is_(None), InboundEvent.next_attempt_at <= now)
