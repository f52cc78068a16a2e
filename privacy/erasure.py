"""Erasing a citizen's personal data while keeping the anonymised case the ministry must keep."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, or_, select, true, update
from sqlalchemy import case as when
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from models import (
    ERASED,
    Attachment,
    Case,
    Consent,
    Contact,
    Conversation,
    InboundEvent,
    LineUser,
    OutboundMessage,
    PrivacyRequest,
)
from referral.places import make_place

# Unsent messages with these purposes carry the phone or the story to staff: dropped.
PERSONAL_PURPOSES = ("staff_details", "hotline_alert", "staff_update")
DONE_STATUSES = ("sent", "failed", "skipped")
# History details under these keys may hold what the citizen wrote.
PERSONAL_DETAIL_KEYS = frozenset({"phone", "description", "text", "note", "story", "name",
                                  "message", "address"})
IDLE = "idle"  # the conversation's resting state (handlers.conversation.IDLE)


@dataclass
class Erasure:
    """What an erasure did: cases anonymised, cases kept open, rows cleared."""

    erased: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    contacts: int = 0
    consents: int = 0
    attachments: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Return the counts as stored with the request and printed by the command."""
        return {"erased": self.erased, "kept": self.kept, "contacts": self.contacts,
                "consents": self.consents, "attachments": self.attachments}


def is_erased(case: Case) -> bool:
    """True once a case's personal data is gone."""
    return case.reporter_line_user_id == ERASED


def must_keep(case: Case) -> bool:
    """True for an open emergency: it stays with the hotline until closed (PDPA s.24(2), s.33)."""
    return case.is_open and case.urgency == "emergency"


def cases_of(session: Session, user_id: str) -> list[Case]:
    """Return every case a citizen reported, oldest first."""
    return list(session.scalars(select(Case).where(Case.reporter_line_user_id == user_id)
                                .order_by(Case.created_at, Case.id)))


def ensure_erased_reporter(session: Session, now: datetime) -> None:
    """Keep a never-reachable LINE user for erased reporters, so no status push is queued to it."""
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(LineUser).values(
        user_id=ERASED, following=False, language="th", first_seen_at=now, last_seen_at=now,
        unfollowed_at=now).on_conflict_do_nothing(index_elements=["user_id"]))


def _district_label(case: Case) -> str | None:
    code = case.district_code or case.province_code
    return (make_place(code, 1.0).label_th or None) if code and len(code) in (2, 4) else None


def _blank_case(case: Case) -> None:
    case.reporter_line_user_id = ERASED
    case.phone, case.description = None, ""
    case.subject, case.subject_age_group = None, None
    case.subdistrict_code, case.latitude, case.longitude = None, None, None
    case.place_text = _district_label(case)


def _scrub_history(case: Case, user_id: str) -> None:
    for entry in case.history:
        if user_id in entry.actor:
            entry.actor = "citizen"
        detail = {k: v for k, v in (entry.detail or {}).items()
                  if k not in PERSONAL_DETAIL_KEYS and user_id not in str(v)}
        if detail != entry.detail:
            entry.detail = detail
            flag_modified(entry, "detail")


def _blank_outbox(session: Session, where: ColumnElement[bool], user_id: str,
                  now: datetime) -> None:
    recipient = when((OutboundMessage.to == user_id, ERASED), else_=OutboundMessage.to)
    session.execute(update(OutboundMessage).where(
        where, OutboundMessage.status.in_(DONE_STATUSES))
        .values(messages=[], purged_at=now, to=recipient)
        .execution_options(synchronize_session=False))
    session.execute(update(OutboundMessage).where(
        where, OutboundMessage.status == "pending",
        OutboundMessage.purpose.in_(PERSONAL_PURPOSES))
        .values(messages=[], purged_at=now, status="skipped", last_error="personal data erased")
        .execution_options(synchronize_session=False))


def _anonymise_consents(session: Session, where: ColumnElement[bool], now: datetime) -> int:
    # The answer, its notice version and time stay as evidence of the legal basis.
    done = session.execute(update(Consent).where(where, Consent.line_user_id != ERASED).values(
        line_user_id=ERASED, withdrawn_at=when((Consent.withdrawn_at.is_(None), now),
                                               else_=Consent.withdrawn_at))
        .execution_options(synchronize_session=False))
    return done.rowcount or 0


def _link_consents(session: Session, case: Case) -> None:
    # The conversation records consent before the case exists; the case keeps its time.
    if case.consent_at is None:
        return
    session.execute(update(Consent).where(
        Consent.line_user_id == case.reporter_line_user_id, Consent.case_id.is_(None),
        Consent.given_at == case.consent_at).values(case_id=case.id)
        .execution_options(synchronize_session=False))


def erase_case(session: Session, case: Case, now: datetime, reason: str,
               actor: str = "system") -> None:
    """Erase one case's personal data; the anonymised case and its history stay."""
    if is_erased(case):
        return
    user_id = case.reporter_line_user_id
    _link_consents(session, case)
    _anonymise_consents(session, Consent.case_id == case.id, now)
    session.execute(delete(Attachment).where(Attachment.case_id == case.id)
                    .execution_options(synchronize_session=False))
    session.execute(update(Contact).where(Contact.case_id == case.id)
                    .values(line_user_id=ERASED, text=None)
                    .execution_options(synchronize_session=False))
    _blank_outbox(session, OutboundMessage.case_id == case.id, user_id, now)
    _scrub_history(case, user_id)
    _blank_case(case)
    case.record("personal_data_erased", actor=actor, reason=reason)
    ensure_erased_reporter(session, now)


def _not_in(column: Any, ids: list[int]) -> ColumnElement[bool]:
    return or_(column.is_(None), column.not_in(ids)) if ids else true()


def _reset_conversation(session: Session, user_id: str, kept_ids: list[int],
                        now: datetime) -> None:
    conv = session.get(Conversation, user_id)
    if conv is None or (conv.case_id and conv.case_id in kept_ids):
        return  # an open emergency is still collecting its place and phone
    # The row also holds the worker's lock on this chat: reset it; the retention job
    # deletes it once the chat is quiet.
    conv.state, conv.data, conv.case_id, conv.updated_at = IDLE, {}, None, now
    flag_modified(conv, "data")


def _erase_traces(session: Session, user_id: str, kept_ids: list[int], now: datetime,
                  result: Erasure) -> None:
    result.contacts = session.execute(update(Contact).where(Contact.line_user_id == user_id)
                                      .values(line_user_id=ERASED, text=None)
                                      .execution_options(synchronize_session=False)).rowcount or 0
    result.consents += _anonymise_consents(
        session, (Consent.line_user_id == user_id) & _not_in(Consent.case_id, kept_ids), now)
    result.attachments += session.execute(delete(Attachment).where(
        Attachment.line_user_id == user_id, _not_in(Attachment.case_id, kept_ids))
        .execution_options(synchronize_session=False)).rowcount or 0
    _blank_outbox(session, (OutboundMessage.to == user_id)
                  & _not_in(OutboundMessage.case_id, kept_ids), user_id, now)
    session.execute(update(InboundEvent).where(
        InboundEvent.chat_id == user_id, InboundEvent.status != "pending")
        .values(chat_id=ERASED, payload=None).execution_options(synchronize_session=False))


def erase_subject(session: Session, user_id: str, now: datetime, reason: str,
                  actor: str = "system") -> Erasure:
    """Erase everything held about one LINE user except open emergencies; returns what was done."""
    session.flush()  # pending changes of this event (last seen, conversation) land first
    result = Erasure()
    kept_ids = []
    for case in cases_of(session, user_id):
        if must_keep(case):
            result.kept.append(case.case_no)
            kept_ids.append(case.id)
            continue
        result.attachments += len(case.attachments)
        erase_case(session, case, now, reason, actor)
        result.erased.append(case.case_no)
    _erase_traces(session, user_id, kept_ids, now, result)
    _reset_conversation(session, user_id, kept_ids, now)
    user = session.get(LineUser, user_id)
    if user is not None and not kept_ids:
        session.delete(user)  # the hotline still needs to reach the reporter of a kept case
    return result


def finish(session: Session, request: PrivacyRequest, now: datetime) -> bool:
    """Clear the last traces of an erased citizen once their chat is quiet; False: not yet."""
    user_id = request.line_user_id
    returned = session.get(LineUser, user_id)  # written again since: only older rows go
    before = returned.first_seen_at if returned else now
    unsent = session.scalar(select(OutboundMessage.id).where(
        OutboundMessage.to == user_id, OutboundMessage.created_at <= before,
        OutboundMessage.status.in_(("pending", "sending"))).limit(1))
    conv = session.get(Conversation, user_id)
    if unsent is not None or (conv is not None and conv.locked_until and conv.locked_until > now):
        return False
    if returned is None:  # only a quiet, idle chat: a worker may take its lock at any moment
        session.execute(delete(Conversation).where(
            Conversation.chat_id == user_id, Conversation.state == IDLE,
            or_(Conversation.locked_until.is_(None), Conversation.locked_until <= now))
            .execution_options(synchronize_session=False))
    _blank_outbox(session, (OutboundMessage.to == user_id) & (OutboundMessage.created_at <= before),
                  user_id, now)
    session.execute(update(InboundEvent).where(
        InboundEvent.chat_id == user_id, InboundEvent.status != "pending",
        InboundEvent.received_at <= before).values(chat_id=ERASED, payload=None)
        .execution_options(synchronize_session=False))
    request.line_user_id, request.status, request.finished_at = ERASED, "finished", now
    return True
