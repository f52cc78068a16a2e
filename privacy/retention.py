"""The retention job: personal data of long-closed cases and old logs erased (run hourly)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import case as when
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import ERASED, Case, Consent, Contact, InboundEvent, OutboundMessage, PrivacyRequest
from privacy.erasure import DONE_STATUSES, erase_case, finish
from privacy.notify import finish_waiting
from settings import Settings

if TYPE_CHECKING:
    from runtime import Runtime

log = logging.getLogger(__name__)
BATCH = 200  # rows per transaction: the webhook must not wait behind a long one
STALE_CONFIRMATION = timedelta(days=1)


def erase_closed_cases(session: Session, settings: Settings, now: datetime) -> int:
    """Erase personal data of cases closed longer than CASE_RETENTION_DAYS."""
    cutoff = now - timedelta(days=settings.case_retention_days)
    cases = session.scalars(select(Case).where(
        Case.status == "closed", Case.closed_at < cutoff, Case.reporter_line_user_id != ERASED)
        .order_by(Case.id).limit(BATCH).with_for_update(skip_locked=True, of=Case)).unique().all()
    for case in cases:
        erase_case(session, case, now, "retention")
    return len(cases)


def anonymise_logs(session: Session, settings: Settings, now: datetime) -> int:
    """Drop LINE ids (and suggestion texts) from logs older than CONTACT_RETENTION_DAYS."""
    cutoff = now - timedelta(days=settings.contact_retention_days)
    done = session.execute(update(Contact).where(
        Contact.created_at < cutoff, Contact.line_user_id != ERASED)
        .values(line_user_id=ERASED, text=None)).rowcount or 0
    # Consent answers link to their case by its consent time; the rest never became a case
    # (cancelled or expired conversations) and lose their LINE id.
    case_of = select(Case.id).where(Case.reporter_line_user_id == Consent.line_user_id,
                                    Case.consent_at == Consent.given_at).limit(1).scalar_subquery()
    session.execute(update(Consent).where(
        Consent.given_at < cutoff, Consent.case_id.is_(None), Consent.line_user_id != ERASED)
        .values(case_id=case_of))
    done += session.execute(update(Consent).where(
        Consent.given_at < cutoff, Consent.case_id.is_(None), Consent.line_user_id != ERASED)
        .values(line_user_id=ERASED)).rowcount or 0
    done += session.execute(update(InboundEvent).where(
        InboundEvent.received_at < cutoff, InboundEvent.status != "pending",
        InboundEvent.chat_id != ERASED).values(chat_id=ERASED, payload=None)).rowcount or 0
    done += session.execute(update(OutboundMessage).where(
        OutboundMessage.created_at < cutoff, OutboundMessage.status.in_(DONE_STATUSES),
        OutboundMessage.to != ERASED).values(
        to=ERASED, messages=[],
        purged_at=when((OutboundMessage.purged_at.is_(None), now), else_=OutboundMessage.purged_at))
    ).rowcount or 0
    return done


def close_stale_requests(session: Session, now: datetime) -> int:
    """Confirmations never answered: the request ends and forgets who asked."""
    return session.execute(update(PrivacyRequest).where(
        PrivacyRequest.status == "awaiting_confirmation",
        PrivacyRequest.requested_at < now - STALE_CONFIRMATION)
        .values(status="expired", line_user_id=ERASED)).rowcount or 0


def finish_requests(session: Session, now: datetime) -> int:
    """Clear the last traces (chat, sent replies, events) of completed erasures."""
    requests = session.scalars(select(PrivacyRequest).where(PrivacyRequest.status == "done")
                               .order_by(PrivacyRequest.id).limit(BATCH)).all()
    return sum(1 for r in requests if finish(session, r, now))


def run_retention(runtime: Runtime, settings: Settings, now: datetime) -> int:
    """Run every PDPA retention step, each in its own transaction; returns rows changed."""
    total = 0
    for step in (lambda s: erase_closed_cases(s, settings, now),
                 lambda s: anonymise_logs(s, settings, now),
                 lambda s: close_stale_requests(s, now),
                 lambda s: finish_waiting(s, now),
                 lambda s: finish_requests(s, now)):
        with runtime.transaction() as session:
            total += step(session)
    if total:
        log.info("retention: %d rows erased or anonymised", total)
    return total
