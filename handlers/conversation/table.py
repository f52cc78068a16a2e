"""The conversation as one table: (state, event) → (handler, the states it may lead to).

Everything the conversation does is a row here: cancel, danger in an answer, corrections,
"don't know", stickers and photos, stale buttons, the danger-question timeout and the idle
expiry. `handle` runs a citizen's input through it; `on_timeout` runs the worker's timeouts.
conversation.md's diagram is generated from this table (`python -m handlers.conversation`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_

from handlers import messages as m
from handlers.conversation import answers as a
from handlers.conversation import start as s
from handlers.conversation.reader import read
from handlers.conversation.states import (
    ASK_AGE,
    ASK_CONSENT,
    ASK_INFO,
    ASK_PHONE,
    ASK_PLACE,
    ASK_PROBLEM,
    ASK_SUBJECT,
    CANCEL,
    CHECK_DANGER,
    CHOOSE_EDIT,
    CHOOSE_PLACE,
    CHOOSE_TOPIC,
    CONFIRM,
    CORRECTION,
    DANGER,
    EMERGENCY_PHONE,
    EMERGENCY_PLACE,
    FOLLOW,
    IDLE,
    LEGACY_EMERGENCY,
    LOCATION,
    MEDIA,
    OFFER_CASE,
    STALE,
    STICKER,
    TEXT,
    TIMEOUT,
)
from handlers.turn import Input, Turn
from models import Conversation
from settings import Settings

log = logging.getLogger(__name__)
Handler = Callable[[Turn, Input], str]
DANGER_QUESTION_WAIT = timedelta(minutes=3)  # unanswered "are you in danger now?" → emergency


@dataclass(frozen=True)
class Step:
    """One row: the handler, and every state it may lead to."""

    handler: Handler
    to: tuple[str, ...]


# Where the shared paths can lead.
ADVANCE = (ASK_SUBJECT, ASK_AGE, ASK_PLACE, ASK_PHONE, ASK_CONSENT, CONFIRM)
EMERGENCY = (EMERGENCY_PLACE, EMERGENCY_PHONE, IDLE)
START = (IDLE, ASK_PROBLEM, ASK_INFO, CHECK_DANGER, CHOOSE_TOPIC, OFFER_CASE, *ADVANCE, *EMERGENCY)


def _keyed(rows: dict[str, Step]) -> dict[str, Step]:
    """Keyword rows as events: TEXT=… is "text", postback__age=… is "postback:age"."""
    return {key.lower() if key.isupper() else key.replace("__", ":"): step for key, step in rows.items()}


def _question_row(state: str, after: tuple[str, ...], give_up: tuple[str, ...],
                  **rows: Step) -> dict[str, Step]:
    """A question's row: its own answers plus what every question takes."""
    again = (state, *give_up)
    row = {
        CANCEL: Step(a.cancel, (IDLE,)),
        DANGER: Step(a.danger_mid_conversation, EMERGENCY),
        FOLLOW: Step(a.follow_mid_conversation, (state,)),
        CORRECTION: Step(a.corrected, (state, CHOOSE_EDIT, *after, *give_up)),
        STICKER: Step(a.ask_again, again),
        MEDIA: Step(a.media_during_question, again),
        STALE: Step(a.ask_again, again),
        LOCATION: Step(a.location_again, again),
        TEXT: Step(a.ask_again, again),
        TIMEOUT: Step(a.idle_timeout, (IDLE,)),
    }
    row.update(_keyed(rows))
    return row


def _emergency_row(state: str, **rows: Step) -> dict[str, Step]:
    """An emergency question's row: no danger re-check (it is one), words go to the hotline."""
    row = _question_row(state, EMERGENCY, EMERGENCY, **rows)
    del row[DANGER], row[FOLLOW]
    row[CANCEL] = Step(a.cancel, (IDLE,))
    row[TIMEOUT] = Step(a.emergency_timeout, (IDLE,))
    row[CORRECTION] = Step(a.corrected, (state, *EMERGENCY))
    return row


def _entry_row(**rows: Step) -> dict[str, Step]:
    """A state waiting for a request in words (idle, after 'get help' or 'ask a question')."""
    row = {
        CANCEL: Step(a.cancel, (IDLE,)),
        STICKER: Step(a.sticker_idle, (IDLE,)),
        MEDIA: Step(a.media_idle, (IDLE,)),
        STALE: Step(a.stale_idle, (IDLE,)),
        LOCATION: Step(s.location_first, (ASK_PROBLEM, IDLE)),
        TEXT: Step(s.idle_text, START),
    }
    row.update(_keyed(rows))
    return row


TABLE: dict[str, dict[str, Step]] = {
    IDLE: _entry_row(),
    ASK_PROBLEM: _entry_row(
        TEXT=Step(a.asked_problem, (ASK_PROBLEM, *START)),
        LOCATION=Step(a.location_again, (ASK_PROBLEM, IDLE)),
        STICKER=Step(a.ask_again, (ASK_PROBLEM, IDLE)), STALE=Step(a.ask_again, (ASK_PROBLEM, IDLE)),
        TIMEOUT=Step(a.idle_timeout, (IDLE,))),
    ASK_INFO: _entry_row(
        TEXT=Step(s.asked_info, START),
        STICKER=Step(a.ask_again, (ASK_INFO, IDLE)), STALE=Step(a.ask_again, (ASK_INFO, IDLE)),
        TIMEOUT=Step(a.idle_timeout, (IDLE,))),
    CHECK_DANGER: {
        CANCEL: Step(a.cancel, (IDLE,)),
        "postback:danger": Step(a.answered_danger, (CHOOSE_TOPIC, *ADVANCE, *EMERGENCY)),
        TEXT: Step(a.typed_danger, (CHOOSE_TOPIC, OFFER_CASE, IDLE, *ADVANCE, *EMERGENCY)),
        LOCATION: Step(a.pin_before_danger_answer, (CHECK_DANGER, *EMERGENCY)),
        STICKER: Step(a.ask_again, (CHECK_DANGER, *EMERGENCY)),
        MEDIA: Step(a.media_during_question, (CHECK_DANGER, *EMERGENCY)),
        STALE: Step(a.ask_again, (CHECK_DANGER, *EMERGENCY)),
        TIMEOUT: Step(a.danger_timeout, EMERGENCY),
    },
    CHOOSE_TOPIC: _question_row(
        CHOOSE_TOPIC, ADVANCE, (*ADVANCE, *EMERGENCY),
        postback__topic=Step(a.chose_topic, (*ADVANCE, *EMERGENCY)),
        UNKNOWN=Step(a._give_up_topic, (*ADVANCE, *EMERGENCY))),
    ASK_SUBJECT: _question_row(
        ASK_SUBJECT, ADVANCE, ADVANCE,
        postback__subject=Step(a.chose_subject, ADVANCE),
        TEXT=Step(a.typed_subject, (ASK_SUBJECT, *ADVANCE)),
        UNKNOWN=Step(a.skip_own_field, ADVANCE)),
    ASK_AGE: _question_row(
        ASK_AGE, ADVANCE, ADVANCE,
        postback__age=Step(a.chose_age, (ASK_AGE, *ADVANCE)),
        TEXT=Step(a.typed_age, (ASK_AGE, *ADVANCE)),
        UNKNOWN=Step(a.skip_own_field, ADVANCE)),
    ASK_PLACE: _question_row(
        ASK_PLACE, ADVANCE, ADVANCE,
        TEXT=Step(a.typed_place, (ASK_PLACE, CHOOSE_PLACE, *ADVANCE)),
        postback__place_unknown=Step(a.skipped_place, ADVANCE),
        UNKNOWN=Step(a.skip_own_field, ADVANCE),
        LOCATION=Step(a.received_location, (ASK_PLACE, *ADVANCE))),
    CHOOSE_PLACE: _question_row(
        CHOOSE_PLACE, ADVANCE, (ASK_PLACE, *ADVANCE),
        postback__place=Step(a.chose_place, (CHOOSE_PLACE, *ADVANCE)),
        postback__place_none=Step(a.rejected_places, (CHOOSE_PLACE, ASK_PLACE, *ADVANCE)),
        postback__place_unknown=Step(a.skipped_place, ADVANCE),
        TEXT=Step(a.typed_place, (CHOOSE_PLACE, *ADVANCE)),
        UNKNOWN=Step(a.skip_own_field, ADVANCE),
        LOCATION=Step(a.received_location, (CHOOSE_PLACE, *ADVANCE))),
    ASK_PHONE: _question_row(
        ASK_PHONE, ADVANCE, ADVANCE,
        TEXT=Step(a.typed_phone, (ASK_PHONE, *ADVANCE)),
        postback__phone_decline=Step(a.declined_phone, ADVANCE),
        UNKNOWN=Step(a.skip_own_field, ADVANCE)),
    ASK_CONSENT: _question_row(
        ASK_CONSENT, (CONFIRM,), (IDLE,),
        postback__consent=Step(a.answered_consent, (CONFIRM, IDLE)),
        TEXT=Step(a.typed_consent, (ASK_CONSENT, CONFIRM, IDLE)),
        UNKNOWN=Step(a.unsure_of_consent, (ASK_CONSENT, IDLE))),
    CONFIRM: _question_row(
        CONFIRM, (CONFIRM,), (IDLE,),
        postback__confirm=Step(a.confirm_case, (IDLE,)),
        postback__edit=Step(a.chose_edit, (CHOOSE_EDIT,)),
        TEXT=Step(a.typed_confirm, (CONFIRM, CHOOSE_EDIT, IDLE)),
        TIMEOUT=Step(a.confirm_timeout, (IDLE,))),
    CHOOSE_EDIT: _question_row(
        CHOOSE_EDIT, ADVANCE, (CONFIRM,),
        postback__edit_field=Step(a.edit_field, (CHOOSE_TOPIC, ASK_SUBJECT, ASK_PHONE, ASK_PLACE))),
    OFFER_CASE: _question_row(
        OFFER_CASE, ADVANCE, (IDLE,),
        postback__open_case=Step(a.accepted_offer, (*ADVANCE, *EMERGENCY)),
        postback__no_thanks=Step(a.declined_offer, (IDLE,)),
        TEXT=Step(a.text_after_answer, (OFFER_CASE, *START)),
        LOCATION=Step(s.location_first, (ASK_PROBLEM, IDLE))),
    EMERGENCY_PLACE: _emergency_row(
        EMERGENCY_PLACE,
        TEXT=Step(a.typed_emergency_place, (EMERGENCY_PLACE, *EMERGENCY)),
        postback__place_unknown=Step(a.skipped_place, EMERGENCY),
        UNKNOWN=Step(a.skip_own_field, EMERGENCY),
        LOCATION=Step(a.received_location, (EMERGENCY_PLACE, *EMERGENCY))),
    EMERGENCY_PHONE: _emergency_row(
        EMERGENCY_PHONE,
        TEXT=Step(a.typed_phone, (EMERGENCY_PHONE, *EMERGENCY)),
        postback__phone_decline=Step(a.declined_phone, EMERGENCY),
        UNKNOWN=Step(a.skip_own_field, EMERGENCY)),
}
# Timeouts: how long each state waits for the citizen (None: the settings' idle minutes).
TIMEOUTS: dict[str, timedelta | None] = {state: None for state in TABLE if TIMEOUT in TABLE[state]}
TIMEOUTS[CHECK_DANGER] = DANGER_QUESTION_WAIT
del TABLE[OFFER_CASE][CORRECTION]  # "ไม่ใช่" to an offer is a no, not a correction
STATES = tuple(TABLE)
QUESTION_STATES = tuple(st for st in TABLE if st not in (IDLE, ASK_PROBLEM, ASK_INFO))


class UndeclaredTransitionError(RuntimeError):
    """A handler led to a state its row does not declare (a bug in the table)."""


def _run(turn: Turn, event: str, given: Input) -> None:
    conv = turn.conv
    step = TABLE[conv.state][event]
    before = conv.state
    after = step.handler(turn, given)
    if after not in step.to:
        message = f"{before} --{event}--> {after} is not declared"
        if turn.settings.environment == "test":
            raise UndeclaredTransitionError(message)
        log.error("conversation: %s", message)
    if after != before:
        turn.data.pop("tries", None)
    conv.state = after


_ORDINARY_OF = {EMERGENCY_PLACE: ASK_PLACE, EMERGENCY_PHONE: ASK_PHONE}


def _current_state(conv: Conversation) -> str:
    if conv.state not in TABLE:
        return IDLE
    if conv.case_id and conv.state in LEGACY_EMERGENCY:
        return LEGACY_EMERGENCY[conv.state]  # rows written before the emergency states existed
    if not conv.case_id and conv.state in _ORDINARY_OF:
        # An emergency question with no case behind it (a row edited by hand, a lost write):
        # the ordinary questions ask the same and open the case at the end, never a crash.
        log.warning("conversation: %s with no case; asking on the ordinary path", conv.state)
        return _ORDINARY_OF[conv.state]
    return conv.state


def timeout_after(state: str, settings: Settings) -> timedelta | None:
    """How long a state waits for the citizen before it times out (None: never, i.e. idle)."""
    if state not in TIMEOUTS:
        return None
    return TIMEOUTS[state] or timedelta(minutes=settings.conversation_idle_minutes)


def is_expired(turn: Turn) -> bool:
    """True when a conversation under way has been idle past the limit."""
    idle = timedelta(minutes=turn.settings.conversation_idle_minutes)
    # Measured from when the citizen wrote, not from when a (possibly busy) worker got to it.
    written = min(turn.sent_at or turn.now, turn.now)
    return turn.conv.state != IDLE and turn.conv.updated_at < written - idle


def handle(turn: Turn, given: Input) -> None:
    """Run one citizen input through the table; expiry first, never silence."""
    conv = turn.conv
    conv.state = _current_state(conv)
    if is_expired(turn):
        turn.say(turn_expired_message(turn))
        turn.forget()
        conv.state = IDLE
    _run(turn, read(conv.state, TABLE[conv.state], given, topic=turn.data.get("topic")), given)
    conv.updated_at = turn.now


def turn_expired_message(turn: Turn) -> dict[str, object]:
    """The note that the earlier, unfinished conversation was forgotten."""
    return m.text(m.t("expired", turn.lang))


def on_timeout(turn: Turn, now: datetime) -> None:
    """The worker's single entry point: a state waited past its limit (timeout_after)."""
    conv = turn.conv
    conv.state = _current_state(conv)
    if TIMEOUT in TABLE[conv.state]:
        _run(turn, TIMEOUT, Input(TIMEOUT))
    conv.updated_at = now


def timed_out(now: datetime, settings: Settings) -> ColumnElement[bool]:
    """SQL condition on Conversation: rows whose state has waited past its limit."""
    idle = timedelta(minutes=settings.conversation_idle_minutes)
    short = [and_(Conversation.state == st, Conversation.updated_at < now - wait)
             for st, wait in TIMEOUTS.items() if wait is not None]
    return and_(Conversation.state != IDLE, or_(Conversation.updated_at < now - idle, *short))


def diagram() -> str:
    """The table as a Mermaid state diagram (conversation.md is generated from it)."""
    lines = ["stateDiagram-v2", f"    [*] --> {IDLE}"]
    for state, row in TABLE.items():
        edges: dict[str, list[str]] = {}
        for event, step in row.items():
            for target in step.to:
                edges.setdefault(target, []).append(event)
        for target, events in edges.items():
            lines.append(f"    {state} --> {target}: {' / '.join(sorted(set(events)))}")
    return "\n".join(lines)
