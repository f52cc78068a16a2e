"""Erasures started outside the chat (an officer, a closed emergency) and telling the citizen."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers import messages as m
from handlers.outbox import queue_push
from models import Case, LineUser, PrivacyRequest
from privacy.erasure import Erasure, erase_case, erase_subject, must_keep
from privacy.requests import complete, done_text
from privacy.texts import joined, t


def tell(session: Session, user_id: str, body: str, lang: str) -> None:
    """Push a PDPA notice to a citizen who still follows the account."""
    user = session.get(LineUser, user_id)
    if user is not None and user.following:
        queue_push(session, user_id, [m.text(body, m.main_menu(lang))], "privacy")


def erase_person(session: Session, user_id: str, now: datetime, actor: str,
                 lang: str = "th") -> Erasure:
    """An officer erases one citizen (by LINE id): recorded, done, and the citizen told."""
    request = PrivacyRequest(line_user_id=user_id, channel="admin", language=lang,
                             status="confirmed", requested_at=now)
    session.add(request)
    user = session.get(LineUser, user_id)
    following = user is not None and user.following
    result = erase_subject(session, user_id, now, "officer_request", actor=actor)
    complete(request, result, now)
    if following:  # the account row may be gone now: queue directly
        queue_push(session, user_id, [m.text(done_text(result, lang, "erase_done_admin"),
                                             m.main_menu(lang))], "privacy")
    return result


def erase_one_case(session: Session, case: Case, now: datetime, actor: str,
                   force: bool = False) -> bool:
    """An officer erases one case; an open emergency only with force. False when refused."""
    if must_keep(case) and not force:
        return False
    user_id, lang = case.reporter_line_user_id, case.language
    erase_case(session, case, now, "officer_request", actor=actor)
    tell(session, user_id, t("case_erased", lang, case_no=case.case_no), lang)
    return True


def finish_waiting(session: Session, now: datetime) -> int:
    """Erasures held back by open emergencies: finish them once those cases are closed."""
    waiting = session.scalars(select(PrivacyRequest).where(
        PrivacyRequest.status == "waiting_case_close").order_by(PrivacyRequest.id).limit(100)).all()
    done = 0
    for request in waiting:
        kept = session.scalars(select(Case).where(
            Case.case_no.in_(request.detail.get("kept", [])))).all()
        if any(must_keep(k) for k in kept):
            continue
        lang, user_id = request.language, request.line_user_id
        user = session.get(LineUser, user_id)
        following = user is not None and user.following
        result = erase_subject(session, user_id, now, "citizen_request", actor="citizen")
        complete(request, result, now)
        if following:
            body = t("kept_now_erased", lang, cases=joined(request.detail.get("erased", []), lang))
            queue_push(session, user_id, [m.text(body, m.main_menu(lang))], "privacy")
        done += 1
    return done
